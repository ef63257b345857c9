// npm run soak: a long run of mixed traffic against the built server, started as `npm start`
// starts it (plus a preloaded probe, bench/soak-probe.cjs, that reports its RSS, heap and
// event-loop delay). Traffic: FileBatch over SOAP 1.1 and 1.2 (the only protocols ASMX offers it
// on), GetStatus over all four (SOAP 1.1, SOAP 1.2, HTTP GET, HTTP POST), admin reads, rules that
// fire transport faults (a reset, a malformed body), resets, clock moves.
// Prints RSS, heap, event-loop delay p99 and request p99 per interval, then the RSS slope after
// warm-up. Fails (exit 1) when the slope exceeds SOAK_MAX_SLOPE_MB_PER_MIN, any request errs
// unexpectedly, or the server process exits or restarts.
//   SOAK_SECONDS (600)  SOAK_CLIENTS (8)  SOAK_MAX_SLOPE_MB_PER_MIN (1)  SOAK_WARMUP_FRACTION (0.3)
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 600);
const CLIENTS = Number(process.env['SOAK_CLIENTS'] ?? 8);
const MAX_SLOPE = Number(process.env['SOAK_MAX_SLOPE_MB_PER_MIN'] ?? 1);
const WARMUP = Number(process.env['SOAK_WARMUP_FRACTION'] ?? 0.3);
const INTERVAL_S = Math.max(1, Math.min(30, Math.round(SECONDS / 20)));
const ROOT = path.resolve(__dirname, '..');
const NS = 'http://genpact.com/cora/orchestration/ocr/1.0.0/api/';
const ASMX = '/SequenceServices/coraOcrIntegration_v1.0.0.asmx';

const env11 = (body: string, header = '') =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
const env12 = (body: string, header = '') =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Header>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
const meta = (id: string) => `<ActivityMetadata xmlns="${NS}"><MasterWorkflowInstanceId>${id}</MasterWorkflowInstanceId></ActivityMetadata>`;
const fileBatch = (ctx: string) =>
  `<FileBatch xmlns="${NS}"><TimeOut>300</TimeOut><ExternalContext>${ctx}</ExternalContext><InputFile><Connection>c</Connection><RelativeLocation>in</RelativeLocation><FileName>f.pdf</FileName></InputFile><OCRProfile>P</OCRProfile><OutputFile><Connection>c</Connection><RelativeLocation>out</RelativeLocation><FileName>f.xml</FileName></OutputFile><PutModel>Replace</PutModel></FileBatch>`;

interface Result {
  status: number;
  body: string;
}
const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });
let origin = '';

function request(method: string, p: string, headers: Record<string, string> = {}, body?: string, agentToUse: http.Agent | false = agent): Promise<Result> {
  return new Promise((resolve, reject) => {
    const h = { ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) };
    const req = http.request(origin + p, { method, headers: h, agent: agentToUse }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const latencies: number[] = [];
const counts = { requests: 0, unexpected: 0, expectedFaults: 0 };
const unexpected: string[] = [];
const ids: string[] = [];
let faultBatch = '';

function fail(what: string) {
  counts.unexpected++;
  if (unexpected.length < 20) unexpected.push(what);
}

async function timed(what: string, fn: () => Promise<Result>, ok: (r: Result) => boolean): Promise<Result | null> {
  const t0 = performance.now();
  try {
    const r = await fn();
    latencies.push(performance.now() - t0);
    counts.requests++;
    if (!ok(r)) fail(`${what}: ${r.status} ${r.body.slice(0, 200)}`);
    return r;
  } catch (err) {
    counts.requests++;
    fail(`${what}: ${(err as Error).message}`);
    return null;
  }
}

const pick = () => ids[Math.floor(Math.random() * ids.length)] ?? '1001';
const statusOk = (r: Result) => r.status === 200 && /<Status>\w+<\/Status>|<Status>/.test(r.body);

async function step(i: number, client: number): Promise<void> {
  const k = i % 20;
  if (k < 4) {
    const v12 = k % 2 === 1;
    const r = await timed(
      `FileBatch SOAP ${v12 ? '1.2' : '1.1'}`,
      () =>
        v12
          ? request('POST', ASMX, { 'Content-Type': `application/soap+xml; charset=utf-8; action="${NS}FileBatch"` }, env12(fileBatch(`soak-${client}-${i}`)))
          : request('POST', ASMX, { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${NS}FileBatch"` }, env11(fileBatch(`soak-${client}-${i}`))),
      (r) => r.status === 200 && /<MasterWorkflowInstanceId>\d+</.test(r.body),
    );
    const id = r && /<MasterWorkflowInstanceId>(\d+)</.exec(r.body)?.[1];
    if (id) {
      if (ids.length < 5000) ids.push(id);
      else ids[Math.floor(Math.random() * ids.length)] = id;
    }
  } else if (k < 8) await timed('GetStatus SOAP 1.1', () => request('POST', ASMX, { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${NS}GetStatus"` }, env11(`<GetStatus xmlns="${NS}" />`, meta(pick()))), statusOk);
  else if (k < 11) await timed('GetStatus SOAP 1.2', () => request('POST', ASMX, { 'Content-Type': `application/soap+xml; charset=utf-8; action="${NS}GetStatus"` }, env12(`<GetStatus xmlns="${NS}" />`, meta(pick()))), statusOk);
  else if (k < 14) await timed('GetStatus HTTP GET', () => request('GET', `${ASMX}/GetStatus?MasterWorkflowInstanceId=${pick()}`), statusOk);
  else if (k < 17) await timed('GetStatus HTTP POST', () => request('POST', `${ASMX}/GetStatus`, { 'Content-Type': 'application/x-www-form-urlencoded' }, `MasterWorkflowInstanceId=${pick()}`), statusOk);
  else if (k === 17) await timed('admin list', () => request('GET', '/__admin/batches?limit=20'), (r) => r.status === 200);
  else if (k === 18) await timed('admin journal', () => request('GET', '/__admin/requests?limit=5'), (r) => r.status === 200);
  else await timed('admin health', () => request('GET', '/__admin/health'), (r) => r.status === 200 && r.body.includes('"status":"ok"'));
}

/** Every few seconds: a rule firing a transport fault once, hit on a fresh connection; a clock move; now and then a reset. */
async function control(tick: number): Promise<void> {
  // A batch only the controller asks about: no worker's request can take the rule's one firing.
  const id = faultBatch;
  const faults = [{ type: 'reset' }, { type: 'malformed' }];
  const fault = faults[tick % faults.length]!;
  await timed('admin add rule', () => request('POST', '/__admin/rules', { 'Content-Type': 'application/json' }, JSON.stringify({ match: { batchId: id, operation: 'GetStatus', protocol: 'soap11' }, fault, times: 1 })), (r) => r.status === 201);
  const t0 = performance.now();
  try {
    const r = await request('POST', ASMX, { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${NS}GetStatus"` }, env11(`<GetStatus xmlns="${NS}" />`, meta(id)), false);
    counts.requests++;
    if (fault.type === 'reset') fail(`a reset rule answered ${r.status}`);
    else counts.expectedFaults++;
  } catch {
    counts.requests++;
    if (fault.type === 'reset') counts.expectedFaults++;
    else fail('a malformed-body rule reset the connection');
  }
  latencies.push(performance.now() - t0);
  await timed('admin clock', () => request('POST', '/__admin/clock', { 'Content-Type': 'application/json' }, JSON.stringify({ advanceMs: 1500 })), (r) => r.status === 200);
  if (tick % 10 === 9) await timed('admin reset', () => request('POST', '/__admin/reset', { 'Content-Type': 'application/json' }, JSON.stringify({ keepBatches: true })), (r) => r.status === 200);
}

function p99(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
}

function slopePerMin(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60; // MB per minute (x in seconds)
}

async function main(): Promise<void> {
  const main = path.join(ROOT, 'dist/server/main.js');
  if (!fs.existsSync(main)) throw new Error('dist/server/main.js is missing: npm run build first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-soak-'));
  // As `npm start` runs it, with the probe preloaded.
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', path.join(__dirname, 'soak-probe.cjs'), main],
    { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DB_PATH: path.join(dir, 'soak.sqlite'), FIXTURES_DIR: 'none', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let probe = { rss: 0, heapUsed: 0, eldP99Ms: 0 };
  let eldMax = 0;
  let errorLines = 0;
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = `exited (${code ?? signal})`));
  const listening = new Promise<number>((resolve, reject) => {
    let partial = '';
    const onData = (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('SOAK_PROBE ')) {
          probe = JSON.parse(line.slice(11));
          eldMax = Math.max(eldMax, probe.eldP99Ms);
          continue;
        }
        if (/"level":(50|60)/.test(line)) {
          errorLines++;
          if (errorLines <= 5) process.stderr.write(`server error line: ${line.slice(0, 400)}\n`);
        }
        const m = /"port":(\d+).*"msg":"listening"/.exec(line);
        if (m) resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    setTimeout(() => reject(new Error('the server did not start within 20 s')), 20_000).unref();
  });
  const port = await listening;
  origin = `http://127.0.0.1:${port}`;
  const pid = child.pid!;
  process.stdout.write(`soak: ${SECONDS} s, ${CLIENTS} clients, server pid ${pid}; a line every ${INTERVAL_S} s\n`);
  process.stdout.write('   t s   requests   req/s    RSS MB  heap MB  loop p99 ms  req p99 ms  unexpected\n');

  faultBatch = JSON.parse((await request('POST', '/__admin/batches', { 'Content-Type': 'application/json' }, '{"externalContext":"soak-faults"}')).body).id;
  const started = Date.now();
  const end = started + SECONDS * 1000;
  const rss: [number, number][] = [];
  let running = true;
  const workers = Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = 0; running; i++) await step(i + c, c);
  });
  const controller = (async () => {
    for (let tick = 0; running; tick++) {
      await control(tick);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  let lastCount = 0;
  let rssStart = 0;
  while (Date.now() < end && !exited) {
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000));
    const t = (Date.now() - started) / 1000;
    const mb = probe.rss / 1048576;
    if (rssStart === 0) rssStart = mb;
    rss.push([t, mb]);
    const lat = latencies.splice(0);
    process.stdout.write(
      `${t.toFixed(0).padStart(6)} ${String(counts.requests).padStart(10)} ${((counts.requests - lastCount) / INTERVAL_S).toFixed(0).padStart(7)} ${mb.toFixed(1).padStart(9)} ${(probe.heapUsed / 1048576).toFixed(1).padStart(8)} ${probe.eldP99Ms.toFixed(1).padStart(12)} ${p99(lat).toFixed(1).padStart(11)} ${String(counts.unexpected).padStart(11)}\n`,
    );
    lastCount = counts.requests;
  }
  running = false;
  await Promise.all([...workers, controller]);
  const restarted = exited !== null || child.pid !== pid;
  const after = rss.filter(([t]) => t >= SECONDS * WARMUP);
  const slope = slopePerMin(after);
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('exit', (c) => r(c))));
  fs.rmSync(dir, { recursive: true, force: true });

  const rssEnd = rss[rss.length - 1]?.[1] ?? 0;
  process.stdout.write(
    `\nsoak summary: ${counts.requests} requests in ${((Date.now() - started) / 1000).toFixed(0)} s; RSS start ${rssStart.toFixed(1)} MB, end ${rssEnd.toFixed(1)} MB, slope after warm-up ${slope.toFixed(3)} MB/min (bound ${MAX_SLOPE}); worst event-loop p99 ${eldMax.toFixed(1)} ms; ${counts.expectedFaults} scripted transport faults seen; ${counts.unexpected} unexpected errors; ${errorLines} server error lines; server ${restarted ? exited ?? 'restarted' : 'ran throughout'}, exit ${code} on SIGTERM\n`,
  );
  const problems: string[] = [];
  if (slope > MAX_SLOPE) problems.push(`RSS slope ${slope.toFixed(3)} MB/min exceeds ${MAX_SLOPE}`);
  if (counts.unexpected > 0) problems.push(`${counts.unexpected} unexpected errors:\n  ${unexpected.join('\n  ')}`);
  if (errorLines > 0) problems.push(`${errorLines} error lines in the server log`);
  if (restarted) problems.push(`the server ${exited ?? 'restarted'}`);
  if (code !== 0) problems.push(`the server exited ${code} on SIGTERM`);
  if (problems.length) {
    process.stdout.write(`FAIL\n- ${problems.join('\n- ')}\n`);
    process.exit(1);
  }
  process.stdout.write('PASS\n');
}

main().catch((err) => {
  process.stderr.write(`soak: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
