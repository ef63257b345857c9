// The OpenAPI 3.1 description of /__admin. A test compares its paths with the router's routes.
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../paths';
import { schemas } from '../schemas/schemas';
import type { AdminIndex } from '../schemas/types';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const body = (name: string, required = true) => ({ required, content: { 'application/json': { schema: ref(name) } } });
const q = (name: string, description: string, schema: unknown = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]{1,19}$' } };
const ruleIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const common = { '400': problem('Invalid request'), '401': problem('Missing or wrong bearer token (when ADMIN_TOKEN is set)') };
const noContent = { description: 'Done' };
const obj = { type: 'object' };

const journalFilters = [
  q('operation', 'FileBatch or GetStatus', ref('Operation')),
  q('batchId', 'MasterWorkflowInstanceId'),
  q('since', 'ISO time or epoch ms (virtual clock)'),
  q('rule', 'id of a rule that fired'),
  q('protocol', 'soap11, soap12, httpget or httppost', ref('Protocol')),
];

const timeoutParam = q('timeoutMs', 'how long to wait, real milliseconds (default 30000, at most WAIT_TIMEOUT_MAX_MS)', { type: 'integer', minimum: 0 });
const waitProblems = {
  '408': problem('Timed out: the problem says what was found (a batch wait adds `batch`, a request wait `count` and `items`; both add `waitedMs`)'),
  '503': problem('MAX_WAITERS waits are open already (retry later; Retry-After is set), or the mock is shutting down'),
};

const nameParam = { name: 'name', in: 'path', required: true, schema: ref('NamespaceName') };

const paths: Record<string, Record<string, unknown>> = {
  '/__admin': {
    get: {
      operationId: 'adminIndex',
      summary: 'An index of the admin plane: its routes, the OpenAPI description, the dashboard. A browser (Accept: text/html) is redirected to the dashboard, without the token',
      responses: { '200': json(ref('AdminIndex')), '302': { description: 'To /__admin/ui, for a browser' }, ...common },
    },
  },
  '/__admin/health': {
    get: { operationId: 'health', summary: 'Readiness: store open and WSDL loaded (never needs the token)', security: [], responses: { '200': json(ref('Health')), '503': json(ref('Health'), 'Not ready') } },
  },
  '/__admin/metrics': {
    get: {
      operationId: 'metrics',
      summary:
        'Prometheus metrics (text exposition format 0.0.4): requests by operation, protocol and HTTP status, a request duration histogram, batches created, statuses served, rule matches and fires, transport faults, journal drops, open waits, process metrics; every mock series has a namespace label. Needs the bearer token like every admin route',
      responses: {
        '200': { description: 'OK', content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } },
        '404': problem('Metrics are off (METRICS=false)'),
        ...common,
      },
    },
  },
  '/__admin/openapi.json': {
    get: { operationId: 'openapi', summary: 'This document', responses: { '200': json(obj), ...common } },
  },
  '/__admin/batches': {
    get: {
      operationId: 'listBatches',
      summary: 'List batches in id order, optionally by current status',
      parameters: [q('status', 'current status', ref('Status')), q('limit', '1-1000, default 100', { type: 'integer' }), q('after', 'id to continue after (the previous page\'s next)'), q('order', 'asc (lowest id first, the default) or desc (newest first)', { type: 'string', enum: ['asc', 'desc'] })],
      responses: { '200': json(ref('BatchPage')), ...common },
    },
    post: {
      operationId: 'createBatch',
      summary: 'Seed a batch (explicit or new id), with an optional timing plan, outcome or forced status',
      requestBody: body('BatchSeed'),
      responses: { '201': json(ref('Batch'), 'Created'), '409': problem('Id already exists'), ...common },
    },
  },
  '/__admin/batches/{id}': {
    get: { operationId: 'getBatch', summary: 'Everything stored, the derived status and the transition history', parameters: [idParam], responses: { '200': json(ref('Batch')), '404': problem('No such batch'), ...common } },
    patch: {
      operationId: 'forceBatch',
      summary: 'Force a status now: terminal is final, a stage restarts the timeline there',
      parameters: [idParam],
      requestBody: body('BatchPatch'),
      responses: { '200': json(ref('Batch')), '404': problem('No such batch'), ...common },
    },
    delete: { operationId: 'deleteBatch', summary: 'Delete a batch (its id is never reused)', parameters: [idParam], responses: { '204': noContent, '404': problem('No such batch'), ...common } },
  },
  '/__admin/batches/{id}/wait': {
    get: {
      operationId: 'waitForStatus',
      summary:
        "Long poll: answers with the batch as soon as its status is one of ?status (at once if it is). The server wakes at the exact moment of the batch's next transition on a running clock, and on clock commands, PATCH, delete or reset; a client that disconnects frees its waiter",
      parameters: [
        idParam,
        { name: 'status', in: 'query', required: true, description: 'statuses to wait for, comma-separated (e.g. Completed,Failed)', schema: { type: 'string' } },
        timeoutParam,
      ],
      responses: { '200': json(ref('Batch')), '404': problem('No such batch, or it was deleted (or its namespace dropped) while waiting'), ...waitProblems, ...common },
    },
  },
  '/__admin/rules': {
    get: { operationId: 'listRules', summary: 'Rules in evaluation order, with their match/fire counters', responses: { '200': json(ref('RuleList')), ...common } },
    post: { operationId: 'createRule', summary: 'Add a rule (match + one effect)', requestBody: body('RuleInput'), responses: { '201': json(ref('Rule'), 'Created'), '409': problem('Id already exists'), ...common } },
    delete: {
      operationId: 'deleteAllRules',
      summary: "Delete the rules added over the API; the fixtures' rules stay (their magic values keep working) unless ?includeFixtures=true",
      parameters: [q('includeFixtures', 'true: delete the fixtures\' rules too (until the next reset or reload)', { type: 'boolean' })],
      responses: { '200': json(ref('RulesCleared')), ...common },
    },
  },
  '/__admin/rules/{id}': {
    get: { operationId: 'getRule', summary: 'One rule, with its latest near misses (journaled requests it did not act on, and why)', parameters: [ruleIdParam], responses: { '200': json(ref('Rule')), '404': problem('No such rule'), ...common } },
    delete: { operationId: 'deleteRule', summary: 'Delete a rule', parameters: [ruleIdParam], responses: { '204': noContent, '404': problem('No such rule'), ...common } },
  },
  '/__admin/clock': {
    get: { operationId: 'getClock', summary: 'Virtual time and whether it is frozen', responses: { '200': json(ref('ClockState')), ...common } },
    post: { operationId: 'setClock', summary: 'Freeze, set, advance or resume virtual time', requestBody: body('ClockCommand'), responses: { '200': json(ref('ClockState')), ...common } },
  },
  '/__admin/requests': {
    get: { operationId: 'listRequests', summary: 'The request journal, oldest first', parameters: [...journalFilters, q('limit', 'newest N', { type: 'integer' })], responses: { '200': json(ref('JournalPage')), ...common } },
    delete: { operationId: 'clearRequests', summary: 'Clear the journal', responses: { '204': noContent, ...common } },
  },
  '/__admin/requests/wait': {
    get: {
      operationId: 'waitForRequests',
      summary: 'Long poll: answers when at least ?count journal entries match the filters (at once if they do), with every matching entry',
      parameters: [...journalFilters, q('count', 'how many matching entries to wait for (default 1)', { type: 'integer', minimum: 1 }), timeoutParam],
      responses: { '200': json(ref('JournalPage')), ...waitProblems, ...common },
    },
  },
  '/__admin/requests/verify': {
    post: {
      operationId: 'verifyRequests',
      summary:
        'Verify the journal: how many entries match (count exactly/atLeast/atMost, or never), or that operations or GetStatus answers came in an order (sequence). Always 200: pass says whether it held, message says what was expected and what was seen, in order',
      requestBody: body('VerifyRequest'),
      responses: { '200': json(ref('VerifyResult')), ...common },
    },
  },
  '/__admin/requests/count': {
    get: { operationId: 'countRequests', summary: 'How many journal entries match', parameters: journalFilters, responses: { '200': json({ type: 'object', required: ['count'], properties: { count: { type: 'integer' } } }), ...common } },
  },
  '/__admin/requests/{seq}': {
    get: {
      operationId: 'explainRequest',
      summary: 'One journal entry, with how every rule fared against it: fired, matched but did not act (and why), or the first condition that failed with the expected and the actual value',
      parameters: [{ name: 'seq', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      responses: { '200': json(ref('JournalEntryDetail')), '404': problem('No such entry (never journaled, or dropped)'), ...common },
    },
  },
  '/__admin/reset': {
    post: {
      operationId: 'reset',
      summary:
        "Back to the start state (fixtures reloaded, clock resumed, journal cleared) in the call's namespace; keepBatches clears only rules and journal; allNamespaces drops every other namespace first",
      requestBody: body('ResetCommand', false),
      responses: { '200': json(ref('ResetResult')), '400': problem('Invalid request, or FIXTURES_DIR has a bad file (`errors` lists every problem; nothing was reset)'), '401': common['401'] },
    },
  },
  '/__admin/fixtures/reload': {
    post: {
      operationId: 'reloadFixtures',
      summary:
        "Read FIXTURES_DIR anew and apply it to every namespace without a reset: profiles and timings replaced, the fixtures' rules replaced (counters start again) ahead of the API's rules, new fixture batches seeded. All or nothing: a bad file is refused with every problem listed and the loaded fixtures stay (FIXTURES_WATCH=true does this on every change)",
      responses: {
        '200': json(ref('FixturesReloaded')),
        '400': problem('A fixture file is bad: `errors` lists every problem (file, JSON pointer, reason); nothing changed'),
        '409': problem("A fixture rule would take the id of a rule added over the API; nothing changed"),
        '401': common['401'],
      },
    },
  },
  '/__admin/namespaces': {
    get: { operationId: 'listNamespaces', summary: 'Every namespace, with its counts, clock and match', responses: { '200': json(ref('NamespaceList')), ...common } },
    post: {
      operationId: 'createNamespace',
      summary: 'Create a namespace, optionally with a content match and a fixture of its own (namespaces are also created on first use)',
      requestBody: body('NamespaceInput'),
      responses: { '201': json(ref('Namespace'), 'Created'), '409': problem('Exists already, or MAX_NAMESPACES reached'), ...common },
    },
  },
  '/__admin/namespaces/{name}': {
    get: { operationId: 'getNamespace', summary: 'One namespace', parameters: [nameParam], responses: { '200': json(ref('Namespace')), '404': problem('No such namespace'), ...common } },
    delete: {
      operationId: 'dropNamespace',
      summary: 'Drop a namespace: its batches are deleted (ids are never reused), its rules, clock and journal forgotten',
      parameters: [nameParam],
      responses: { '204': noContent, '404': problem('No such namespace'), ...common },
    },
  },
};

/**
 * The named schemas as components, each shared sub-schema (embedded as the same object in
 * schemas.ts) written as a $ref to its component, so the document reads as it was designed.
 */
/** Every route but health, openapi.json and /namespaces works in one namespace, named by this header. */
const SCOPED = /^\/__admin\/(batches|rules|clock|requests|reset)/;
for (const [path, item] of Object.entries(paths)) {
  if (!SCOPED.test(path)) continue;
  for (const op of Object.values(item) as { parameters?: unknown[] }[]) op.parameters = [...(op.parameters ?? []), { $ref: '#/components/parameters/Namespace' }];
}

function components(): Record<string, unknown> {
  const names = new Map<object, string>(Object.entries(schemas).map(([name, schema]) => [schema as object, name]));
  const walk = (value: unknown, self: string | null): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, null));
    if (value === null || typeof value !== 'object') return value;
    const name = names.get(value);
    if (name !== undefined && name !== self) return ref(name);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, null)]));
  };
  return Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, walk(schema, name)]));
}

let document: ReturnType<typeof buildDocument> | null = null;
let index: AdminIndex | null = null;

/** GET /__admin: every route with its summary, read from this document. */
export function adminIndex(): AdminIndex {
  return (index ??= {
    name: 'cora-ocr-mock',
    version: (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    openapi: '/__admin/openapi.json',
    dashboard: '/__admin/ui',
    namespaces: 'every call but health, metrics, openapi.json, fixtures and /namespaces works in one namespace: name it with the /ns/{name} path prefix (/ns/{name}/__admin/...) or the X-Cora-Mock-Namespace header; none: the default namespace',
    routes: Object.entries(openApiDocument().paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, summary: (op as { summary: string }).summary })),
    ),
  });
}

export function openApiDocument() {
  return (document ??= buildDocument());
}

function buildDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'cora-ocr-mock admin API',
      version: '1.0.0',
      description:
        'QA control plane of cora-ocr-mock: batches, rules (scripted outcomes and transport faults), clock, request journal, reset, namespaces; long-poll waits for a batch status or for requests, verification of the journal, near-miss explanations, Prometheus metrics.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components(),
      parameters: {
        Namespace: {
          name: 'X-Cora-Mock-Namespace',
          in: 'header',
          required: false,
          description:
            'The namespace (isolated batches, rules, clock and journal) the call works in; created on first use; absent: the default namespace. The path form /ns/{name}/__admin/... is the same.',
          schema: ref('NamespaceName'),
        },
      },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Required on every route but health when ADMIN_TOKEN is set' } },
    },
  };
}
