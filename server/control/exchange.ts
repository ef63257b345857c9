// What passes between an adapter and the control core for one request to the service, in
// protocol-neutral terms: the request as understood, what the scripted rules decided, and how the
// exchange ended. The ASMX adapter fills these in; the journal, the log and delivery read them.
import type { ActivityMetadata, BatchEffects, FileBatchRequest, Operation, Protocol } from '../batches/model';
import type { RuleCheck, RuleFacts } from '../rules/engine';
import type { TransportFault } from '../rules/model';

/** What one request to the service was, for rules, the journal and the log. */
export interface ServiceRequest {
  /** The namespace the request named (path prefix or header) until resolved, then the one it ran in. */
  namespace: string | null;
  protocol: Protocol | null;
  operation: Operation | null;
  soapAction: string | null;
  metadata: ActivityMetadata | null;
  batchId: bigint | null;
  fileBatch: FileBatchRequest | null;
}

/** An answer given instead of running the operation (nothing stored changes). */
export type Refusal =
  | { kind: 'soapFault'; code: 'Client' | 'Server'; message: string }
  | { kind: 'httpStatus'; status: number; body: string; contentType: string | null };

/** The transport faults that spoil delivery of an answer (the operation itself has run). */
export type DeliveryFault = Exclude<TransportFault, { type: 'soapFault' } | { type: 'httpStatus' }>;

/** A delivery fault and the rule that scripted it. */
export interface ScriptedDelivery {
  fault: DeliveryFault;
  ruleId: string | null;
  /** For a delay: how long, drawn at decision time (a range from the rule's seeded stream). */
  delayMs: number | null;
}

/** What scripted rules decide for a request that reached an operation. */
export interface Decision {
  effects?: BatchEffects;
  refuse?: Refusal;
  delivery?: ScriptedDelivery;
  ruleIds: string[];
  /** When rules were tried: how each fared and the facts they saw, to explain near misses on request. */
  explain?: { checks: RuleCheck[]; facts: RuleFacts };
}

/** A request and how it ended: recorded in the journal and the log, then delivered. */
export interface Exchange extends ServiceRequest {
  /** The HTTP status of the answer (before any delivery fault spoils it). */
  httpStatus: number;
  decision: Decision | null;
  /** The batch status reported (GetStatus) or created with (FileBatch). */
  resultStatus: string | null;
  /** With a status GetStatus reported: its ErrorCode (null otherwise). */
  resultErrorCode: string | null;
  /** Why a request was refused, when it was. */
  error: string | null;
  /** How long the mock took to decide the answer, in ms. */
  durationMs: number;
}
