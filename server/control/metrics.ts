// What the metrics count, per namespace, on the hot path: plain numbers in slots found by a couple
// of comparisons, no strings built, no label hashing, no library. control/prometheus.ts reads them
// when /__admin/metrics is scraped and hands them to prom-client, which formats the exposition.
import type { Operation, Protocol } from '../batches/model';
import type { Exchange } from './exchange';

/** Request duration buckets, in ms (exposed in seconds, as Prometheus names them). */
export const DURATION_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] as const;

const OPERATION_LABELS = ['FileBatch', 'GetStatus', 'none'] as const;
const PROTOCOL_LABELS = ['soap11', 'soap12', 'httpget', 'httppost', 'none'] as const;

function operationIndex(op: Operation | null): number {
  return op === 'GetStatus' ? 1 : op === 'FileBatch' ? 0 : 2;
}

function protocolIndex(p: Protocol | null): number {
  switch (p) {
    case 'soap11':
      return 0;
    case 'soap12':
      return 1;
    case 'httpget':
      return 2;
    case 'httppost':
      return 3;
    default:
      return 4;
  }
}

/** The requests of one operation over one protocol. */
class Slot {
  /** HTTP 200 answers: nearly all of them, so no map lookup for those. */
  ok = 0;
  readonly otherStatus = new Map<number, number>();
  /** Per bucket (the last one: above every bound, i.e. +Inf only). */
  readonly buckets = new Array<number>(DURATION_BUCKETS_MS.length + 1).fill(0);
  sumMs = 0;
  count = 0;

  constructor(
    readonly operation: string,
    readonly protocol: string,
  ) {}
}

/** A counter per label value. */
export type Tally = Map<string, number>;
const bump = (t: Tally, key: string, by = 1) => t.set(key, (t.get(key) ?? 0) + by);

export class Meter {
  private readonly slots: (Slot | undefined)[] = new Array(OPERATION_LABELS.length * PROTOCOL_LABELS.length);
  /** GetStatus answers, by status then ErrorCode. */
  readonly served: Record<string, Record<string, number>> = {};
  /** Batches stored, by source: FileBatch, api or fixture. */
  readonly created: Tally = new Map();
  /** Transport faults injected (soapFault, httpStatus, delay, reset, ...). */
  readonly faults: Tally = new Map();
  readonly ruleMatches: Tally = new Map();
  readonly ruleFires: Tally = new Map();

  /** Counts one finished exchange (the hot path: a few additions). */
  observe(ex: Exchange): void {
    const i = operationIndex(ex.operation) * PROTOCOL_LABELS.length + protocolIndex(ex.protocol);
    const slot = this.slots[i] ?? (this.slots[i] = new Slot(OPERATION_LABELS[operationIndex(ex.operation)]!, PROTOCOL_LABELS[protocolIndex(ex.protocol)]!));
    if (ex.httpStatus === 200) slot.ok++;
    else slot.otherStatus.set(ex.httpStatus, (slot.otherStatus.get(ex.httpStatus) ?? 0) + 1);
    const ms = ex.durationMs;
    let b = 0;
    while (b < DURATION_BUCKETS_MS.length && ms > DURATION_BUCKETS_MS[b]!) b++;
    slot.buckets[b]!++;
    slot.sumMs += ms;
    slot.count++;
    if (ex.resultErrorCode !== null) {
      const row = this.served[ex.resultStatus!] ?? (this.served[ex.resultStatus!] = {});
      row[ex.resultErrorCode] = (row[ex.resultErrorCode] ?? 0) + 1;
    }
    const d = ex.decision;
    if (d !== null && (d.refuse !== undefined || d.delivery !== undefined)) bump(this.faults, d.refuse ? d.refuse.kind : d.delivery!.fault.type);
  }

  batchCreated(source: string): void {
    bump(this.created, source === 'FileBatch' || source === 'api' ? source : 'fixture');
  }

  rule(id: string, fired: boolean): void {
    bump(this.ruleMatches, id);
    if (fired) bump(this.ruleFires, id);
  }

  /** The slots that saw requests. */
  usedSlots(): Slot[] {
    return this.slots.filter((s): s is Slot => s !== undefined);
  }
}
