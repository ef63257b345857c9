// Verification of what the system under test sent: counts, "never", and sequences, judged over the
// journal's matching entries. Pure (entries in, verdict out). On failure the message lists what was
// seen, in order, so a test that prints it has its diagnosis.
import { OPERATIONS, STATUSES } from '../batches/model';
import { ValidationError } from '../errors';
import type { JournalEntry, SeenRequest, VerifyRequest, VerifyResult } from '../schemas/types';

/** Lines of entries a message lists before it says how many more there were. */
const MESSAGE_LINES = 20;

export const seenOf = (e: JournalEntry): SeenRequest => ({
  seq: e.seq,
  time: e.time,
  protocol: e.protocol,
  operation: e.operation,
  batchId: e.batchId,
  httpStatus: e.httpStatus,
  summary: e.summary,
});

/** `#7 soap11 GetStatus batch 1001: 200 Queued (2030-01-01T00:00:02.000Z)` */
export function describeEntry(e: SeenRequest): string {
  const what = [e.protocol ?? '-', e.operation ?? '(no operation)', e.batchId === null ? null : `batch ${e.batchId}`].filter(Boolean).join(' ');
  return `#${e.seq} ${what}: ${e.httpStatus} ${e.summary} (${e.time})`;
}

function listing(entries: SeenRequest[], max = MESSAGE_LINES): string {
  const lines = entries.slice(0, max).map((e) => `  ${describeEntry(e)}`);
  if (entries.length > max) lines.push(`  ... and ${entries.length - max} more`);
  return lines.join('\n');
}

/** `Queued x2, ProcessingInput, Completed`: consecutive repeats collapsed. */
function collapsed(values: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j < values.length && values[j] === values[i]) j++;
    out.push(j - i > 1 ? `${values[i]} x${j - i}` : values[i]!);
    i = j;
  }
  return out.join(', ') || 'nothing';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Judges `matching` (the journal's entries that match the call's filters, oldest first) by the
 * spec. `where` describes the filters (`matching operation=GetStatus`, or `in the journal`).
 * `journal` tells how many entries the journal holds and its newest few, listed when nothing
 * matched (a verification's near misses).
 */
export function verify(
  spec: VerifyRequest,
  matching: JournalEntry[],
  where: string,
  journal: () => { size: number; newest: JournalEntry[] },
): VerifyResult {
  const given = (['count', 'never', 'sequence'] as const).filter((k) => spec[k] !== undefined);
  if (given.length > 1) throw new ValidationError(`/: give one of count, never and sequence, not ${given.join(' and ')}`, '/');
  const seen = matching.map(seenOf);
  const result = (pass: boolean, message: string): VerifyResult => ({ pass, message, matched: seen.length, seen });
  const noneMatched = () => {
    const { size, newest } = journal();
    if (size === 0) return 'the journal is empty';
    return `the journal holds ${plural(size, 'other request')}, the newest:\n${listing(newest.map(seenOf))}`;
  };

  if (spec.sequence) return sequence(spec.sequence, seen, where, result);

  if (spec.never) {
    if (seen.length === 0) return result(true, `no request ${where}`);
    return result(false, `expected no request ${where}, but ${plural(seen.length, 'was', 'were')}:\n${listing(seen)}`);
  }

  const count = spec.count ?? { atLeast: 1 };
  const [kind, n] = Object.entries(count)[0] as ['exactly' | 'atLeast' | 'atMost', number];
  const pass = kind === 'exactly' ? seen.length === n : kind === 'atLeast' ? seen.length >= n : seen.length <= n;
  const bound = `${kind === 'exactly' ? 'exactly' : kind === 'atLeast' ? 'at least' : 'at most'} ${plural(n, 'request')}`;
  const expected = `${bound} ${where}`;
  if (pass) return result(true, `${plural(seen.length, 'request')} ${where}; expected ${bound}`);
  if (seen.length === 0) return result(false, `expected ${expected}, but none matched; ${noneMatched()}`);
  return result(false, `expected ${expected}, but ${seen.length} matched:\n${listing(seen)}`);
}

const OPERATION_SET = new Set<string>(OPERATIONS);
const STATUS_SET = new Set<string>(STATUSES);

function sequence(wanted: string[], seen: SeenRequest[], where: string, result: (pass: boolean, message: string) => VerifyResult): VerifyResult {
  const ofOperations = wanted.every((w) => OPERATION_SET.has(w));
  if (!ofOperations && !wanted.every((w) => STATUS_SET.has(w))) {
    throw new ValidationError('/sequence: list operations (FileBatch, GetStatus) or statuses (Queued, ...), not both', '/sequence');
  }
  // Operations: every matching entry's; statuses: what GetStatus answered (the journal's summary).
  const values: { value: string; e: SeenRequest }[] = [];
  for (const e of seen) {
    const value = ofOperations ? e.operation : e.operation === 'GetStatus' && STATUS_SET.has(e.summary) ? e.summary : null;
    if (value !== null) values.push({ value, e });
  }
  const what = ofOperations ? 'the operations' : 'the statuses';
  const among = ofOperations ? `the requests ${where}` : `the GetStatus answers to the requests ${where}`;
  const seenText = `seen: ${collapsed(values.map((v) => v.value))}`;
  let i = 0;
  let last: { value: string; e: SeenRequest } | null = null;
  for (const v of values) {
    if (i < wanted.length && v.value === wanted[i]) {
      i++;
      last = v;
    }
  }
  if (i === wanted.length) return result(true, `${what} ${wanted.join(', ')} occurred in this order among ${among}; ${seenText}`);
  const missing = wanted[i]!;
  const why = last ? `no ${missing} came after ${last.value} (#${last.e.seq})` : `no ${missing} came at all`;
  return result(false, `expected ${what} ${wanted.join(', ')} in this order among ${among}, but ${why}; ${seenText}`);
}
