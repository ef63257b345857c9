// Issue 6.6: the admin plane. With ADMIN_TOKEN, every admin route the OpenAPI document lists (and
// any unlisted admin path) refuses a request without the right bearer token, except health, and
// changes nothing; invalid JSON and unknown fields are a 400 problem on every body-taking route;
// no CORS headers unless ADMIN_CORS_ORIGIN is set; the default bind is loopback, as the README says.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Answer, send } from './support/abuse';
import { SERVICE_PATH } from './support/constants';
import { startMock } from './support/mock';
import { ServerProcess, spawnServer } from './support/process';

const TOKEN = 's3cret-token-for-abuse-tests';
const AUTH = { Authorization: `Bearer ${TOKEN}` };

let server: ServerProcess;
before(async () => {
  server = await spawnServer({ DB_PATH: ':memory:', ADMIN_TOKEN: TOKEN });
});
after(() => server?.stop('SIGKILL'));

const call = (p: string, method = 'GET', headers: Record<string, string> = {}, body?: string) =>
  send(server.origin + p, { method, headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers }, body });
const json = (a: Answer) => JSON.parse(a.body.toString('utf8'));

interface Route {
  method: string;
  template: string;
  bodySchema: string | null;
  bodyRequired: boolean;
}

async function routes(): Promise<Route[]> {
  const doc = json(await call('/__admin/openapi.json', 'GET', AUTH));
  const out: Route[] = [];
  for (const [template, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const ref: string | undefined = op.requestBody?.content?.['application/json']?.schema?.$ref;
      out.push({ method: method.toUpperCase(), template, bodySchema: ref ? ref.split('/').pop()! : null, bodyRequired: !!op.requestBody?.required });
    }
  }
  return out;
}

/** A valid body per request schema; an unknown field is added to it. */
const VALID: Record<string, object> = {
  BatchSeed: { externalContext: 'x' },
  BatchPatch: { status: 'Completed' },
  RuleInput: { fault: { type: 'reset' }, match: { batchId: '1', operation: 'GetStatus' } },
  ClockCommand: { freeze: false },
  ResetCommand: { keepBatches: true },
  NamespaceInput: { name: 'abuse-ns' },
  VerifyRequest: { match: { operation: 'GetStatus' }, count: { atLeast: 1 } },
};

async function fixtures() {
  // Held, so that its status cannot move while a slow run goes through every route.
  const b = json(await call('/__admin/batches', 'POST', AUTH, JSON.stringify({ externalContext: 'guarded', hold: 'Queued' })));
  const r = json(await call('/__admin/rules', 'POST', AUTH, JSON.stringify({ id: 'guarded-rule', ...VALID['RuleInput'] })));
  return { batchId: b.id as string, ruleId: r.id as string };
}

const fill = (template: string, ids: { batchId: string; ruleId: string }) =>
  template.replace(/\/batches\/\{id\}/, `/batches/${ids.batchId}`).replace(/\/rules\/\{id\}/, `/rules/${ids.ruleId}`);

function assertProblem(a: Answer, status: number, what: string) {
  assert.equal(a.status, status, `${what}: ${a.status} ${a.body.toString().slice(0, 200)}`);
  assert.match(String(a.headers['content-type']), /^application\/problem\+json/, `${what}: content type ${a.headers['content-type']}`);
  const p = json(a);
  assert.equal(p.status, status, `${what}: problem.status`);
  assert.equal(typeof p.title, 'string');
}

describe('admin plane', () => {
  it('with ADMIN_TOKEN, no admin route but health answers without the right token, and nothing changes', async (t) => {
    const list = await routes();
    const ids = await fixtures();
    const before = { batch: json(await call(`/__admin/batches/${ids.batchId}`, 'GET', AUTH)), clock: json(await call('/__admin/clock', 'GET', AUTH)) };
    const bad: [string, Record<string, string>][] = [
      ['no Authorization', {}],
      ['a wrong token', { Authorization: 'Bearer wrong' }],
      ['the token as Basic', { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
      ['the bare token', { Authorization: TOKEN }],
      ['a token prefix', { Authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
      ['the token with junk after', { Authorization: `Bearer ${TOKEN}x` }],
    ];
    let tried = 0;
    for (const r of list) {
      const p = fill(r.template, ids);
      for (const [label, headers] of bad) {
        const body = r.bodySchema ? JSON.stringify(VALID[r.bodySchema] ?? {}) : undefined;
        const a = await call(p, r.method, headers, body);
        tried++;
        if (r.template === '/__admin/health') {
          assert.equal(a.status, 200, `health answers without a token (${label})`);
          continue;
        }
        assertProblem(a, 401, `${r.method} ${p} with ${label}`);
        assert.match(String(a.headers['www-authenticate']), /^Bearer/, `${r.method} ${p}: WWW-Authenticate`);
      }
      // ... and in the token's query string, which must not count.
      const q = await call(`${p}?token=${TOKEN}&access_token=${TOKEN}`, r.method);
      if (r.template !== '/__admin/health') assertProblem(q, 401, `${r.method} ${p}?access_token=`);
    }
    // Paths the document does not list are refused too, never a 404 that would map the API.
    for (const p of ['/__admin', '/__admin/', '/__admin/nothing', '/__admin/batches/', '/__admin/Health', '/__admin/health/', '/__admin/health/../batches', '/__admin//batches', '/__admin/%62atches']) {
      const a = await call(p);
      tried++;
      assertProblem(a, 401, `GET ${p}`);
    }
    // The scheme name is case-insensitive (RFC 9110): the right token still works.
    assert.equal((await call('/__admin/batches', 'GET', { Authorization: `bearer ${TOKEN}` })).status, 200);
    // Nothing the refused requests asked for happened.
    assert.deepEqual(json(await call(`/__admin/batches/${ids.batchId}`, 'GET', AUTH)), before.batch, 'batch unchanged');
    assert.equal((await call(`/__admin/rules/${ids.ruleId}`, 'GET', AUTH)).status, 200, 'rule still there');
    assert.equal(json(await call('/__admin/clock', 'GET', AUTH)).frozen, before.clock.frozen, 'clock unchanged');
    t.diagnostic(`admin auth: ${list.length} documented routes, ${tried} unauthenticated requests`);
  });

  it('invalid JSON and unknown fields are a 400 problem on every body-taking route', async () => {
    const list = (await routes()).filter((r) => r.bodySchema);
    assert.ok(list.length >= 5, `body-taking routes: ${list.map((r) => `${r.method} ${r.template}`).join(', ')}`);
    const ids = await fixtures();
    const INVALID = ['{"status": ', '{', '[', 'nul', '{"a":1}}', "{'a':1}", '{"a":1,}', '\u0000', '{"a":"\\x"}', 'null', '"text"', '42'];
    for (const r of list) {
      const p = fill(r.template, ids);
      const valid = VALID[r.bodySchema!];
      assert.ok(valid, `no valid example body for schema ${r.bodySchema} (${r.method} ${r.template}): add one to VALID`);
      for (const body of INVALID) {
        const a = await call(p, r.method, AUTH, body);
        assertProblem(a, 400, `${r.method} ${p} with body ${JSON.stringify(body)}`);
      }
      for (const extra of [{ colour: 'red' }, { __proto__x: 1 }, { constructor: {} }]) {
        const a = await call(p, r.method, AUTH, JSON.stringify({ ...valid, ...extra }));
        assertProblem(a, 400, `${r.method} ${p} with unknown field ${Object.keys(extra)[0]}`);
        assert.match(json(a).detail, new RegExp(`unknown field "${Object.keys(extra)[0]}"`), `${r.method} ${p}: the detail names the field`);
      }
      const proto = await call(p, r.method, AUTH, `{"__proto__": {"polluted": true}, ${JSON.stringify(valid).slice(1)}`);
      assert.ok([400].includes(proto.status), `${r.method} ${p} with __proto__: ${proto.status} ${proto.body.toString().slice(0, 200)}`);
    }
  });

  it('no CORS headers unless ADMIN_CORS_ORIGIN is set', async () => {
    const origin = { Origin: 'http://evil.example' };
    const checks: [string, Answer][] = [
      ['GET /__admin/batches', await call('/__admin/batches', 'GET', { ...AUTH, ...origin })],
      ['GET /__admin/health', await call('/__admin/health', 'GET', origin)],
      ['preflight /__admin/batches', await call('/__admin/batches', 'OPTIONS', { ...origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' })],
      ['preflight /__admin/health', await call('/__admin/health', 'OPTIONS', { ...origin, 'Access-Control-Request-Method': 'GET' })],
      ['401 /__admin/rules', await call('/__admin/rules', 'GET', origin)],
      ['GET service ?wsdl', await call(`${SERVICE_PATH}?wsdl`, 'GET', origin)],
    ];
    for (const [name, a] of checks) {
      const cors = Object.keys(a.headers).filter((h) => h.startsWith('access-control-'));
      assert.deepEqual(cors, [], `${name} carries CORS headers`);
    }
    // Positive control: with the setting, the configured origin (and only it) is allowed.
    const withCors = await startMock({ ADMIN_CORS_ORIGIN: 'http://qa.example' });
    try {
      const a = await send(`${withCors.origin}/__admin/batches`, { method: 'OPTIONS', headers: { ...origin, 'Access-Control-Request-Method': 'GET' } });
      assert.equal(a.headers['access-control-allow-origin'], 'http://qa.example');
    } finally {
      await withCors.close();
    }
  });

  it('the default bind is loopback (HOST unset), and the README says how and when to open it', async () => {
    const s = await spawnServer({ DB_PATH: ':memory:', HOST: undefined });
    try {
      assert.match(s.output(), /"host":"127\.0\.0\.1"[^\n]*"msg":"listening"/, s.output());
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal);
      if (external) {
        const outcome = await new Promise<string>((resolve) => {
          const c = net.connect(s.port, external.address);
          c.on('connect', () => (c.destroy(), resolve('connected')));
          c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
          setTimeout(() => (c.destroy(), resolve('timeout')), 3000);
        });
        assert.notEqual(outcome, 'connected', `reachable on ${external.address}:${s.port}`);
      }
    } finally {
      await s.stop('SIGKILL');
    }
    const readme = fs.readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');
    assert.match(readme, /`HOST`[^\n]*127\.0\.0\.1[^\n]*loopback/i, 'README documents the loopback default');
    assert.match(readme, /HOST=0\.0\.0\.0|`0\.0\.0\.0`/, 'README says how to open it');
    assert.match(readme, /ADMIN_TOKEN/, 'README says to set ADMIN_TOKEN when open');
  });
});
