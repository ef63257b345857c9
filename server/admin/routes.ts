// The QA control plane under /__admin, as express routes only: parse and validate the request,
// call the control facade, answer its JSON (or a problem, mapped in problem.ts).
import crypto from 'node:crypto';
import express, { NextFunction, Request, Response, Router } from 'express';
import { OPERATIONS, PROTOCOLS, Status, isStatus } from '../batches/model';
import { MockControl, World } from '../control/facade';
import type { WaitEnd } from '../control/waiters';
import { NAMESPACE_HEADER } from '../http/namespaces';
import { validate } from '../schemas/validate';
import { dashboardHandler, isDashboardAsset } from './dashboard';
import { adminIndex, openApiDocument } from './openapi';
import { Problem, badRequest, notFound, problemHandler, sendProblem } from './problem';

export interface AdminOptions {
  control: MockControl;
  adminToken: string | null;
  corsOrigin: string | null;
  onUnexpected: (err: unknown) => void;
  /** One line per admin call: method, route, path, namespace, status, duration. */
  log?: (fields: Record<string, unknown>) => void;
}

const ID = /^[0-9]{1,19}$/;
const INT64_MAX = 2n ** 63n - 1n;

function parseId(raw: string, where: string): bigint {
  if (!ID.test(raw) || BigInt(raw) > INT64_MAX) throw badRequest(`${where}: '${raw}' is not a MasterWorkflowInstanceId`, where);
  return BigInt(raw);
}

/** Query parameters: only the named ones are allowed, each at most once. */
function query(req: Request, allowed: string[]): Record<string, string> {
  const url = new URL(req.originalUrl, 'http://x');
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (!allowed.includes(k)) throw badRequest(`unknown query parameter "${k}"${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`, `?${k}`);
    if (k in out) throw badRequest(`query parameter "${k}" given twice`, `?${k}`);
    out[k] = v;
  }
  return out;
}

function intParam(q: Record<string, string>, name: string, min: number, max: number, dflt: number): number {
  const raw = q[name];
  if (raw === undefined) return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw badRequest(`?${name}: must be an integer from ${min} to ${max}`, `?${name}`);
  return Number(raw);
}

function boolParam(q: Record<string, string>, name: string): boolean {
  const raw = q[name];
  if (raw === undefined) return false;
  if (raw !== 'true' && raw !== 'false') throw badRequest(`?${name}: must be true or false`, `?${name}`);
  return raw === 'true';
}

function timeParam(q: Record<string, string>, name: string): number | undefined {
  const raw = q[name];
  if (raw === undefined) return undefined;
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(t)) throw badRequest(`?${name}: not an ISO time or epoch milliseconds`, `?${name}`);
  return t;
}

/** A JSON body is required (POST/PATCH): refuse other media types clearly. */
function jsonBody(req: Request, optional = false): unknown {
  const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) {
    if (optional) return {};
    throw badRequest('a JSON body is required', '');
  }
  if (!req.is('application/json')) throw new Problem(415, 'Unsupported Media Type', 'send the body as application/json');
  return req.body;
}

/** A wait's timeout when the call names none (at most WAIT_TIMEOUT_MAX_MS). */
const DEFAULT_WAIT_MS = 30_000;

function timeoutParam(q: Record<string, string>, maxMs: number): number {
  const raw = q['timeoutMs'];
  if (raw === undefined) return Math.min(DEFAULT_WAIT_MS, maxMs);
  if (!/^\d{1,15}$/.test(raw) || Number(raw) > maxMs) throw badRequest(`?timeoutMs: must be an integer from 0 to ${maxMs} (WAIT_TIMEOUT_MAX_MS)`, '?timeoutMs');
  return Number(raw);
}

/** `Completed,Failed`: statuses a batch can be in (NotFound is none). */
function statusList(raw: string | undefined): Status[] {
  if (raw === undefined || raw === '') throw badRequest('?status: name the statuses to wait for, comma-separated (e.g. status=Completed,Failed)', '?status');
  const list = raw.split(',').map((s) => s.trim());
  for (const s of list) {
    if (!isStatus(s) || s === 'NotFound') throw badRequest(`?status: '${s}' is not a status a batch can be in (Queued, ProcessingInput, WaitingForOutput, Completed, Aborted, Failed)`, '?status');
  }
  return list as Status[];
}

/**
 * Runs a long poll for an admin call: the wait is cancelled when the client goes away (its
 * waiter is freed at once), and its end becomes the answer.
 */
async function longPoll<T>(res: Response, wait: (signal: AbortSignal) => Promise<WaitEnd<T>>, onTimeout: (end: WaitEnd<T> & { kind: 'timeout' }) => Problem): Promise<void> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.on('close', onClose);
  let end: WaitEnd<T>;
  try {
    end = await wait(gone.signal);
  } finally {
    res.off('close', onClose);
  }
  switch (end.kind) {
    case 'done':
      res.json(end.value);
      return;
    case 'timeout':
      throw onTimeout(end);
    case 'gone':
      throw new Problem(404, 'Not Found', end.reason);
    case 'closed':
      // The connection would otherwise stay open (keep-alive) and hold up the shutdown.
      res.setHeader('Connection', 'close');
      throw new Problem(503, 'Service Unavailable', 'the mock is shutting down');
    case 'cancelled':
      return; // nobody to answer
  }
}

const describeQuery = (q: Record<string, unknown>) =>
  Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${k === 'sinceMs' ? new Date(v as number).toISOString() : String(v)}`)
    .join(' ') || 'any';

function tokenMatches(given: string, expected: string): boolean {
  // Hashing first makes both sides equal length, so the comparison time says nothing about the token.
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export function createAdminRouter(opts: AdminOptions): Router {
  const { control } = opts;
  const router = express.Router({ strict: true, caseSensitive: true });

  router.use((req: Request, res: Response, next: NextFunction) => {
    if (opts.corsOrigin) {
      res.setHeader('Access-Control-Allow-Origin', opts.corsOrigin);
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Cora-Mock-Namespace');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    // Health needs no token (probes), nor a browser sent from /__admin to the dashboard, nor the
    // dashboard's page and assets (no data: the page asks for the token itself); the index, like
    // every other route, does: it would map the API.
    const browserToDashboard = req.path === '/' && req.method === 'GET' && req.accepts(['json', 'html']) === 'html';
    if (opts.adminToken && req.path !== '/health' && !browserToDashboard && !isDashboardAsset(req.path)) {
      const m = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? ''); // the scheme is case-insensitive (RFC 9110)
      if (!m || !tokenMatches(m[1]!, opts.adminToken)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="cora-ocr-mock admin"');
        sendProblem(res, new Problem(401, 'Unauthorized', 'this admin API needs Authorization: Bearer <ADMIN_TOKEN>'));
        return;
      }
    }
    next();
  });
  router.use(express.json({ limit: '1mb', strict: true, type: ['application/json', 'application/*+json'] }));

  /** The namespace a call works in: /ns/{name}/__admin/... or the header (mount.ts turns the first into the second). */
  const scope = (req: Request): World => {
    const named = req.headers[NAMESPACE_HEADER];
    return control.world(typeof named === 'string' && named !== '' ? named : null);
  };

  // The index of the admin plane; a browser goes to the dashboard.
  router.get('/', (req, res) => {
    query(req, []);
    if (req.accepts(['json', 'html']) === 'html') {
      res.redirect(302, '/__admin/ui');
      return;
    }
    res.json(adminIndex());
  });

  router.get('/health', async (req, res) => {
    query(req, []);
    const h = await control.health();
    res.status(h.status === 'ok' ? 200 : 503).json(h);
  });

  // Spans every namespace (each series has a namespace label): the namespace a call names does not matter.
  router.get('/metrics', async (req, res) => {
    query(req, []);
    const { contentType, body } = await control.metrics();
    res.status(200).type(contentType).send(body);
  });

  router.get('/openapi.json', (req, res) => {
    query(req, []);
    res.json(openApiDocument());
  });

  // --- batches
  router.get('/batches', (req, res) => {
    const q = query(req, ['status', 'limit', 'after', 'order']);
    const status = q['status'];
    if (status !== undefined && !isStatus(status)) throw badRequest(`?status: '${status}' is not a status`, '?status');
    const order = q['order'] ?? 'asc';
    if (order !== 'asc' && order !== 'desc') throw badRequest(`?order: '${order}' is not asc or desc`, '?order');
    res.json(
      scope(req).listBatches({
        status,
        newestFirst: order === 'desc',
        limit: intParam(q, 'limit', 1, 1000, 100),
        after: q['after'] === undefined ? undefined : parseId(q['after'], '?after'),
      }),
    );
  });

  router.post('/batches', (req, res) => {
    query(req, []);
    const batch = scope(req).createBatch(validate('BatchSeed', jsonBody(req)), 'api');
    res.status(201).location(`/__admin/batches/${batch.id}`).json(batch);
  });

  router.get('/batches/:id', (req, res) => {
    query(req, []);
    res.json(scope(req).getBatch(parseId(req.params['id'] as string, '/id')));
  });

  router.patch('/batches/:id', (req, res) => {
    query(req, []);
    const id = parseId(req.params['id'] as string, '/id');
    const body = validate('BatchPatch', jsonBody(req));
    res.json(scope(req).forceBatch(id, body.status, body.errorCode));
  });

  router.get('/batches/:id/wait', async (req, res) => {
    const q = query(req, ['status', 'timeoutMs']);
    const id = parseId(req.params['id'] as string, '/id');
    const statuses = statusList(q['status']);
    const timeoutMs = timeoutParam(q, control.waiterBudget.maxTimeoutMs);
    await longPoll(
      res,
      (signal) => scope(req).waitForStatus(id, statuses, timeoutMs, signal),
      (end) =>
        new Problem(
          408,
          'Request Timeout',
          `batch ${id} is ${end.value.status} (${end.value.errorCode}, since ${end.value.since}), not ${statuses.join(' or ')}, after waiting ${end.waitedMs} ms`,
          undefined,
          { batch: end.value, waitedMs: end.waitedMs },
        ),
    );
  });

  router.delete('/batches/:id', (req, res) => {
    query(req, []);
    scope(req).deleteBatch(parseId(req.params['id'] as string, '/id'));
    res.status(204).end();
  });

  // --- rules
  router.get('/rules', (req, res) => {
    query(req, []);
    res.json({ items: scope(req).listRules() });
  });

  router.post('/rules', (req, res) => {
    query(req, []);
    const rule = scope(req).addRule(validate('RuleInput', jsonBody(req)), 'api');
    res.status(201).location(`/__admin/rules/${rule.id}`).json(rule);
  });

  router.get('/rules/:id', (req, res) => {
    query(req, []);
    res.json(scope(req).getRule(req.params['id'] as string));
  });

  router.delete('/rules/:id', (req, res) => {
    query(req, []);
    scope(req).deleteRule(req.params['id'] as string);
    res.status(204).end();
  });

  // The fixtures' rules stay unless asked: the magic values they give would silently stop working.
  router.delete('/rules', (req, res) => {
    const q = query(req, ['includeFixtures']);
    res.json(scope(req).clearRules({ includeFixtures: boolParam(q, 'includeFixtures') }));
  });

  // --- clock
  router.get('/clock', (req, res) => {
    query(req, []);
    res.json(scope(req).clockState());
  });

  router.post('/clock', (req, res) => {
    query(req, []);
    res.json(scope(req).clockCommand(validate('ClockCommand', jsonBody(req))));
  });

  // --- request journal
  const FILTERS = ['operation', 'batchId', 'since', 'rule', 'protocol'];
  /** A filter value that no entry can have is a mistake to report, not a wait that never ends. */
  const oneOfParam = (q: Record<string, string>, name: string, allowed: readonly string[]): string | undefined => {
    const v = q[name];
    if (v !== undefined && !allowed.includes(v)) throw badRequest(`?${name}: '${v}' is not one of ${allowed.join(', ')}`, `?${name}`);
    return v;
  };
  const filterOf = (q: Record<string, string>) => ({
    operation: oneOfParam(q, 'operation', OPERATIONS),
    batchId: q['batchId'] === undefined ? undefined : parseId(q['batchId'], '?batchId').toString(),
    sinceMs: timeParam(q, 'since'),
    rule: q['rule'],
    protocol: oneOfParam(q, 'protocol', PROTOCOLS),
  });
  const journalQuery = (req: Request) => {
    const q = query(req, [...FILTERS, 'limit']);
    return { ...filterOf(q), limit: q['limit'] === undefined ? undefined : intParam(q, 'limit', 1, 1_000_000, 0) };
  };

  router.get('/requests/wait', async (req, res) => {
    const q = query(req, [...FILTERS, 'count', 'timeoutMs']);
    const filter = filterOf(q);
    const count = intParam(q, 'count', 1, 1_000_000, 1);
    const timeoutMs = timeoutParam(q, control.waiterBudget.maxTimeoutMs);
    await longPoll(
      res,
      (signal) => scope(req).waitForRequests(filter, count, timeoutMs, signal),
      (end) =>
        new Problem(
          408,
          'Request Timeout',
          `${end.value.items.length} of ${count} requests matching ${describeQuery(filter)} after waiting ${end.waitedMs} ms`,
          undefined,
          { count: end.value.items.length, items: end.value.items, waitedMs: end.waitedMs },
        ),
    );
  });

  router.get('/requests', (req, res) => {
    res.json(scope(req).requests(journalQuery(req)));
  });

  router.post('/requests/verify', (req, res) => {
    query(req, []);
    res.json(scope(req).verify(validate('VerifyRequest', jsonBody(req))));
  });

  router.get('/requests/count', (req, res) => {
    const { limit: _limit, ...q } = journalQuery(req);
    res.json({ count: scope(req).countRequests(q) });
  });

  router.get('/requests/:seq', (req, res) => {
    query(req, []);
    const raw = req.params['seq'] as string;
    if (!/^[1-9][0-9]{0,14}$/.test(raw)) throw badRequest(`/seq: '${raw}' is not a journal entry's seq`, '/seq');
    res.json(scope(req).explain(Number(raw)));
  });

  router.delete('/requests', (req, res) => {
    query(req, []);
    scope(req).clearRequests();
    res.status(204).end();
  });

  // --- reset
  router.post('/reset', (req, res) => {
    query(req, []);
    const cmd = validate('ResetCommand', jsonBody(req, true));
    const keepBatches = cmd.keepBatches ?? false;
    res.json(cmd.allNamespaces ? control.resetAll({ keepBatches }) : control.reset(scope(req), { keepBatches }));
  });

  // --- fixtures (FIXTURES_DIR is every namespace's: the namespace a call names does not matter)
  router.post('/fixtures/reload', (req, res) => {
    query(req, []);
    res.json(control.reloadFixtures());
  });

  // --- namespaces (these span them all: the namespace a call names does not matter)
  router.get('/namespaces', (req, res) => {
    query(req, []);
    res.json(control.listNamespaces());
  });

  router.post('/namespaces', (req, res) => {
    query(req, []);
    const ns = control.createNamespace(validate('NamespaceInput', jsonBody(req)));
    res.status(201).location(`/__admin/namespaces/${ns.name}`).json(ns);
  });

  router.get('/namespaces/:name', (req, res) => {
    query(req, []);
    res.json(control.getNamespace(req.params['name'] as string));
  });

  router.delete('/namespaces/:name', (req, res) => {
    query(req, []);
    control.dropNamespace(req.params['name'] as string);
    res.status(204).end();
  });

  // --- the dashboard: the page at /ui, its live stream at /events (not JSON API routes: see dashboard.ts)
  router.use(dashboardHandler(control));

  router.use((req, res) => sendProblem(res, notFound(`no admin route ${req.method} ${req.baseUrl}${req.path}`)));
  router.use(problemHandler(opts.onUnexpected));
  return router;
}
