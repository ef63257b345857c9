// The request journal: every request to the service, kept in memory in a bounded ring (oldest
// dropped), so QA can verify what the system under test sent without the disk ever filling up.
import { ActivityMetadata } from './batches/model';

export interface JournalEntry {
  seq: number;
  /** Virtual time of arrival (the mock's clock), ISO. */
  time: string;
  timeMs: number;
  method: string;
  path: string;
  protocol: string | null;
  operation: string | null;
  soapAction: string | null;
  metadata: ActivityMetadata | null;
  batchId: string | null;
  httpStatus: number;
  /** A short summary of the answer: the batch status, "created", a fault text, or why it was refused. */
  summary: string;
  ruleIds: string[];
  transportFault: string | null;
  durationMs: number;
}

export interface JournalQuery {
  operation?: string;
  batchId?: string;
  /** Entries at or after this virtual time (ms). */
  sinceMs?: number;
  rule?: string;
  protocol?: string;
  limit?: number;
}

export class Journal {
  private ring: (JournalEntry | undefined)[];
  private head = 0;
  private count = 0;
  private seq = 0;
  private dropped = 0;

  constructor(private capacity: number) {
    this.ring = new Array(capacity);
  }

  /** `time` is derived from timeMs when read, so recording stays cheap on the hot path. */
  add(entry: Omit<JournalEntry, 'seq' | 'time'>): void {
    if (this.capacity === 0) return;
    const e = entry as JournalEntry;
    e.seq = ++this.seq;
    this.ring[(this.head + this.count) % this.capacity] = e;
    if (this.count < this.capacity) this.count++;
    else {
      this.head = (this.head + 1) % this.capacity;
      this.dropped++;
    }
  }

  private *entries(): Generator<JournalEntry> {
    for (let i = 0; i < this.count; i++) yield this.ring[(this.head + i) % this.capacity]!;
  }

  private static matches(e: JournalEntry, q: JournalQuery): boolean {
    if (q.operation !== undefined && e.operation !== q.operation) return false;
    if (q.batchId !== undefined && e.batchId !== q.batchId) return false;
    if (q.protocol !== undefined && e.protocol !== q.protocol) return false;
    if (q.sinceMs !== undefined && e.timeMs < q.sinceMs) return false;
    if (q.rule !== undefined && !e.ruleIds.includes(q.rule)) return false;
    return true;
  }

  /** Oldest first; `limit` keeps the newest N of the matches. */
  query(q: JournalQuery = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (const e of this.entries()) if (Journal.matches(e, q)) out.push({ ...e, time: new Date(e.timeMs).toISOString() });
    return q.limit !== undefined && out.length > q.limit ? out.slice(out.length - q.limit) : out;
  }

  countMatching(q: JournalQuery = {}): number {
    let n = 0;
    for (const e of this.entries()) if (Journal.matches(e, q)) n++;
    return n;
  }

  stats() {
    return { size: this.count, capacity: this.capacity, dropped: this.dropped };
  }

  clear(): void {
    this.ring = new Array(this.capacity);
    this.head = 0;
    this.count = 0;
    this.dropped = 0;
  }
}
