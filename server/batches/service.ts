// The batch use cases, protocol-neutral: every adapter (SOAP, HTTP GET/POST, admin) calls these.
import { Clock } from './clock';
import { Timed, nextTransitionAt, statusAt, timeline } from './lifecycle';
import {
  ActivityMetadata,
  Anchor,
  BatchEffects,
  DEFAULT_NAMESPACE,
  ErrorCode,
  FileBatchRequest,
  STAGES,
  StageTimings,
  Status,
  StatusView,
  TimingPlan,
  isStage,
  isTerminal,
} from './model';
import { BatchNotFoundError, StoreFullError } from '../errors';
import { BatchStore, HistoryEntry, StoredBatch } from './store';

export interface BatchPolicy {
  timings: StageTimings;
  timeoutUnitMs: number;
}

export interface StatusResult {
  found: boolean;
  status: Status;
  errorCode: ErrorCode;
  externalContext: string | null;
  /**
   * Set when this read recorded transitions in the open group commit: settles once they are
   * committed (or could not be: the read answers all the same, the next read records them).
   */
  recorded: Promise<void> | null;
}

/** A change to a namespace's batches, as BatchService reports it (the control core makes events of it). */
export type BatchChange =
  | { kind: 'created'; id: bigint; source: string }
  | { kind: 'forced'; id: bigint; status: Status; errorCode: ErrorCode }
  | { kind: 'deleted'; id: bigint }
  | { kind: 'cleared' };

/** A batch as read now: its facts, its status, and when that status next changes on its own. */
export interface BatchReading {
  batch: StoredBatch;
  current: StatusView;
  /** The moment (virtual time) the status next changes with time alone; null: never. */
  next: number | null;
}

export interface BatchDetails extends BatchReading {
  history: HistoryEntry[];
}

const noop = (): void => undefined;

/** A status's place in the lifecycle: the stages in order, then the terminal statuses. */
const rank = (s: Status): number => (isStage(s) ? STAGES.indexOf(s) : isTerminal(s) ? STAGES.length : -1);

/**
 * The batches of one namespace, on that namespace's clock. A batch of another namespace is, from
 * here, a batch that does not exist (ids are unique across namespaces, so none is ever shadowed).
 */
export class BatchService {
  /** Told of every change made through this service (not of the clock's doing: that is derived). */
  onChange: ((change: BatchChange) => void) | null = null;

  constructor(
    private readonly store: BatchStore,
    private readonly clock: Clock,
    private policy: BatchPolicy,
    readonly namespace = DEFAULT_NAMESPACE,
  ) {}

  setPolicy(policy: BatchPolicy): void {
    this.policy = policy;
  }

  planFor(request: FileBatchRequest, effects: BatchEffects = {}): TimingPlan {
    const t = { ...this.policy.timings, ...effects.timings };
    return {
      queuedMs: t.queuedMs,
      processingInputMs: t.processingInputMs,
      waitingForOutputMs: t.waitingForOutputMs,
      timeoutMs: request.TimeOut * this.policy.timeoutUnitMs,
      outcome: effects.outcome ?? null,
      hold: effects.hold ?? null,
    };
  }

  /** Stores a new batch and returns its id. `seed` is for batches made by fixtures or the admin API. */
  submit(
    request: FileBatchRequest,
    metadata: ActivityMetadata | null,
    effects?: BatchEffects,
    seed: { id?: bigint; createdAt?: number; anchor?: Anchor; source?: string } = {},
  ): bigint {
    const write = this.creation(request, metadata, effects, seed);
    const id = this.store.transaction(write);
    this.onChange?.({ kind: 'created', id, source: seed.source ?? 'FileBatch' });
    return id;
  }

  /**
   * FileBatch: stores a new batch in this event-loop turn's group commit. The id comes once the
   * group has committed (then it survives a crash); a failed commit rejects it, as it does every
   * other write of the group. A write that fails by itself throws here, at once.
   */
  submitGrouped(request: FileBatchRequest, metadata: ActivityMetadata | null, effects?: BatchEffects): Promise<bigint> {
    return this.store.grouped(this.creation(request, metadata, effects, {})).then((id) => {
      this.onChange?.({ kind: 'created', id, source: 'FileBatch' });
      return id;
    });
  }

  /** The writes that create a batch: the row, and the history of the stages it has already passed. */
  private creation(
    request: FileBatchRequest,
    metadata: ActivityMetadata | null,
    effects: BatchEffects | undefined,
    seed: { id?: bigint; createdAt?: number; anchor?: Anchor; source?: string },
  ): () => bigint {
    const now = this.clock.now();
    const createdAt = seed.createdAt ?? now;
    const facts = { createdAt, request, metadata, plan: this.planFor(request, effects), anchor: seed.anchor ?? null };
    const past = timeline(facts, Math.max(now, createdAt));
    const current = past[past.length - 1]!;
    const source = seed.source ?? 'FileBatch';
    return () => {
      const id = this.store.insert({ ...facts, id: seed.id, namespace: this.namespace }, current);
      for (const t of past) this.store.addHistory(id, { ...t, at: t.since, recordedAt: now, source });
      return id;
    };
  }

  /** GetStatus: unknown (or absent) ids are NotFound with NoError, as the vendor documents. */
  status(id: bigint | null): StatusResult {
    const facts = id === null ? undefined : this.store.statusFacts(id);
    if (!facts || facts.namespace !== this.namespace) return { found: false, status: 'NotFound', errorCode: 'NoError', externalContext: null, recorded: null };
    this.recorded = null;
    const current = this.observe(facts);
    const recorded = this.recorded;
    this.recorded = null;
    return { found: true, status: current.status, errorCode: current.errorCode, externalContext: facts.externalContext, recorded };
  }

  /** What the last observe() left in the open group commit (status() passes it on). */
  private recorded: Promise<void> | null = null;

  /**
   * What a waiter needs: the facts that decide the batch's status and its status now (recording
   * transitions, as any read does); null when the batch is not, or no longer, in this namespace.
   */
  watch(id: bigint): { facts: Timed; current: StatusView } | null {
    const batch = this.store.get(id);
    if (!batch || batch.namespace !== this.namespace) return null;
    return { facts: batch, current: this.observe(batch) };
  }

  details(id: bigint): BatchDetails {
    const batch = this.get(id);
    return { ...this.read(batch), history: this.store.history(id) };
  }

  /** Batches in id order (`newestFirst`: from the highest id down), after `afterId` in that order. */
  list(afterId: bigint | undefined, limit: number, newestFirst = false): BatchReading[] {
    return this.store.list({ namespace: this.namespace, afterId, limit, newestFirst }).map((batch) => this.read(batch));
  }

  private read(batch: StoredBatch): BatchReading {
    const current = this.observe(batch);
    return { batch, current, next: nextTransitionAt(batch, this.clock.now()) };
  }

  /**
   * Forces a status now. A terminal status is final; a non-terminal one restarts the batch's
   * timeline from that stage with its remaining plan.
   */
  force(id: bigint, status: Status, errorCode: ErrorCode): BatchDetails {
    if (!isTerminal(status) && !isStage(status)) throw new RangeError(`status ${status} cannot be forced`);
    const batch = this.get(id);
    const now = this.clock.now();
    this.store.transaction(() => {
      this.observe(batch);
      this.store.setAnchor(id, { status, errorCode, at: now });
      this.store.addHistory(id, { status, errorCode, at: now, recordedAt: now, source: 'admin' });
    });
    this.onChange?.({ kind: 'forced', id, status, errorCode });
    return this.details(id);
  }

  delete(id: bigint): boolean {
    const deleted = this.store.delete(id, this.namespace);
    if (deleted) this.onChange?.({ kind: 'deleted', id });
    return deleted;
  }

  /** Whether the id is taken, in this or any other namespace. */
  exists(id: bigint): boolean {
    return this.store.exists(id);
  }

  /** What FileBatch was given for a batch of this namespace (rules match GetStatus on it). */
  requestOf(id: bigint): FileBatchRequest | null {
    const batch = this.store.get(id);
    return batch?.namespace === this.namespace ? batch.request : null;
  }

  /** Whether the store can serve requests (health). */
  isOpen(): boolean {
    return this.store.isOpen();
  }

  deleteAll(): void {
    this.store.deleteAll(this.namespace);
    this.onChange?.({ kind: 'cleared' });
  }

  count(): number {
    return this.store.count(this.namespace);
  }

  private get(id: bigint): StoredBatch {
    const batch = this.store.get(id);
    if (!batch || batch.namespace !== this.namespace) throw new BatchNotFoundError(id);
    return batch;
  }

  /** Derives the current status and records any transitions no reader has seen yet. */
  private observe(batch: Timed & { id: bigint; observed: StoredBatch['observed'] }): StatusView {
    const now = this.clock.now();
    const current = statusAt(batch, now);
    const seen = batch.observed;
    if (current.status === seen.status && current.errorCode === seen.errorCode) return current;
    // A clock set back does not take a batch back: what a reader has seen stays (the lifecycle
    // only moves forward; an admin's forced status is the one way back, and it resets `observed`).
    if (rank(current.status) < rank(seen.status)) {
      return timeline(batch, Number.MAX_SAFE_INTEGER).find((t) => t.status === seen.status && t.errorCode === seen.errorCode) ?? { ...seen, since: now };
    }
    const all = timeline(batch, now);
    const from = all.findIndex((t) => t.status === seen.status && t.errorCode === seen.errorCode);
    const fresh = from >= 0 ? all.slice(from + 1) : [current];
    const record = () => {
      for (const t of fresh) this.store.addHistory(batch.id, { ...t, at: t.since, recordedAt: now, source: 'clock' });
      this.store.setObserved(batch.id, current.status, current.errorCode);
    };
    // Inside a caller's transaction the caller's write fails as a whole; otherwise the rows join
    // this turn's group commit.
    const nested = this.store.inTransaction() && !this.store.grouping();
    try {
      if (nested) this.store.transaction(record);
      else {
        // A failed commit loses only bookkeeping: the status is derived all the same, and the
        // next read records the transitions again.
        this.recorded = this.store.grouped(record).then(noop, noop);
      }
    } catch (err) {
      // A read must not fail because its bookkeeping could not be written (a full volume): the
      // status is derived all the same, and the next read records the transitions. Inside a
      // caller's transaction the caller's write fails as a whole instead.
      if (nested || !(err instanceof StoreFullError)) throw err;
      return current;
    }
    batch.observed = { status: current.status, errorCode: current.errorCode };
    return current;
  }
}
