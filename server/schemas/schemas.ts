// JSON Schemas (2020-12) of everything the QA side exchanges as JSON: admin request and response
// bodies and fixture files. The one source for request validation (precompiled by ajv, see
// build-validators.ts), fixture validation, the OpenAPI document and, through json-schema-to-ts,
// the TypeScript types (types.ts), so none of them can drift from the others.
//
// Each schema is a plain `as const` object; a schema used inside another is embedded as the same
// object (not a $ref), which is what lets the types be derived. The OpenAPI document turns those
// shared objects back into $refs.
import { ERROR_CODES, OPERATIONS, OUTCOME_POINTS, PROTOCOLS, STAGES, STATUSES } from '../batches/model';

/** What node accepts in a header value: tab, visible ASCII, space, Latin-1 (no CR, LF or other controls). */
export const HEADER_VALUE_PATTERN = '^[\\t\\x20-\\x7e\\x80-\\xff]*$';

const nonNegInt = { type: 'integer', minimum: 0 } as const;
const ms = { type: 'integer', minimum: 0, maximum: 315_360_000_000 } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const int64String = { type: 'string', pattern: '^-?[0-9]{1,19}$' } as const;
const idString = { type: 'string', pattern: '^[0-9]{1,19}$' } as const;
const nullable = <const S extends object>(schema: S) => ({ anyOf: [schema, { type: 'null' }] }) as const;

export const Status = { type: 'string', enum: STATUSES } as const;
export const ErrorCode = { type: 'string', enum: ERROR_CODES } as const;
export const Stage = { type: 'string', enum: STAGES } as const;
/** The statuses an admin may force (NotFound is no state a batch can be in). */
export const ForcedStatus = { type: 'string', enum: [...STAGES, 'Completed', 'Failed', 'Aborted'] } as const;
export const Operation = { type: 'string', enum: OPERATIONS } as const;
export const Protocol = { type: 'string', enum: PROTOCOLS } as const;

/** A 64-bit id: a decimal string (exact), or a JSON integer when it is small enough to be exact. */
export const BatchId = {
  oneOf: [idString, { type: 'integer', minimum: 1, maximum: 9007199254740991 }],
  description: 'MasterWorkflowInstanceId; send ids above 2^53 as strings',
} as const;

export const FileReference = {
  type: 'object',
  additionalProperties: false,
  properties: {
    connection: { type: ['string', 'null'] },
    relativeLocation: { type: ['string', 'null'] },
    fileName: { type: ['string', 'null'] },
  },
} as const;

/** ActivityMetadata as the admin API and fixtures write it: camelCase field names. */
export const ActivityMetadata = {
  type: 'object',
  additionalProperties: false,
  properties: {
    workflowSpaceId: { type: 'string' },
    workflowSpaceName: { type: 'string' },
    workflowId: { type: 'string' },
    workflowName: { type: 'string' },
    workflowInstanceId: int64String,
    activityId: { type: 'string' },
    activityName: { type: 'string' },
    activityInstanceId: int64String,
    callerId: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
    masterWorkflowInstanceId: int64String,
  },
} as const;

/** The ActivityMetadata SOAP header as a request carried it (the journal): the wire's field names. */
export const WireActivityMetadata = {
  type: 'object',
  additionalProperties: false,
  properties: {
    WorkflowSpaceId: { type: 'string' },
    WorkflowSpaceName: { type: 'string' },
    WorkflowId: { type: 'string' },
    WorkflowName: { type: 'string' },
    WorkflowInstanceId: { type: 'string' },
    ActivityId: { type: 'string' },
    ActivityName: { type: 'string' },
    ActivityInstanceId: { type: 'string' },
    CallerId: { type: 'integer' },
    MasterWorkflowInstanceId: { type: 'string' },
  },
} as const;

export const Timings = {
  type: 'object',
  additionalProperties: false,
  properties: { queuedMs: ms, processingInputMs: ms, waitingForOutputMs: ms },
} as const;

export const Outcome = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'errorCode', 'at'],
  properties: {
    status: { type: 'string', enum: ['Failed', 'Aborted'] },
    errorCode: ErrorCode,
    at: { type: 'string', enum: OUTCOME_POINTS },
  },
} as const;

/** An outcome as scripted (rules, seeds, fixtures): `at` or `during`, exactly one (checked by code, as a delay's fields are). */
export const OutcomeInput = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'errorCode'],
  description:
    'Fail the batch: `at` a stage (on reaching it, so that stage is never seen; Completed: instead of completing), or `during` a stage (seen in it, failing when it ends: the same moment as `at` the next one). Exactly one of the two',
  properties: {
    status: { type: 'string', enum: ['Failed', 'Aborted'] },
    errorCode: ErrorCode,
    at: { type: 'string', enum: OUTCOME_POINTS, description: 'fail on reaching this stage' },
    during: { type: 'string', enum: STAGES, description: 'fail when this stage ends, after it was seen' },
  },
} as const;

/** Each branch repeats type: 'object' so json-schema-to-ts can derive the union when nested. */
export const TransportFault = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { const: 'delay' }, ms: ms, minMs: ms, maxMs: ms },
      description: 'Answer after a real-time delay (fixed ms, or seeded between minMs and maxMs)',
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'status'],
      properties: {
        type: { const: 'httpStatus' },
        status: { type: 'integer', minimum: 200, maximum: 599 },
        body: { type: 'string' },
        contentType: { type: 'string', pattern: HEADER_VALUE_PATTERN, description: 'Content-Type of the answer (an HTTP header value)' },
      },
      description: 'Answer this HTTP status and body instead of running the operation',
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'message'],
      properties: {
        type: { const: 'soapFault' },
        code: { type: 'string', enum: ['Client', 'Server'] },
        message: { type: 'string' },
      },
      description: "Answer an ASMX SOAP fault (of the request's SOAP version) instead of running the operation",
    },
    { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'reset' } }, description: 'Reset the TCP connection (RST)' },
    { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'empty' } }, description: 'Close the connection with no response' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { const: 'truncated' }, bytes: nonNegInt },
      description: 'Send the headers and part of the body, then close',
    },
    { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'malformed' } }, description: 'Answer 200 with XML that does not parse' },
    { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'noResponse' } }, description: 'Never answer' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { const: 'dribble' }, chunkBytes: { type: 'integer', minimum: 1 }, intervalMs: ms },
      description: 'Send the body a few bytes at a time',
    },
  ],
} as const;

export const RuleMatch = {
  type: 'object',
  additionalProperties: false,
  properties: {
    operation: Operation,
    protocol: Protocol,
    batchId: { ...int64String, description: 'GetStatus only: the MasterWorkflowInstanceId asked about' },
    externalContext: { type: 'string', description: "regular expression on FileBatch's ExternalContext (GetStatus: the stored one)" },
    fileName: { type: 'string', description: 'glob on InputFile/FileName (* and ?)' },
    ocrProfile: { type: 'string' },
    putModel: { type: 'string' },
    soapAction: { type: 'string' },
    metadata: { type: 'object', additionalProperties: { type: ['string', 'integer'] }, description: 'exact values of ActivityMetadata fields, by camelCase name' },
  },
} as const;

const ruleInputProperties = {
  id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
  description: { type: 'string' },
  match: RuleMatch,
  after: { ...nonNegInt, description: 'skip the first K matching requests' },
  times: { ...nonNegInt, description: 'act on the next N matching requests only' },
  probability: { type: 'number', minimum: 0, maximum: 1 },
  seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
  outcome: OutcomeInput,
  timings: Timings,
  hold: Stage,
  fault: TransportFault,
} as const;

/** What a client sends to create a rule: a match and exactly one effect. */
export const RuleInput = { type: 'object', additionalProperties: false, properties: ruleInputProperties } as const;

/** How one rule fared against one request, in words (a journal entry's rules; a rule's near misses). */
export const RuleExplanation = {
  type: 'object',
  additionalProperties: false,
  required: ['rule', 'matched', 'fired', 'condition', 'expected', 'actual', 'text'],
  properties: {
    rule: { type: 'string', description: 'the rule id' },
    matched: { type: 'boolean' },
    fired: { type: 'boolean' },
    condition: {
      type: ['string', 'null'],
      description: 'the first match condition that failed (operation, protocol, batchId, soapAction, ocrProfile, putModel, externalContext, fileName, metadata.<field>), or why a match did not act (after, times, probability, order)',
    },
    expected: { type: ['string', 'null'], description: "what the rule wanted (e.g. 'glob *.missing.pdf')" },
    actual: { type: ['string', 'null'], description: 'what the request had (null: nothing)' },
    text: { type: 'string', description: "e.g. 'fileName: glob *.missing.pdf did not match invoice.pdf'" },
  },
} as const;

/** A request a rule did not act on, newest first on GET /rules/{id}. */
export const NearMiss = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'time', 'operation', 'batchId', 'condition', 'expected', 'actual', 'text'],
  properties: {
    seq: { type: 'integer', description: 'the journal entry (GET /requests/{seq})' },
    time: isoTime,
    operation: nullable(Operation),
    batchId: { type: ['string', 'null'] },
    condition: RuleExplanation.properties.condition,
    expected: RuleExplanation.properties.expected,
    actual: RuleExplanation.properties.actual,
    text: RuleExplanation.properties.text,
  },
} as const;

/** A rule as the mock holds it: defaults filled in, with its counters. */
export const Rule = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'match', 'after', 'probability', 'seed', 'createdAt', 'matched', 'fired', 'source'],
  properties: {
    ...ruleInputProperties,
    id: { type: 'string' },
    createdAt: isoTime,
    matched: { type: 'integer', description: 'requests that matched so far' },
    fired: { type: 'integer', description: 'matching requests the rule acted on' },
    source: { type: 'string', description: 'api, or the fixture file it came from' },
    nearMisses: {
      type: 'array',
      items: NearMiss,
      description: 'single-rule reads only: the latest journaled requests the rule did not act on (at most 10, newest first), and why',
    },
  },
} as const;

export const BatchSeed = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: BatchId,
    timeOut: { type: 'integer', minimum: 0, maximum: 2147483647 },
    externalContext: { type: ['string', 'null'] },
    inputFile: FileReference,
    ocrProfile: { type: 'string' },
    outputFile: FileReference,
    putModel: { type: 'string' },
    metadata: ActivityMetadata,
    timings: Timings,
    outcome: OutcomeInput,
    hold: Stage,
    createdAgoMs: { ...ms, description: 'created this long before now (virtual time)' },
    status: { ...ForcedStatus, description: 'force this status at creation' },
    errorCode: ErrorCode,
  },
} as const;

export const BatchPatch = {
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: { status: ForcedStatus, errorCode: ErrorCode },
} as const;

/** A FileReference as stored: every field present (null when the request left it out). */
const StoredFileReference = { ...FileReference, required: ['connection', 'relativeLocation', 'fileName'] } as const;

export const TimingPlan = {
  type: 'object',
  additionalProperties: false,
  required: ['queuedMs', 'processingInputMs', 'waitingForOutputMs', 'timeoutMs', 'outcome', 'hold'],
  properties: {
    queuedMs: { type: 'number' },
    processingInputMs: { type: 'number' },
    waitingForOutputMs: { type: 'number' },
    timeoutMs: { type: 'number', description: "the batch's TimeOut in ms" },
    outcome: nullable(Outcome),
    hold: nullable(Stage),
  },
} as const;

export const HistoryEntry = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'errorCode', 'at', 'recordedAt', 'source'],
  properties: {
    status: Status,
    errorCode: ErrorCode,
    at: { ...isoTime, description: 'when the status began (virtual time)' },
    recordedAt: { ...isoTime, description: 'when the mock recorded it' },
    source: { type: 'string', description: 'FileBatch, clock, admin, api or a fixture file' },
  },
} as const;

/** A namespace name: a short slug. */
export const NamespaceName = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } as const;

/** A batch as the admin API shows it: what was submitted, its plan, and its derived status. */
export const Batch = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id', 'namespace', 'status', 'errorCode', 'since', 'nextChangeAt', 'createdAt', 'timeOut', 'externalContext', 'inputFile',
    'ocrProfile', 'outputFile', 'putModel', 'metadata', 'plan', 'forced',
  ],
  properties: {
    id: idString,
    namespace: NamespaceName,
    status: Status,
    errorCode: ErrorCode,
    since: { ...isoTime, description: 'when the current status began (virtual time)' },
    nextChangeAt: {
      anyOf: [isoTime, { type: 'null' }],
      description: 'when the status next changes with time alone (virtual time), as things stand; null: never (terminal, held, or waiting for an admin)',
    },
    createdAt: isoTime,
    timeOut: { type: 'integer' },
    externalContext: { type: ['string', 'null'] },
    inputFile: nullable(StoredFileReference),
    ocrProfile: { type: 'string' },
    outputFile: nullable(StoredFileReference),
    putModel: { type: 'string' },
    metadata: nullable(ActivityMetadata),
    plan: TimingPlan,
    forced: nullable({
      type: 'object',
      additionalProperties: false,
      required: ['status', 'errorCode', 'at'],
      properties: { status: Status, errorCode: ErrorCode, at: isoTime },
    }),
    history: { type: 'array', items: HistoryEntry, description: 'single-batch reads only' },
  },
} as const;

export const BatchPage = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'next', 'stored'],
  properties: {
    items: { type: 'array', items: Batch },
    next: { type: ['string', 'null'], description: 'pass as ?after= for the next page' },
    stored: { type: 'integer', description: "batches stored in the namespace, whatever the filter (a status filter's matches are counted only by paging)" },
  },
} as const;

export const RuleList = {
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: { items: { type: 'array', items: Rule } },
} as const;

export const ClockCommand = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    freeze: { type: 'boolean' },
    advanceMs: { type: 'integer', minimum: 0, maximum: 315_360_000_000 },
    set: { type: 'string', description: 'ISO 8601 date-time' },
    resume: { type: 'boolean' },
  },
} as const;

export const ClockState = {
  type: 'object',
  additionalProperties: false,
  required: ['now', 'nowMs', 'frozen', 'offsetMs'],
  properties: {
    now: isoTime,
    nowMs: { type: 'number' },
    frozen: { type: 'boolean' },
    offsetMs: { type: 'number', description: 'virtual minus real time' },
  },
} as const;

export const JournalEntry = {
  type: 'object',
  additionalProperties: false,
  required: [
    'seq', 'time', 'timeMs', 'method', 'path', 'protocol', 'operation', 'soapAction', 'metadata',
    'batchId', 'httpStatus', 'summary', 'ruleIds', 'transportFault', 'durationMs',
  ],
  properties: {
    seq: { type: 'integer' },
    time: { ...isoTime, description: 'arrival, on the virtual clock' },
    timeMs: { type: 'number' },
    method: { type: 'string' },
    path: { type: 'string' },
    protocol: nullable(Protocol),
    operation: nullable(Operation),
    soapAction: { type: ['string', 'null'] },
    metadata: nullable(WireActivityMetadata),
    batchId: { type: ['string', 'null'] },
    httpStatus: { type: 'integer' },
    summary: { type: 'string', description: 'the batch status, "created", a fault text, or why it was refused' },
    ruleIds: { type: 'array', items: { type: 'string' } },
    transportFault: { type: ['string', 'null'] },
    durationMs: { type: 'number' },
  },
} as const;

/** A journal entry with how every rule fared against it (GET /requests/{seq}). */
export const JournalEntryDetail = {
  ...JournalEntry,
  required: [...JournalEntry.required, 'rules'],
  properties: {
    ...JournalEntry.properties,
    rules: { type: 'array', items: RuleExplanation, description: 'every rule of the book when the request came, in order (empty: there were none, or the request never reached them)' },
  },
} as const;

export const JournalPage = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'size', 'capacity', 'dropped'],
  properties: {
    items: { type: 'array', items: JournalEntry },
    size: { type: 'integer' },
    capacity: { type: 'integer' },
    dropped: { type: 'integer', description: 'entries dropped since the last clear (oldest first)' },
  },
} as const;

/** The journal's filters as a JSON object (GET /requests takes the same as query parameters). */
export const RequestMatch = {
  type: 'object',
  additionalProperties: false,
  properties: {
    operation: Operation,
    batchId: { ...idString, description: 'MasterWorkflowInstanceId' },
    protocol: Protocol,
    rule: { type: 'string', description: 'id of a rule that fired' },
    since: { type: ['string', 'integer'], description: 'ISO time or epoch ms (virtual clock): entries at or after it' },
  },
} as const;

export const VerifyRequest = {
  type: 'object',
  additionalProperties: false,
  description: 'At most one of count, never and sequence; with none, the check is count atLeast 1',
  properties: {
    match: RequestMatch,
    count: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      description: 'how many entries must match: exactly one of exactly, atLeast, atMost',
      properties: { exactly: nonNegInt, atLeast: nonNegInt, atMost: nonNegInt },
    },
    never: { const: true, description: 'no entry may match' },
    sequence: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', enum: [...OPERATIONS, ...STATUSES] },
      description:
        'operations (FileBatch, GetStatus), or the statuses GetStatus answered (Queued, ...), that must occur in this order among the matching entries (other entries may come between)',
    },
  },
} as const;

/** A journal entry in brief, as a verification lists what it saw. */
export const SeenRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'time', 'protocol', 'operation', 'batchId', 'httpStatus', 'summary'],
  properties: {
    seq: { type: 'integer' },
    time: isoTime,
    protocol: nullable(Protocol),
    operation: nullable(Operation),
    batchId: { type: ['string', 'null'] },
    httpStatus: { type: 'integer' },
    summary: { type: 'string' },
  },
} as const;

export const VerifyResult = {
  type: 'object',
  additionalProperties: false,
  required: ['pass', 'message', 'matched', 'seen'],
  properties: {
    pass: { type: 'boolean' },
    message: { type: 'string', description: 'what was expected and what was seen, in order: a test failure message as it stands' },
    matched: { type: 'integer', description: 'how many entries matched' },
    seen: { type: 'array', items: SeenRequest, description: 'the matching entries, oldest first' },
  },
} as const;

export const ResetCommand = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keepBatches: { type: 'boolean' },
    allNamespaces: { type: 'boolean', description: 'drop every namespace but the default one (their batches too), then reset the default one' },
  },
} as const;

export const ResetResult = {
  type: 'object',
  additionalProperties: false,
  required: ['reset', 'namespace', 'keepBatches', 'fixtures', 'clock'],
  properties: {
    reset: { const: true },
    namespace: { ...NamespaceName, description: 'the namespace reset' },
    droppedNamespaces: { type: 'integer', description: 'with allNamespaces: how many were dropped' },
    keepBatches: { type: 'boolean' },
    fixtures: { type: 'array', items: { type: 'string' } },
    clock: ClockState,
  },
} as const;

export const RulesCleared = {
  type: 'object',
  additionalProperties: false,
  required: ['deleted', 'kept'],
  properties: {
    deleted: { type: 'array', items: { type: 'string' }, description: 'ids of the rules deleted' },
    kept: { type: 'array', items: { type: 'string' }, description: 'ids of the rules left: the fixtures\' (unless ?includeFixtures=true)' },
  },
} as const;

export const FixtureProblem = {
  type: 'object',
  additionalProperties: false,
  required: ['file', 'pointer', 'message'],
  properties: {
    file: { type: 'string', description: 'the fixture file (FIXTURES_DIR joined with its name)' },
    pointer: { type: ['string', 'null'], description: 'JSON pointer into the file; null when the file as a whole is at fault (unreadable, not JSON)' },
    message: { type: 'string' },
  },
} as const;

export const FixturesReloaded = {
  type: 'object',
  additionalProperties: false,
  required: ['reloaded', 'fixtures', 'rules', 'namespaces'],
  properties: {
    reloaded: { const: true },
    fixtures: { type: 'array', items: { type: 'string' }, description: 'the files now loaded, in order' },
    rules: { type: 'integer', description: 'rules the files define (each namespace has them, ahead of its API rules)' },
    namespaces: { type: 'integer', description: 'namespaces the fixtures were applied to' },
  },
} as const;

export const AdminIndex = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'version', 'openapi', 'dashboard', 'namespaces', 'routes'],
  properties: {
    name: { const: 'cora-ocr-mock' },
    version: { type: 'string', description: "the mock's package version" },
    openapi: { type: 'string', description: 'where the OpenAPI 3.1 description is' },
    dashboard: { type: 'string', description: 'the live dashboard (a browser asking for /__admin is sent there)' },
    namespaces: { type: 'string', description: 'how a call names its namespace' },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['method', 'path', 'summary'],
        properties: { method: { type: 'string' }, path: { type: 'string' }, summary: { type: 'string' } },
      },
    },
  },
} as const;

export const Health = {
  type: 'object',
  required: ['status', 'store', 'wsdl', 'batches', 'namespaces', 'uptimeMs', 'clock', 'journal', 'waiters', 'fixtures'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    store: {
      type: 'string',
      enum: ['open', 'degraded', 'closed'],
      description: 'degraded: the last write was refused because the volume is full (reads are served; writes succeed again once there is space)',
    },
    wsdl: { type: 'string', description: 'loaded, pending, or invalid: reason' },
    batches: { type: ['integer', 'null'], description: 'in every namespace' },
    namespaces: { type: 'integer', description: 'namespaces held, the default one included' },
    uptimeMs: { type: 'integer' },
    clock: ClockState,
    journal: {
      type: 'object',
      additionalProperties: false,
      required: ['size', 'capacity', 'dropped'],
      properties: { size: { type: 'integer' }, capacity: { type: 'integer' }, dropped: { type: 'integer' } },
    },
    waiters: {
      type: 'object',
      additionalProperties: false,
      required: ['open', 'limit'],
      description: 'long-poll waits, all namespaces together',
      properties: { open: { type: 'integer' }, limit: { type: 'integer', description: 'MAX_WAITERS' } },
    },
    fixtures: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const Fixture = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    description: { type: 'string' },
    profiles: { type: 'array', items: { type: 'string' } },
    timings: Timings,
    batches: {
      type: 'array',
      items: { allOf: [BatchSeed], required: ['id'], description: 'fixture batches need an explicit id' },
    },
    rules: { type: 'array', items: RuleInput },
  },
} as const;

/** How a request that names no namespace (no path prefix, no header) may still select this one. */
export const NamespaceMatch = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    metadata: {
      type: 'object',
      minProperties: 1,
      additionalProperties: { type: ['string', 'integer'] },
      description: 'ActivityMetadata fields by camelCase name (e.g. workflowSpaceName, callerId); every one given must be equal',
    },
    externalContextPrefix: {
      type: 'string',
      pattern: '^[\\s\\S]', // not empty (minLength would need ajv's ucs2length at run time)
      description: "FileBatch's ExternalContext starts with this (GetStatus: the ExternalContext stored with the batch asked about)",
    },
  },
} as const;

export const NamespaceInput = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: NamespaceName,
    match: NamespaceMatch,
    fixture: { ...Fixture, description: "applied on creation and on every reset of the namespace, after FIXTURES_DIR's profiles, timings and rules" },
  },
} as const;

export const Namespace = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'match', 'createdAt', 'lastUsedAt', 'batches', 'rules', 'journal', 'clock', 'waiters'],
  properties: {
    name: NamespaceName,
    match: nullable(NamespaceMatch),
    createdAt: isoTime,
    lastUsedAt: { ...isoTime, description: 'last request or admin call (real time)' },
    batches: { type: 'integer' },
    rules: { type: 'integer' },
    journal: Health.properties.journal,
    clock: ClockState,
    waiters: { type: 'integer', description: 'open long-poll waits in this namespace' },
  },
} as const;

export const NamespaceList = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'limit'],
  properties: {
    items: { type: 'array', items: Namespace },
    limit: { type: 'integer', description: 'MAX_NAMESPACES (the default namespace not counted)' },
  },
} as const;

export const Problem = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    pointer: { type: 'string', description: 'JSON pointer to the offending value, when there is one' },
    batch: { ...Batch, description: 'a batch wait that timed out: the batch as it was then' },
    count: { type: 'integer', description: 'a request wait that timed out: how many entries matched' },
    items: { type: 'array', items: JournalEntry, description: 'a request wait that timed out: the entries that matched' },
    waitedMs: { type: 'integer', description: 'a wait that timed out: how long it waited (real time)' },
    errors: { type: 'array', items: FixtureProblem, description: 'fixtures refused (reset, reload): every problem found' },
  },
} as const;

/** Every named schema, as the OpenAPI document lists them. */
export const schemas = {
  Status,
  ErrorCode,
  Stage,
  ForcedStatus,
  Operation,
  Protocol,
  BatchId,
  FileReference,
  ActivityMetadata,
  WireActivityMetadata,
  Timings,
  Outcome,
  OutcomeInput,
  TransportFault,
  RuleMatch,
  RuleInput,
  RuleExplanation,
  NearMiss,
  Rule,
  RuleList,
  BatchSeed,
  BatchPatch,
  TimingPlan,
  HistoryEntry,
  Batch,
  BatchPage,
  ClockCommand,
  ClockState,
  JournalEntry,
  JournalEntryDetail,
  JournalPage,
  RequestMatch,
  VerifyRequest,
  SeenRequest,
  VerifyResult,
  ResetCommand,
  ResetResult,
  RulesCleared,
  FixtureProblem,
  FixturesReloaded,
  AdminIndex,
  Health,
  Fixture,
  NamespaceName,
  NamespaceMatch,
  NamespaceInput,
  Namespace,
  NamespaceList,
  Problem,
} as const;
