// Live change notes for watchers such as the dashboard: the event stream (events.ts) reduced to
// "what changed, where", coalesced so that a busy mock tells each watcher at most a few times a
// second. A note names kinds of state (batches, requests, rules, clock, namespaces), never their
// content: the watcher reads what it shows through the admin API, so nothing a request carried is
// copied here, and a slow watcher never holds up a request.
//
// Batches also change status with time alone (the lifecycle is derived from the clock), which no
// event tells: a batch's JSON carries `nextChangeAt`, the moment its status next changes on its
// own, so a watcher can read it again then (and on every clockMoved, which moves that moment).
import type { EventStream, MockEvent } from './events';

/**
 * `counters`: requests were judged by the rules, so their matched/fired counters may have moved
 * (a watcher showing no rule has nothing to read again); `rules`: the rule book itself changed.
 */
export type ChangeKind = 'batches' | 'requests' | 'counters' | 'rules' | 'clock' | 'namespaces';
export const CHANGE_KINDS: readonly ChangeKind[] = ['batches', 'requests', 'counters', 'rules', 'clock', 'namespaces'];

/** One coalesced note: which kinds changed in which namespaces since the previous note. */
export interface ChangeNote {
  /** Counts notes sent to this watcher, from 1. */
  seq: number;
  kinds: ChangeKind[];
  /** The namespaces where something changed, in the order they first did. */
  namespaces: string[];
  /** Events folded into this note. */
  events: number;
  /** Whether a namespace was reset in the meantime (a watcher drops what it shows of it). */
  reset: boolean;
}

/** Two notes as one (the later one's seq): what a watcher that missed the first must know. */
export function foldNotes(a: ChangeNote, b: ChangeNote): ChangeNote {
  return {
    seq: b.seq,
    kinds: CHANGE_KINDS.filter((k) => a.kinds.includes(k) || b.kinds.includes(k)),
    namespaces: [...new Set([...a.namespaces, ...b.namespaces])],
    events: a.events + b.events,
    reset: a.reset || b.reset,
  };
}

// The answers of kindsOf, made once (it runs for every journaled request while a page is open).
const BATCHES: readonly ChangeKind[] = ['batches'];
const REQUESTS: readonly ChangeKind[] = ['requests', 'counters'];
const JOURNAL: readonly ChangeKind[] = ['requests'];
const COUNTERS: readonly ChangeKind[] = ['counters'];
const RULES: readonly ChangeKind[] = ['rules'];
const CLOCK: readonly ChangeKind[] = ['clock', 'batches'];
const NAMESPACES: readonly ChangeKind[] = ['namespaces'];

/** The kinds of state an event changes. */
export function kindsOf(e: MockEvent): readonly ChangeKind[] {
  switch (e.type) {
    case 'batchCreated':
    case 'batchForced':
    case 'batchDeleted':
    case 'batchesCleared':
      return BATCHES;
    case 'requestJournaled':
      // A request also moves the rules' matched counters (no event says so when none fired).
      return REQUESTS;
    case 'journalCleared':
      return JOURNAL;
    case 'ruleFired':
      return COUNTERS;
    case 'rulesChanged':
      return RULES;
    // A clock move changes what every batch is, and when it next changes.
    case 'clockMoved':
      return CLOCK;
    case 'reset':
      return CHANGE_KINDS;
    case 'namespaceCreated':
    case 'namespaceDropped':
      return NAMESPACES;
  }
}

export interface WatchOptions {
  /** The shortest time between two notes to this watcher (100: at most 10 a second). */
  minIntervalMs: number;
  onNote: (note: ChangeNote) => void;
  /** A monotonic real-time clock in ms; tests may pass their own. */
  now?: () => number;
}

/**
 * One watcher: listens to every event of `events`, sends the first change at once and then at
 * most one note per `minIntervalMs`, folding everything in between into it. Returns the function
 * that stops it (listening ends, a pending note is dropped).
 */
export function watchChanges(events: EventStream, opts: WatchOptions): () => void {
  const now = opts.now ?? (() => performance.now());
  const kinds = new Set<ChangeKind>();
  const namespaces = new Set<string>();
  let count = 0;
  let reset = false;
  let seq = 0;
  let lastSentAt = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const flush = () => {
    timer = null;
    if (stopped || count === 0) return;
    const note: ChangeNote = { seq: ++seq, kinds: CHANGE_KINDS.filter((k) => kinds.has(k)), namespaces: [...namespaces], events: count, reset };
    kinds.clear();
    namespaces.clear();
    count = 0;
    reset = false;
    lastSentAt = now();
    opts.onNote(note);
  };

  const off = events.onAny((e) => {
    for (const k of kindsOf(e)) kinds.add(k);
    namespaces.add(e.namespace);
    if (e.type === 'reset') reset = true;
    count++;
    if (timer !== null) return;
    // Leading edge: a quiet mock's first change goes out at once (after the events of the same
    // turn, e.g. the several of a reset); a busy one's wait for the interval.
    timer = setTimeout(flush, Math.max(0, lastSentAt + opts.minIntervalMs - now()));
  });

  return () => {
    stopped = true;
    off();
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
}
