// The request journal: every request to the service, kept in memory, one journal per namespace,
// so QA can verify what the system under test sent. JOURNAL_LIMIT bounds the entries of all
// journals together (memory must not grow with the number of namespaces): past it, a journal
// over its fair share drops its oldest, else the fullest one does, so a busy namespace cannot
// empty a quiet one's.
import { ActivityMetadata } from '../batches/model';
import type { RuleCheck, RuleFacts } from '../rules/engine';
import type { JournalEntry } from '../schemas/types';

export type { JournalEntry };

export interface JournalQuery {
  operation?: string;
  batchId?: string;
  /** Entries at or after this virtual time (ms). */
  sinceMs?: number;
  rule?: string;
  protocol?: string;
  limit?: number;
}

/** What the ring holds: the header as a JSON string, so an entry owns a small flat string instead
 * of parsed values that would keep the whole request body alive (V8 shares substrings). */
type Stored = Omit<JournalEntry, 'seq' | 'time' | 'metadata'> & { seq: number; metadataJson: string | null };

/** How each rule fared against an entry, and the facts they saw (flattened to JSON like the header). */
interface Checks {
  checks: RuleCheck[];
  factsJson: string;
}

/** What a journal entry keeps to explain its rules: rendered only when asked for. */
export interface Explained {
  seq: number;
  timeMs: number;
  operation: JournalEntry['operation'];
  batchId: string | null;
  checks: RuleCheck[];
  facts: () => RuleFacts;
}

/** The entries every journal may hold together, and the journals sharing them. */
export class JournalBudget {
  private total = 0;
  /** Journals holding at least one entry: a fair share is limit / nonEmpty. */
  private nonEmpty = 0;
  private readonly journals = new Set<Journal>();

  constructor(readonly limit: number) {}

  /** A new journal drawing on this budget; `close()` it when its namespace goes. */
  open(): Journal {
    const journal = new Journal(this);
    this.journals.add(journal);
    return journal;
  }

  close(journal: Journal): void {
    journal.clear();
    this.journals.delete(journal);
  }

  /** Called by a journal that has just added one entry. */
  added(by: Journal): void {
    if (by.size === 1) this.nonEmpty++;
    if (++this.total <= this.limit) return;
    // Over budget. A journal holding more than its fair share gives up its own oldest entry (the
    // steady state under load, O(1)); one within its share takes the oldest of the fullest one.
    let victim = by;
    if (by.size * this.nonEmpty <= this.limit) {
      for (const j of this.journals) if (j.size > victim.size) victim = j;
    }
    victim.dropOldest();
  }

  /** Called by a journal that gave up `n` entries and holds `left` now. */
  removed(n: number, left: number): void {
    this.total -= n;
    if (n > 0 && left === 0) this.nonEmpty--;
  }
}

export class Journal {
  /** Oldest first, from `start` on (dropped entries before it are cleared now and then). */
  private entries: (Stored | undefined)[] = [];
  private start = 0;
  private seq = 0;
  private dropped = 0;
  /** Entries dropped since the journal opened (a clear does not reset it): the metrics' counter. */
  droppedTotal = 0;
  /**
   * The rule checks of the entries that met rules, by seq: beside the entries, not in them, so an
   * entry keeps one small shape whether rules exist or not (the hot path has none).
   */
  private readonly checked = new Map<number, Checks>();

  constructor(private readonly budget: JournalBudget) {}

  get size(): number {
    return this.entries.length - this.start;
  }

  /** `time` is derived from timeMs when read, so recording stays cheap on the hot path. Returns the entry's seq (0: not kept). */
  add(entry: Omit<JournalEntry, 'seq' | 'time'>, explain?: { checks: RuleCheck[]; facts: RuleFacts }): number {
    if (this.budget.limit === 0) return 0;
    // An explicit literal (no rest/spread): every entry gets the same compact hidden class.
    const e: Stored = {
      seq: ++this.seq,
      timeMs: entry.timeMs,
      method: entry.method,
      path: entry.path,
      protocol: entry.protocol,
      operation: entry.operation,
      soapAction: entry.soapAction,
      metadataJson: entry.metadata === null ? null : JSON.stringify(entry.metadata),
      batchId: entry.batchId,
      httpStatus: entry.httpStatus,
      summary: entry.summary,
      ruleIds: entry.ruleIds,
      transportFault: entry.transportFault,
      durationMs: entry.durationMs,
    };
    this.entries.push(e);
    if (explain) this.checked.set(e.seq, { checks: explain.checks, factsJson: JSON.stringify(explain.facts) });
    this.budget.added(this);
    return e.seq;
  }

  /** Drops the oldest entry (the budget is spent). */
  dropOldest(): void {
    if (this.size === 0) return;
    if (this.checked.size > 0) this.checked.delete(this.entries[this.start]!.seq);
    this.entries[this.start++] = undefined;
    this.dropped++;
    this.droppedTotal++;
    this.budget.removed(1, this.size);
    // Compact now and then: amortised O(1), and dropped entries do not linger.
    if (this.start >= 1024 && this.start * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  private *stored(): Generator<Stored> {
    for (let i = this.start; i < this.entries.length; i++) yield this.entries[i]!;
  }

  private static matches(e: Stored, q: JournalQuery): boolean {
    if (q.operation !== undefined && e.operation !== q.operation) return false;
    if (q.batchId !== undefined && e.batchId !== q.batchId) return false;
    if (q.protocol !== undefined && e.protocol !== q.protocol) return false;
    if (q.sinceMs !== undefined && e.timeMs < q.sinceMs) return false;
    if (q.rule !== undefined && !e.ruleIds.includes(q.rule)) return false;
    return true;
  }

  private static view(e: Stored): JournalEntry {
    const { metadataJson, ...rest } = e;
    return { ...rest, time: new Date(e.timeMs).toISOString(), metadata: metadataJson === null ? null : (JSON.parse(metadataJson) as ActivityMetadata) };
  }

  private explained(e: Stored): Explained | null {
    const c = this.checked.get(e.seq);
    if (!c) return null;
    return { seq: e.seq, timeMs: e.timeMs, operation: e.operation, batchId: e.batchId, checks: c.checks, facts: () => JSON.parse(c.factsJson) as RuleFacts };
  }

  /** The rule checks kept with entry `seq` (null: no rule was tried; undefined: no such entry). */
  explanation(seq: number): Explained | null | undefined {
    const e = this.entryAt(seq);
    return e && this.explained(e);
  }

  /** Entries that tried rules, newest first (a rule's near misses are the latest of these). */
  *explainedNewestFirst(): Generator<Explained> {
    if (this.checked.size === 0) return;
    for (let i = this.entries.length - 1; i >= this.start; i--) {
      const x = this.explained(this.entries[i]!);
      if (x) yield x;
    }
  }

  /** Oldest first; `limit` keeps the newest N of the matches. */
  query(q: JournalQuery = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    if (q.limit !== undefined) {
      // The newest `limit` matches, found from the newest end: a dashboard asking for the latest
      // page of a full journal reads that page, not the whole journal.
      for (let i = this.entries.length - 1; i >= this.start && out.length < q.limit; i--) {
        const e = this.entries[i]!;
        if (Journal.matches(e, q)) out.push(Journal.view(e));
      }
      return out.reverse();
    }
    for (const e of this.stored()) if (Journal.matches(e, q)) out.push(Journal.view(e));
    return out;
  }

  /** The entry journaled under `seq`, while it is kept. */
  get(seq: number): JournalEntry | undefined {
    const e = this.entryAt(seq);
    return e && Journal.view(e);
  }

  /** Whether the newest entry matches (a waiter counts entries as they come). */
  newestMatches(q: JournalQuery): boolean {
    const e = this.size > 0 ? this.entries[this.entries.length - 1] : undefined;
    return e !== undefined && Journal.matches(e, q);
  }

  /** Entries hold consecutive seqs, oldest first: the one wanted is found by its distance from the first. */
  private entryAt(seq: number): Stored | undefined {
    if (this.size === 0 || !Number.isInteger(seq)) return undefined;
    const first = this.entries[this.start]!.seq;
    const i = this.start + (seq - first);
    return i >= this.start && i < this.entries.length ? this.entries[i] : undefined;
  }

  countMatching(q: JournalQuery = {}): number {
    let n = 0;
    for (const e of this.stored()) if (Journal.matches(e, q)) n++;
    return n;
  }

  stats() {
    return { size: this.size, capacity: this.budget.limit, dropped: this.dropped };
  }

  clear(): void {
    this.checked.clear();
    this.budget.removed(this.size, 0);
    this.entries = [];
    this.start = 0;
    this.dropped = 0;
  }
}
