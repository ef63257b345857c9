// The OCR batch domain vocabulary, as the vendor contract names it.

/** Batches live in namespaces (isolated worlds for parallel test suites); this one always exists. */
export const DEFAULT_NAMESPACE = 'default';

/** The service's operations, and the four bindings ASMX exposes them over. */
export const OPERATIONS = ['FileBatch', 'GetStatus'] as const;
export type Operation = (typeof OPERATIONS)[number];
export const PROTOCOLS = ['soap11', 'soap12', 'httpget', 'httppost'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const STATUSES = [
  'Queued',
  'ProcessingInput',
  'WaitingForOutput',
  'Completed',
  'Aborted',
  'Failed',
  'NotFound',
] as const;
export type Status = (typeof STATUSES)[number];

export const ERROR_CODES = [
  'NoError',
  'TimedOut',
  'InputFileNotFound',
  'InputFileExists',
  'FailedToPutInputFile',
  'OutputFileExists',
  'FailedToPutOutputFile',
  'RobotProfileNotFound',
  'InternalError',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The stages a batch moves through on its own, in order. */
export const STAGES = ['Queued', 'ProcessingInput', 'WaitingForOutput'] as const;
export type Stage = (typeof STAGES)[number];

/** Where a scripted outcome may strike: on reaching a stage, or instead of completing. */
export const OUTCOME_POINTS = ['Queued', 'ProcessingInput', 'WaitingForOutput', 'Completed'] as const;
export type OutcomePoint = (typeof OUTCOME_POINTS)[number];

export const TERMINAL_STATUSES = ['Completed', 'Aborted', 'Failed'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export const isStatus = (v: unknown): v is Status => typeof v === 'string' && (STATUSES as readonly string[]).includes(v);
export const isStage = (v: unknown): v is Stage => typeof v === 'string' && (STAGES as readonly string[]).includes(v);
export const isTerminal = (v: unknown): v is TerminalStatus =>
  typeof v === 'string' && (TERMINAL_STATUSES as readonly string[]).includes(v);

export interface FileReference {
  Connection: string | null;
  RelativeLocation: string | null;
  FileName: string | null;
}

/** The ActivityMetadata SOAP header; every field optional because clients may omit any of them. */
export interface ActivityMetadata {
  WorkflowSpaceId?: string;
  WorkflowSpaceName?: string;
  WorkflowId?: string;
  WorkflowName?: string;
  WorkflowInstanceId?: string; // long, kept as a decimal string: 64-bit ids exceed JS numbers
  ActivityId?: string;
  ActivityName?: string;
  ActivityInstanceId?: string;
  CallerId?: number;
  MasterWorkflowInstanceId?: string;
}

/** What FileBatch was given. */
export interface FileBatchRequest {
  TimeOut: number;
  ExternalContext: string | null;
  InputFile: FileReference | null;
  OCRProfile: string;
  OutputFile: FileReference | null;
  PutModel: string;
}

/** A scripted end: the batch turns `status` with `errorCode` on reaching `at`. */
export interface Outcome {
  status: 'Failed' | 'Aborted';
  errorCode: ErrorCode;
  at: OutcomePoint;
}

/**
 * An outcome as a rule, fixture or seed scripts it: fail on reaching `at` (that stage is never
 * seen), or `during` a stage: seen in it, failing when it ends (on reaching the next). Exactly one.
 */
export interface OutcomeSpec {
  status: 'Failed' | 'Aborted';
  errorCode: ErrorCode;
  at?: OutcomePoint;
  during?: Stage;
}

/** Why an outcome as scripted cannot be used, with a pointer into it (null: it can). */
export function outcomeSpecProblem(spec: OutcomeSpec): { pointer: '' | '/errorCode'; message: string } | null {
  if ((spec.at === undefined) === (spec.during === undefined)) {
    return { pointer: '', message: 'an outcome has either at (fail on reaching that stage) or during (fail when that stage ends), not both or neither' };
  }
  if (spec.status === 'Failed' && spec.errorCode === 'NoError') return { pointer: '/errorCode', message: 'a Failed outcome needs an errorCode other than NoError' };
  return null;
}

/** The stored outcome: failing `during` a stage is failing on reaching the one after it. */
export function outcomeOf(spec: OutcomeSpec): Outcome {
  const at = spec.at ?? OUTCOME_POINTS[STAGES.indexOf(spec.during!) + 1]!;
  return { status: spec.status, errorCode: spec.errorCode, at };
}

/** How long a batch stays in each stage. */
export interface StageTimings {
  queuedMs: number;
  processingInputMs: number;
  waitingForOutputMs: number;
}

/** What a rule, a fixture or an admin call may decide about a batch when it is created. */
export interface BatchEffects {
  timings?: Partial<StageTimings>;
  outcome?: Outcome;
  hold?: Stage;
}

/** Everything that decides how a batch's status unfolds over time, fixed when it is created. */
export interface TimingPlan {
  queuedMs: number;
  processingInputMs: number;
  waitingForOutputMs: number;
  /** The batch's TimeOut converted to milliseconds. */
  timeoutMs: number;
  outcome: Outcome | null;
  /** Stay in this stage forever (until an admin moves the batch). */
  hold: Stage | null;
}

/** A state forced by an admin: final when terminal, otherwise the timeline restarts from it. */
export interface Anchor {
  status: Status;
  errorCode: ErrorCode;
  at: number;
}

/** The stored facts of a batch; its status is derived from these and the clock. */
export interface Batch {
  id: bigint;
  createdAt: number;
  request: FileBatchRequest;
  metadata: ActivityMetadata | null;
  plan: TimingPlan;
  anchor: Anchor | null;
}

export interface StatusView {
  status: Status;
  errorCode: ErrorCode;
  /** When the current status began (virtual ms). */
  since: number;
}
