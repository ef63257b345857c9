// Long-poll waits of one namespace: for a batch to reach one of a set of statuses, or for N
// matching requests to be journaled. Nothing polls. A batch's status is derived from stored facts
// and the clock, so while the clock runs the moment of its next transition is known exactly
// (batches/lifecycle.ts nextTransitionAt): each waiter sets one timer, for that moment or its
// deadline, whichever is first. Everything else that can change a status (clock commands, PATCH,
// delete, reset) is an event, and the waiters it concerns look again. With a frozen clock and no
// events a waiter costs nothing but its deadline timer.
import type { ControllableClock } from '../batches/clock';
import { nextTransitionAt, Timed } from '../batches/lifecycle';
import type { Status, StatusView } from '../batches/model';
import { ValidationError, WaiterLimitError } from '../errors';
import type { EventStream } from './events';
import type { Journal, JournalQuery } from './journal';

/** How a wait ended. `timeout` and `done` carry the value as it was then. */
export type WaitEnd<T> =
  | { kind: 'done'; value: T }
  | { kind: 'timeout'; value: T; waitedMs: number }
  /** What was awaited cannot happen any more: the batch was deleted, or the namespace dropped. */
  | { kind: 'gone'; reason: string }
  /** The mock is shutting down. */
  | { kind: 'closed' }
  /** The caller went away (its AbortSignal fired). */
  | { kind: 'cancelled' };

/** MAX_WAITERS open waits in all namespaces together, each at most WAIT_TIMEOUT_MAX_MS long. */
export class WaiterBudget {
  open = 0;
  constructor(
    readonly limit: number,
    readonly maxTimeoutMs: number,
  ) {}

  checkTimeout(timeoutMs: number): void {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > this.maxTimeoutMs) {
      throw new ValidationError(`?timeoutMs: must be an integer from 0 to ${this.maxTimeoutMs} (WAIT_TIMEOUT_MAX_MS)`, '?timeoutMs');
    }
  }

  acquire(): void {
    if (this.open >= this.limit) throw new WaiterLimitError(this.limit);
    this.open++;
  }

  release(): void {
    this.open--;
  }
}

/** What the waiters of a namespace read (its World). */
export interface WaitHost {
  readonly name: string;
  readonly clock: ControllableClock;
  readonly events: EventStream;
  readonly journal: Journal;
  /** The batch's timing facts and status now, or null when it is not (or no longer) in the namespace. */
  batchState(id: bigint): { facts: Timed; current: StatusView } | null;
}

const realNow = () => performance.now();

abstract class Waiter<T> {
  readonly ended: Promise<WaitEnd<T>>;
  private resolve!: (end: WaitEnd<T>) => void;
  protected timer: NodeJS.Timeout | null = null;
  private finished = false;
  readonly startedAt = realNow();
  readonly deadline: number;
  private unlisten: (() => void) | null = null;

  constructor(
    timeoutMs: number,
    private readonly onEnd: (w: Waiter<T>) => void,
    signal: AbortSignal | undefined,
  ) {
    this.deadline = this.startedAt + timeoutMs;
    this.ended = new Promise((resolve) => (this.resolve = resolve));
    if (signal) {
      const abort = () => this.end({ kind: 'cancelled' });
      signal.addEventListener('abort', abort, { once: true });
      this.unlisten = () => signal.removeEventListener('abort', abort);
    }
  }

  get done(): boolean {
    return this.finished;
  }

  end(end: WaitEnd<T>): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unlisten?.();
    this.onEnd(this);
    this.resolve(end);
  }

  /** Sets the one timer: in `delayMs`, or at the deadline if that comes first (then: time out). */
  protected arm(delayMs: number | null): void {
    if (this.timer) clearTimeout(this.timer);
    const left = this.deadline - realNow();
    const delay = delayMs === null ? left : Math.min(left, delayMs);
    this.timer = setTimeout(this.wake, Math.max(0, Math.ceil(delay)));
    this.timer.unref();
  }

  private readonly wake = (): void => {
    this.timer = null;
    this.check();
  };

  protected timedOut(): boolean {
    return realNow() >= this.deadline;
  }

  protected waited(): number {
    return Math.round(realNow() - this.startedAt);
  }

  /** Looks again: ends the wait, or re-arms its timer. */
  abstract check(): void;
}

class BatchWaiter<T> extends Waiter<T> {
  constructor(
    readonly id: bigint,
    private readonly statuses: ReadonlySet<Status>,
    timeoutMs: number,
    onEnd: (w: Waiter<T>) => void,
    signal: AbortSignal | undefined,
    private readonly host: WaitHost,
    private readonly view: (id: bigint) => T,
  ) {
    super(timeoutMs, onEnd, signal);
  }

  check(): void {
    if (this.done) return;
    const state = this.host.batchState(this.id);
    if (!state) return this.end({ kind: 'gone', reason: `batch ${this.id} was deleted while waiting` });
    if (this.statuses.has(state.current.status)) return this.end({ kind: 'done', value: this.view(this.id) });
    if (this.timedOut()) return this.end({ kind: 'timeout', value: this.view(this.id), waitedMs: this.waited() });
    const clock = this.host.clock;
    let delay: number | null = null;
    if (!clock.frozen) {
      // The clock runs at real speed: the next transition is that many real milliseconds away.
      const now = clock.now();
      const next = nextTransitionAt(state.facts, now);
      if (next !== null) delay = next - now;
    }
    this.arm(delay);
  }
}

class RequestWaiter<T> extends Waiter<T> {
  private seen = 0;

  constructor(
    readonly query: JournalQuery,
    readonly count: number,
    timeoutMs: number,
    onEnd: (w: Waiter<T>) => void,
    signal: AbortSignal | undefined,
    private readonly host: WaitHost,
    private readonly view: () => T,
  ) {
    super(timeoutMs, onEnd, signal);
    this.recount();
  }

  /** Counts the journal's matching entries afresh (at the start, and after a clear). */
  recount(): void {
    this.seen = this.host.journal.countMatching(this.query);
  }

  /** A request was journaled: count it if it matches. */
  journaled(): void {
    if (this.host.journal.newestMatches(this.query)) {
      this.seen++;
      if (this.seen >= this.count) this.end({ kind: 'done', value: this.view() });
    }
  }

  get satisfied(): boolean {
    return this.seen >= this.count;
  }

  check(): void {
    if (this.done) return;
    if (this.satisfied) return this.end({ kind: 'done', value: this.view() });
    if (this.timedOut()) return this.end({ kind: 'timeout', value: this.view(), waitedMs: this.waited() });
    this.arm(null);
  }
}

/**
 * The open waits of one namespace. It listens to the namespace's events only while it holds
 * waits, and to journaled requests only while a request wait is open: with no waits, nothing on
 * the service's hot path changes.
 */
export class Waiters {
  private readonly byBatch = new Map<bigint, Set<BatchWaiter<unknown>>>();
  private readonly requestWaiters = new Set<RequestWaiter<unknown>>();
  private stopBatchEvents: (() => void) | null = null;
  private stopRequestEvents: (() => void) | null = null;

  constructor(
    private readonly host: WaitHost,
    private readonly budget: WaiterBudget,
  ) {}

  /** Open waits in this namespace. */
  get size(): number {
    let n = this.requestWaiters.size;
    for (const set of this.byBatch.values()) n += set.size;
    return n;
  }

  sizes(): { batch: number; requests: number } {
    return { batch: this.size - this.requestWaiters.size, requests: this.requestWaiters.size };
  }

  /**
   * Resolves when the batch's status is one of `statuses` (at once if it is), when `timeoutMs` of
   * real time have passed, or when the wait cannot succeed any more. The caller checks that the
   * batch exists first (an unknown id is a 404, not a wait).
   */
  forStatus<T>(id: bigint, statuses: Status[], timeoutMs: number, view: (id: bigint) => T, signal?: AbortSignal): Promise<WaitEnd<T>> {
    this.budget.checkTimeout(timeoutMs);
    const wanted = new Set(statuses);
    const state = this.host.batchState(id);
    if (state && wanted.has(state.current.status)) return Promise.resolve({ kind: 'done', value: view(id) });
    if (signal?.aborted) return Promise.resolve({ kind: 'cancelled' });
    this.budget.acquire();
    const w = new BatchWaiter<T>(id, wanted, timeoutMs, (x) => this.release(x as BatchWaiter<unknown>), signal, this.host, view);
    let set = this.byBatch.get(id);
    if (!set) this.byBatch.set(id, (set = new Set()));
    set.add(w as BatchWaiter<unknown>);
    this.listenToBatches();
    w.check();
    return w.ended;
  }

  /** Resolves when at least `count` journal entries match `query` (at once if they do), or on timeout. */
  forRequests<T>(query: JournalQuery, count: number, timeoutMs: number, view: () => T, signal?: AbortSignal): Promise<WaitEnd<T>> {
    this.budget.checkTimeout(timeoutMs);
    if (this.host.journal.countMatching(query) >= count) return Promise.resolve({ kind: 'done', value: view() });
    if (signal?.aborted) return Promise.resolve({ kind: 'cancelled' });
    this.budget.acquire();
    const w = new RequestWaiter<T>(query, count, timeoutMs, (x) => this.release(x as RequestWaiter<unknown>), signal, this.host, view);
    this.requestWaiters.add(w as RequestWaiter<unknown>);
    this.listenToRequests();
    w.check();
    return w.ended;
  }

  /** Ends every wait: the mock is closing, or the namespace is gone. */
  endAll(end: WaitEnd<never>): void {
    for (const set of [...this.byBatch.values()]) for (const w of [...set]) w.end(end);
    for (const w of [...this.requestWaiters]) w.end(end);
  }

  private release(w: Waiter<unknown>): void {
    this.budget.release();
    if (w instanceof BatchWaiter) {
      const set = this.byBatch.get(w.id);
      set?.delete(w);
      if (set?.size === 0) this.byBatch.delete(w.id);
      if (this.byBatch.size === 0) {
        this.stopBatchEvents?.();
        this.stopBatchEvents = null;
      }
    } else if (w instanceof RequestWaiter) {
      this.requestWaiters.delete(w);
      if (this.requestWaiters.size === 0) {
        this.stopRequestEvents?.();
        this.stopRequestEvents = null;
      }
    }
  }

  private checkBatch(id: bigint): void {
    const set = this.byBatch.get(id);
    if (set) for (const w of [...set]) w.check();
  }

  private checkAllBatches(): void {
    for (const set of [...this.byBatch.values()]) for (const w of [...set]) w.check();
  }

  private listenToBatches(): void {
    if (this.stopBatchEvents) return;
    const ev = this.host.events;
    const stops = [
      ev.on('clockMoved', () => this.checkAllBatches()),
      ev.on('batchForced', (e) => this.checkBatch(BigInt(e.batchId))),
      ev.on('batchDeleted', (e) => this.checkBatch(BigInt(e.batchId))),
      ev.on('batchesCleared', () => this.checkAllBatches()),
      ev.on('reset', () => this.checkAllBatches()),
      ev.on('namespaceDropped', () => this.endBatches({ kind: 'gone', reason: `namespace ${this.host.name} was dropped while waiting` })),
    ];
    this.stopBatchEvents = () => stops.forEach((stop) => stop());
  }

  private endBatches(end: WaitEnd<never>): void {
    for (const set of [...this.byBatch.values()]) for (const w of [...set]) w.end(end);
  }

  private listenToRequests(): void {
    if (this.stopRequestEvents) return;
    const ev = this.host.events;
    const recount = () => {
      for (const w of [...this.requestWaiters]) {
        w.recount();
        w.check();
      }
    };
    const stops = [
      ev.on('requestJournaled', () => {
        for (const w of [...this.requestWaiters]) w.journaled();
      }),
      ev.on('journalCleared', recount),
      ev.on('reset', recount),
      ev.on('namespaceDropped', () => {
        for (const w of [...this.requestWaiters]) w.end({ kind: 'gone', reason: `namespace ${this.host.name} was dropped while waiting` });
      }),
    ];
    this.stopRequestEvents = () => stops.forEach((stop) => stop());
  }
}
