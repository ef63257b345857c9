// Scripted behaviour: a rule matches requests and has one effect, either on the batch a FileBatch
// creates or on the transport of the answer.
import { ErrorCode, OutcomePoint, Stage } from '../batches/model';
import { StageTimings } from '../batches/service';

export interface RuleMatch {
  operation?: 'FileBatch' | 'GetStatus';
  protocol?: 'soap11' | 'soap12' | 'httpget' | 'httppost';
  /** GetStatus only: the MasterWorkflowInstanceId asked about. */
  batchId?: string;
  /** A regular expression tested against FileBatch's ExternalContext (GetStatus: the stored one). */
  externalContext?: string;
  /** A glob (`*`, `?`) on InputFile/FileName. */
  fileName?: string;
  ocrProfile?: string;
  putModel?: string;
  soapAction?: string;
  /** Exact values of ActivityMetadata fields, by camelCase name. */
  metadata?: Record<string, string | number>;
}

export type TransportFault =
  | { type: 'delay'; ms?: number; minMs?: number; maxMs?: number }
  | { type: 'httpStatus'; status: number; body?: string; contentType?: string }
  | { type: 'soapFault'; code?: 'Client' | 'Server'; message: string }
  | { type: 'reset' }
  | { type: 'empty' }
  | { type: 'truncated'; bytes?: number }
  | { type: 'malformed' }
  | { type: 'noResponse' }
  | { type: 'dribble'; chunkBytes?: number; intervalMs?: number };

export type TransportFaultType = TransportFault['type'];

export interface RuleOutcome {
  status: 'Failed' | 'Aborted';
  errorCode: ErrorCode;
  at: OutcomePoint;
}

/** What a client sends to create a rule; exactly one effect is set. */
export interface RuleInput {
  id?: string;
  description?: string;
  match?: RuleMatch;
  after?: number;
  times?: number;
  probability?: number;
  seed?: number;
  outcome?: RuleOutcome;
  timings?: Partial<StageTimings>;
  hold?: Stage;
  fault?: TransportFault;
}

export interface Rule extends RuleInput {
  id: string;
  match: RuleMatch;
  after: number;
  probability: number;
  seed: number;
  createdAt: string;
  /** Requests that matched so far, and how many of them the rule acted on. */
  matched: number;
  fired: number;
  /** Where the rule came from: the admin API or a fixture file. */
  source: string;
}

export const isBatchEffect = (r: RuleInput): boolean => r.outcome !== undefined || r.timings !== undefined || r.hold !== undefined;
