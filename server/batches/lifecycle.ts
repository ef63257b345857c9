// The pure state machine: a batch's stored facts plus a moment give its status.
// No I/O and no timers, so any status is reproducible from the same facts and clock reading.
import { Batch, ErrorCode, Stage, StatusView, STAGES, isTerminal } from './model';

export type Transition = StatusView;

/** The facts that decide a batch's status (a stored Batch has them, and more). */
export type Timed = Pick<Batch, 'createdAt' | 'plan' | 'anchor'>;

function stageDuration(batch: Timed, stage: Stage): number {
  const p = batch.plan;
  switch (stage) {
    case 'Queued':
      return p.queuedMs;
    case 'ProcessingInput':
      return p.processingInputMs;
    case 'WaitingForOutput':
      return p.waitingForOutputMs;
  }
}

const fail = (status: 'Failed' | 'Aborted', errorCode: ErrorCode, since: number): Transition => ({
  status,
  errorCode,
  since,
});

/**
 * Every status the batch has had up to `now`, oldest first, each with the moment it began.
 * The list is at most five entries long, so this is O(1) whatever the number of batches.
 */
export function timeline(batch: Timed, now: number): Transition[] {
  const anchor = batch.anchor;
  if (anchor && isTerminal(anchor.status)) return [{ status: anchor.status, errorCode: anchor.errorCode, since: anchor.at }];

  let startIndex = 0;
  let t = batch.createdAt;
  if (anchor) {
    const i = STAGES.indexOf(anchor.status as Stage);
    startIndex = i < 0 ? 0 : i;
    t = anchor.at;
  }
  const { outcome, hold, timeoutMs } = batch.plan;
  const out: Transition[] = [];
  for (let i = startIndex; i < STAGES.length; i++) {
    const stage = STAGES[i]!;
    if (t > now && out.length > 0) return out;
    if (outcome && outcome.at === stage) {
      out.push(fail(outcome.status, outcome.errorCode, t));
      return out;
    }
    out.push({ status: stage, errorCode: 'NoError', since: t });
    if (hold === stage) return out;
    const d = stageDuration(batch, stage);
    if (stage === 'WaitingForOutput' && d > timeoutMs) {
      // The robot would wait past the caller's TimeOut: it gives up at that moment.
      const at = t + timeoutMs;
      if (at <= now) out.push(fail('Failed', 'TimedOut', at));
      return out;
    }
    t += d;
  }
  if (t > now) return out;
  if (outcome && outcome.at === 'Completed') out.push(fail(outcome.status, outcome.errorCode, t));
  else out.push({ status: 'Completed', errorCode: 'NoError', since: t });
  return out;
}

/** The status the batch has at `now`. */
export function statusAt(batch: Timed, now: number): StatusView {
  const all = timeline(batch, now);
  return all[all.length - 1]!;
}

/**
 * The moment after `now` at which the batch's status next changes on its own, or null when it never
 * will (terminal, held in a stage, or stopped by its outcome). Pure, like the rest: a waiter sets
 * one timer for this moment instead of polling.
 */
export function nextTransitionAt(batch: Timed, now: number): number | null {
  const current = statusAt(batch, now);
  // Before the batch's own start (a clock set back) its first status reads as current already.
  for (const t of timeline(batch, Infinity)) {
    if (t.since > now && (t.status !== current.status || t.errorCode !== current.errorCode)) return t.since;
  }
  return null;
}
