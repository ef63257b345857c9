// Issue 15.5: the admin API fuzzed. Requests are generated from the served OpenAPI document and
// its JSON Schemas (fast-check): every documented route, with path ids, query parameters and
// bodies that are valid, nearly valid or hostile (wrong types, huge numbers, deep JSON, unknown
// fields, ids like -1, 1e309, 2^63, path traversal). Never a 5xx; every error is problem+json
// whose status matches, and every 400 carries a pointer; a refused command changes nothing; the
// mock and its database are sound afterwards. Fixture files get the same treatment through the
// fixture loader.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FixtureError } from '../server/errors';
import { openApiDocument } from '../server/admin/openapi';
import { loadFixtures } from '../server/control/fixtures';
import { Answer, send } from './support/abuse';
import { ServerProcess, spawnServer } from './support/process';

const RUNS = Number(process.env['ADMIN_FUZZ_RUNS'] ?? 5000);
const SEED = Number(process.env['ADMIN_FUZZ_SEED'] ?? 20260115);
const FIXTURE_RUNS = Number(process.env['FIXTURE_RUNS'] ?? 1000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-admin-fuzz-'));
const DB = path.join(tmp, 'fuzz.sqlite');
let server: ServerProcess;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
before(async () => {
  server = await spawnServer({ DB_PATH: DB, MAX_NAMESPACES: '50' });
});
after(async () => {
  agent.destroy();
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Schema = Record<string, any>;
interface Route {
  method: string;
  template: string;
  query: string[];
  body: Schema | null;
}

const call = (p: string, method = 'GET', body?: string, contentType = 'application/json'): Promise<Answer> =>
  send(server.origin + p, { method, agent, headers: body === undefined ? {} : { 'Content-Type': contentType }, body, timeoutMs: 10_000 });
const json = (a: Answer) => JSON.parse(a.body.toString('utf8'));

/** Values from a JSON Schema (the subset ours use); `refs` resolves #/components/schemas/X. */
function fromSchema(s: Schema, refs: Record<string, Schema>, depth = 0): fc.Arbitrary<unknown> {
  if (s['$ref']) return fc.constant(null).chain(() => fromSchema(refs[String(s['$ref']).split('/').pop()!]!, refs, depth + 1));
  if (s['const'] !== undefined) return fc.constant(s['const']);
  if (s['enum']) return fc.constantFrom(...(s['enum'] as unknown[]));
  const alts = s['oneOf'] ?? s['anyOf'];
  if (alts) return fc.oneof(...(alts as Schema[]).map((a) => fromSchema(a, refs, depth + 1)));
  if (s['allOf']) return fromSchema(Object.assign({}, ...(s['allOf'] as Schema[])), refs, depth + 1);
  const type = Array.isArray(s['type']) ? s['type'][0] : s['type'];
  switch (type) {
    case 'string':
      if (s['pattern']) return fc.stringMatching(new RegExp(s['pattern'])).map((x) => x.slice(0, 200));
      if (s['format'] === 'date-time') return fc.date({ min: new Date(-1e14), max: new Date(1e14), noInvalidDate: true }).map((d) => d.toISOString());
      return fc.string({ maxLength: 20 });
    case 'integer':
      return fc.integer({ min: s['minimum'] ?? -1e6, max: Math.min(s['maximum'] ?? 1e9, Number.MAX_SAFE_INTEGER) });
    case 'number':
      return fc.double({ min: s['minimum'] ?? -1e6, max: s['maximum'] ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return depth > 4 ? fc.constant([]) : fc.array(fromSchema(s['items'] ?? {}, refs, depth + 1), { maxLength: 3 });
    case 'object': {
      const props = (s['properties'] ?? {}) as Record<string, Schema>;
      if (depth > 4) return fc.constant({});
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = fromSchema(v, refs, depth + 1);
      return fc.record(model, { requiredKeys: (s['required'] as string[] | undefined) ?? [] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Ids no route should accept, and ones it might. */
const BAD_IDS = ['-1', '1e309', '9223372036854775808', '18446744073709551616', '0x10', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%2F..%2Fetc', '%00', '1.5', '%20', 'NaN', 'Infinity', '-0', '00000000000000000001001', '%E2%80%AE', 'a'.repeat(300)];
/** Raw bodies no schema can accept, as text: huge numbers, deep nesting, duplicate keys, not JSON. */
const BAD_BODIES = [
  '{"advanceMs": 1e309}',
  '{"advanceMs": 9223372036854775808}',
  '{"advanceMs": -1}',
  '{"set": "+275760-09-13T00:00:00.001Z"}',
  '{"set": "-271821-04-20T00:00:00.000Z"}',
  '{"status": "Completed", "status": 7}',
  '{"id": 1e309}',
  '{"id": "-1"}',
  '{"name": "../../etc"}',
  '[]',
  '"x"',
  '{"a":' .repeat(5000) + '1' + '}'.repeat(5000),
  '['.repeat(100_000) + ']'.repeat(100_000),
  '{"__proto__": {"admin": true}}',
  '\uFEFF{}',
  '{"externalContext": "\uD800"}',
];

const mutate = (value: unknown): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(JSON.stringify(value)),
    fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) =>
      JSON.stringify(value && typeof value === 'object' && !Array.isArray(value) ? { ...value, [`x${k}`]: v } : { [`x${k}`]: v }),
    ),
    // Every field with a wrong-typed value.
    fc.jsonValue({ maxDepth: 2 }).map((v) =>
      JSON.stringify(value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.keys(value).map((k) => [k, v])) : v),
    ),
    fc.constantFrom(...BAD_BODIES),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 40 }),
  );

/** What a refused command must not have changed. */
async function fingerprint(): Promise<string> {
  const h = json(await call('/__admin/health'));
  const rules = json(await call('/__admin/rules')).items.map((r: { id: string }) => r.id);
  const clock = h.clock.frozen ? `frozen@${h.clock.nowMs}` : `running+${h.clock.offsetMs}`;
  return JSON.stringify({ batches: h.batches, namespaces: h.namespaces, clock, rules });
}

describe('admin API fuzzing', () => {
  it(`${RUNS} generated requests over every documented route: never a 5xx, always a problem with a pointer, nothing half-applied`, async (t) => {
    const doc = json(await call('/__admin/openapi.json'));
    const refs = doc.components.schemas as Record<string, Schema>;
    const routes: Route[] = [];
    for (const [template, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const ref: string | undefined = op.requestBody?.content?.['application/json']?.schema?.$ref;
        routes.push({
          method: method.toUpperCase(),
          template,
          query: (op.parameters ?? []).filter((p: any) => p?.in === 'query').map((p: any) => p.name),
          body: ref ? refs[ref.split('/').pop()!]! : null,
        });
      }
    }
    assert.ok(routes.length >= 20, `routes: ${routes.length}`);
    // Freeze the clock so a refused clock command is seen not to move it.
    assert.equal((await call('/__admin/clock', 'POST', '{"freeze":true}')).status, 200);
    const seeded = json(await call('/__admin/batches', 'POST', '{"externalContext":"fuzz"}')).id as string;

    const counts = { cases: 0, byStatus: new Map<number, number>(), refusedCommands: 0 };
    const failures: string[] = [];
    let before = await fingerprint();
    const request = fc.record({
      route: fc.constantFrom(...routes),
      id: fc.oneof(fc.constant(seeded), fc.constant('1001'), fc.constantFrom(...BAD_IDS), fc.string({ maxLength: 12 }).map(encodeURIComponent), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,8}$/)),
      query: fc.array(fc.tuple(fc.oneof(fc.constant('limit'), fc.constant('x'), fc.string({ maxLength: 6 })), fc.oneof(fc.constantFrom(...BAD_IDS), fc.string({ maxLength: 8 }), fc.integer().map(String))), { maxLength: 3 }),
      useDocumentedQuery: fc.boolean(),
      contentType: fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain', 'application/merge-patch+json'),
      valid: fc.boolean(),
      seed: fc.integer(),
    });
    // The failures are the diagnosis: on a failed property, they are what the test reports.
    await assert.doesNotReject(async () => fc.assert(
      fc.asyncProperty(request, async (r) => {
        const route = r.route;
        let p = route.template.replace(/\{[^}]+\}/, r.id);
        const q = r.query.map(([k, v], i) => [r.useDocumentedQuery && route.query.length ? route.query[i % route.query.length]! : k, v] as const);
        // A long poll with nothing to wait for would hold the request for its whole (default) timeout.
        const wait = route.template.endsWith('/wait') && !q.some(([k]) => k === 'timeoutMs') ? [['timeoutMs', '20'] as const] : [];
        const short = (k: string, v: string) => (k === 'timeoutMs' && /^\d+$/.test(v) && Number(v) > 100 ? '100' : v);
        const all = [...q.map(([k, v]) => [k, short(k, v)] as const), ...wait];
        if (all.length) p += '?' + all.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
        let body: string | undefined;
        if (route.body) {
          const value = fc.sample(fromSchema(route.body, refs), { seed: r.seed, numRuns: 1 })[0];
          body = r.valid ? JSON.stringify(value) : fc.sample(mutate(value), { seed: r.seed, numRuns: 1 })[0];
        }
        const a = await call(p, route.method, body, r.contentType);
        counts.cases++;
        counts.byStatus.set(a.status, (counts.byStatus.get(a.status) ?? 0) + 1);
        const what = `${route.method} ${p.slice(0, 200)} ${String(body).slice(0, 200)} -> ${a.status} ${a.body.toString().slice(0, 300)}`;
        if (a.status >= 500) failures.push(`5xx: ${what}`);
        if (a.status >= 400) {
          if (!/^application\/problem\+json/.test(String(a.headers['content-type']))) failures.push(`not problem+json: ${what}`);
          else {
            const prob = json(a);
            if (prob.status !== a.status || typeof prob.title !== 'string' || typeof prob.detail !== 'string') failures.push(`bad problem: ${what}`);
            if (a.status === 400 && typeof prob.pointer !== 'string') failures.push(`400 without a pointer: ${what}`);
          }
        }
        if (route.method !== 'GET') {
          const now = await fingerprint();
          if (a.status >= 400) {
            counts.refusedCommands++;
            if (now !== before) failures.push(`refused, yet state changed: ${what}\n  before ${before}\n  after  ${now}`);
          }
          before = now;
        }
        // Stop early on many failures, with the first ones to read.
        return failures.length < 20;
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    ), () => failures.slice(0, 20).join('\n'));
    assert.deepEqual(failures.slice(0, 20), []);
    assert.ok(server.alive(), 'the mock is alive');
    const h = await call('/__admin/health');
    assert.equal(h.status, 200, h.body.toString());
    const fives = [...counts.byStatus].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    t.diagnostic(
      `admin fuzz: seed ${SEED}, ${counts.cases} cases over ${routes.length} routes, ${fives} 5xx; ${counts.refusedCommands} refused commands, none changed state; statuses ${JSON.stringify(Object.fromEntries([...counts.byStatus].sort(([x], [y]) => x - y)))}`,
    );
    assert.equal(await server.stop(), 0, 'a clean stop');
    const db = new Database(DB, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  });

  it(`${FIXTURE_RUNS} generated fixture files: each loads or is refused with a FixtureError naming the file`, async (t) => {
    const refs = openApiDocument().components.schemas as unknown as Record<string, Schema>;
    const dir = path.join(tmp, 'fixtures');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'fuzzed.json');
    let loaded = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.integer(), async (valid, seed) => {
        const value = fc.sample(fromSchema(refs['Fixture']!, refs), { seed, numRuns: 1 })[0];
        fs.writeFileSync(file, valid ? JSON.stringify(value, null, 2) : fc.sample(mutate(value), { seed, numRuns: 1 })[0]!);
        try {
          loadFixtures(dir);
          loaded++;
        } catch (err) {
          if (!(err instanceof FixtureError)) throw err;
          assert.ok(err.message.includes('fuzzed.json'), err.message);
          refused++;
        }
      }),
      { numRuns: FIXTURE_RUNS, seed: SEED },
    );
    t.diagnostic(`fixture fuzz: ${FIXTURE_RUNS} files, ${loaded} loaded, ${refused} refused with a FixtureError, 0 other errors`);
  });
});
