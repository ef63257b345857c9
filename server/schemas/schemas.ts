// JSON Schemas (2020-12) of the admin API and fixture files: one source for request validation,
// fixture validation and the OpenAPI 3.1 document, so the three cannot drift apart.
import { ERROR_CODES, OUTCOME_POINTS, STAGES, STATUSES } from '../batches/model';

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const nonNegInt = { type: 'integer', minimum: 0 };
const ms = { type: 'integer', minimum: 0, maximum: 315_360_000_000 };
/** What node accepts in a header value: tab, visible ASCII, space, Latin-1 (no CR, LF or other controls). */
export const HEADER_VALUE_PATTERN = '^[\\t\\x20-\\x7e\\x80-\\xff]*$';
/** A 64-bit id: a decimal string (exact), or a JSON integer when it is small enough to be exact. */
const batchId = {
  oneOf: [
    { type: 'string', pattern: '^[0-9]{1,19}$' },
    { type: 'integer', minimum: 1, maximum: 9007199254740991 },
  ],
  description: 'MasterWorkflowInstanceId; send ids above 2^53 as strings',
};

export const schemas: Record<string, Schema> = {
  Status: { type: 'string', enum: [...STATUSES] },
  ErrorCode: { type: 'string', enum: [...ERROR_CODES] },
  Stage: { type: 'string', enum: [...STAGES] },
  BatchId: batchId,
  FileReference: {
    type: 'object',
    additionalProperties: false,
    properties: {
      connection: { type: ['string', 'null'] },
      relativeLocation: { type: ['string', 'null'] },
      fileName: { type: ['string', 'null'] },
    },
  },
  ActivityMetadata: {
    type: 'object',
    additionalProperties: false,
    properties: {
      workflowSpaceId: { type: 'string' },
      workflowSpaceName: { type: 'string' },
      workflowId: { type: 'string' },
      workflowName: { type: 'string' },
      workflowInstanceId: { type: 'string', pattern: '^-?[0-9]{1,19}$' },
      activityId: { type: 'string' },
      activityName: { type: 'string' },
      activityInstanceId: { type: 'string', pattern: '^-?[0-9]{1,19}$' },
      callerId: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
      masterWorkflowInstanceId: { type: 'string', pattern: '^-?[0-9]{1,19}$' },
    },
  },
  Timings: {
    type: 'object',
    additionalProperties: false,
    properties: { queuedMs: ms, processingInputMs: ms, waitingForOutputMs: ms },
  },
  Outcome: {
    type: 'object',
    additionalProperties: false,
    required: ['status', 'errorCode', 'at'],
    properties: {
      status: { type: 'string', enum: ['Failed', 'Aborted'] },
      errorCode: ref('ErrorCode'),
      at: { type: 'string', enum: [...OUTCOME_POINTS] },
    },
  },
  TransportFault: {
    type: 'object',
    required: ['type'],
    discriminator: { propertyName: 'type' },
    oneOf: [
      {
        additionalProperties: false,
        required: ['type'],
        properties: { type: { const: 'delay' }, ms: ms, minMs: ms, maxMs: ms },
        description: 'Answer after a real-time delay (fixed ms, or seeded between minMs and maxMs)',
      },
      {
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
        additionalProperties: false,
        required: ['type', 'message'],
        properties: {
          type: { const: 'soapFault' },
          code: { type: 'string', enum: ['Client', 'Server'] },
          message: { type: 'string' },
        },
        description: 'Answer an ASMX SOAP fault (of the request\'s SOAP version) instead of running the operation',
      },
      { additionalProperties: false, required: ['type'], properties: { type: { const: 'reset' } }, description: 'Reset the TCP connection (RST)' },
      { additionalProperties: false, required: ['type'], properties: { type: { const: 'empty' } }, description: 'Close the connection with no response' },
      {
        additionalProperties: false,
        required: ['type'],
        properties: { type: { const: 'truncated' }, bytes: nonNegInt },
        description: 'Send the headers and part of the body, then close',
      },
      { additionalProperties: false, required: ['type'], properties: { type: { const: 'malformed' } }, description: 'Answer 200 with XML that does not parse' },
      { additionalProperties: false, required: ['type'], properties: { type: { const: 'noResponse' } }, description: 'Never answer' },
      {
        additionalProperties: false,
        required: ['type'],
        properties: { type: { const: 'dribble' }, chunkBytes: { type: 'integer', minimum: 1 }, intervalMs: ms },
        description: 'Send the body a few bytes at a time',
      },
    ],
  },
  RuleMatch: {
    type: 'object',
    additionalProperties: false,
    properties: {
      operation: { type: 'string', enum: ['FileBatch', 'GetStatus'] },
      protocol: { type: 'string', enum: ['soap11', 'soap12', 'httpget', 'httppost'] },
      batchId: { type: 'string', pattern: '^-?[0-9]{1,19}$' },
      externalContext: { type: 'string', description: 'regular expression' },
      fileName: { type: 'string', description: 'glob on InputFile/FileName (* and ?)' },
      ocrProfile: { type: 'string' },
      putModel: { type: 'string' },
      soapAction: { type: 'string' },
      metadata: { type: 'object', additionalProperties: { type: ['string', 'integer'] } },
    },
  },
  RuleInput: {
    type: 'object',
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
      description: { type: 'string' },
      match: ref('RuleMatch'),
      after: { ...nonNegInt, description: 'skip the first K matching requests' },
      times: { ...nonNegInt, description: 'act on the next N matching requests only' },
      probability: { type: 'number', minimum: 0, maximum: 1 },
      seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
      outcome: ref('Outcome'),
      timings: ref('Timings'),
      hold: ref('Stage'),
      fault: ref('TransportFault'),
    },
  },
  Rule: {
    allOf: [ref('RuleInput')],
    type: 'object',
    properties: {
      id: { type: 'string' },
      createdAt: { type: 'string' },
      matched: { type: 'integer' },
      fired: { type: 'integer' },
      source: { type: 'string' },
    },
  },
  BatchSeed: {
    type: 'object',
    additionalProperties: false,
    properties: {
      id: ref('BatchId'),
      timeOut: { type: 'integer', minimum: 0, maximum: 2147483647 },
      externalContext: { type: ['string', 'null'] },
      inputFile: ref('FileReference'),
      ocrProfile: { type: 'string' },
      outputFile: ref('FileReference'),
      putModel: { type: 'string' },
      metadata: ref('ActivityMetadata'),
      timings: ref('Timings'),
      outcome: ref('Outcome'),
      hold: ref('Stage'),
      createdAgoMs: { ...ms, description: 'created this long before now (virtual time)' },
      status: { type: 'string', enum: [...STAGES, 'Completed', 'Failed', 'Aborted'], description: 'force this status at creation' },
      errorCode: ref('ErrorCode'),
    },
  },
  BatchPatch: {
    type: 'object',
    additionalProperties: false,
    required: ['status'],
    properties: {
      status: { type: 'string', enum: [...STAGES, 'Completed', 'Failed', 'Aborted'] },
      errorCode: ref('ErrorCode'),
    },
  },
  ClockCommand: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      freeze: { type: 'boolean' },
      advanceMs: { type: 'integer', minimum: 0, maximum: 315_360_000_000 },
      set: { type: 'string', description: 'ISO 8601 date-time' },
      resume: { type: 'boolean' },
    },
  },
  ResetCommand: {
    type: 'object',
    additionalProperties: false,
    properties: { keepBatches: { type: 'boolean' } },
  },
  Fixture: {
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      description: { type: 'string' },
      profiles: { type: 'array', items: { type: 'string' } },
      timings: ref('Timings'),
      batches: {
        type: 'array',
        items: { allOf: [ref('BatchSeed')], required: ['id'], description: 'fixture batches need an explicit id' },
      },
      rules: { type: 'array', items: ref('RuleInput') },
    },
  },
  Problem: {
    type: 'object',
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      pointer: { type: 'string', description: 'JSON pointer to the offending value, when there is one' },
    },
  },
};
