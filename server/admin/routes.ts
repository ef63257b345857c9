// The QA control plane under /__admin, as express routes only: parse and validate the request,
// call the control facade, answer its JSON (or a problem, mapped in problem.ts).
import crypto from 'node:crypto';
import express, { NextFunction, Request, Response, Router } from 'express';
import { isStatus } from '../batches/model';
import { MockControl, World } from '../control/facade';
import { NAMESPACE_HEADER } from '../http/namespaces';
import { validate } from '../schemas/validate';
import { openApiDocument } from './openapi';
import { Problem, badRequest, notFound, problemHandler, sendProblem } from './problem';

export interface AdminOptions {
  control: MockControl;
  adminToken: string | null;
  corsOrigin: string | null;
  onUnexpected: (err: unknown) => void;
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
    if (opts.adminToken && req.path !== '/health') {
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

  router.get('/health', async (req, res) => {
    query(req, []);
    const h = await control.health();
    res.status(h.status === 'ok' ? 200 : 503).json(h);
  });

  router.get('/openapi.json', (req, res) => {
    query(req, []);
    res.json(openApiDocument());
  });

  // --- batches
  router.get('/batches', (req, res) => {
    const q = query(req, ['status', 'limit', 'after']);
    const status = q['status'];
    if (status !== undefined && !isStatus(status)) throw badRequest(`?status: '${status}' is not a status`, '?status');
    res.json(
      scope(req).listBatches({
        status,
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

  router.delete('/rules', (req, res) => {
    query(req, []);
    scope(req).clearRules();
    res.status(204).end();
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
  const journalQuery = (req: Request) => {
    const q = query(req, ['operation', 'batchId', 'since', 'rule', 'protocol', 'limit']);
    return {
      operation: q['operation'],
      batchId: q['batchId'] === undefined ? undefined : parseId(q['batchId'], '?batchId').toString(),
      sinceMs: timeParam(q, 'since'),
      rule: q['rule'],
      protocol: q['protocol'],
      limit: q['limit'] === undefined ? undefined : intParam(q, 'limit', 1, 1_000_000, 0),
    };
  };

  router.get('/requests', (req, res) => {
    res.json(scope(req).requests(journalQuery(req)));
  });

  router.get('/requests/count', (req, res) => {
    const { limit: _limit, ...q } = journalQuery(req);
    res.json({ count: scope(req).countRequests(q) });
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
    res.json(cmd.allNamespaces ? control.resetAll({ keepBatches }) : scope(req).reset({ keepBatches }));
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

  router.use((req, res) => sendProblem(res, notFound(`no admin route ${req.method} ${req.baseUrl}${req.path}`)));
  router.use(problemHandler(opts.onUnexpected));
  return router;
}
