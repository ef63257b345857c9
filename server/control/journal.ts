// The request journal: every request to the service, kept in memory in a bounded ring (oldest
// dropped), so QA can verify what the system under test sent without the disk ever filling up.
import { ActivityMetadata } from '../batches/model';
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

export class Journal {
  private ring: (Stored | undefined)[];
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
    this.ring[(this.head + this.count) % this.capacity] = e;
    if (this.count < this.capacity) this.count++;
    else {
      this.head = (this.head + 1) % this.capacity;
      this.dropped++;
    }
  }

  private *entries(): Generator<Stored> {
    for (let i = 0; i < this.count; i++) yield this.ring[(this.head + i) % this.capacity]!;
  }

  private static matches(e: Stored, q: JournalQuery): boolean {
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
    for (const e of this.entries()) {
      if (!Journal.matches(e, q)) continue;
      const { metadataJson, ...rest } = e;
      out.push({ ...rest, time: new Date(e.timeMs).toISOString(), metadata: metadataJson === null ? null : (JSON.parse(metadataJson) as ActivityMetadata) });
    }
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
