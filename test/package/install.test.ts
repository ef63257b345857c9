// The package as a user gets it: `npm pack`, `npm install ./cora-ocr-mock-X.tgz` into a fresh
// project (every dependency, better-sqlite3's native build included), TypeScript files importing
// `cora-ocr-mock/client` compiled with `tsc --strict`, then run against the mock that the installed
// package itself serves. Not in `npm test` (the install compiles better-sqlite3: minutes on a busy
// machine): .ci/run runs it as its own stage.
//
//   node --import tsx --test test/package/install.test.ts
import assert from 'node:assert/strict';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

interface Run {
  code: number | null;
  /** stdout, then stderr */
  out: string;
  stdout: string;
  ms: number;
}

/** Runs a command to its end (bounded by `timeoutMs`), with stdout and stderr together. */
function run(cmd: string, args: string[], cwd: string, timeoutMs: number, env: Record<string, string> = {}): Promise<Run> {
  const t0 = Date.now();
  // Without NODE_TEST_CONTEXT (a child node --test would run nothing) and npm's own lifecycle variables.
  const parent = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT' && !k.startsWith('npm_')));
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...parent, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, out: stdout + stderr, stdout, ms: Date.now() - t0 });
    });
  });
}

const CONSUMER_CJS = `import { AdminClient, AdminError } from 'cora-ocr-mock/client';
import type { BatchJson, ErrorCode, Status } from 'cora-ocr-mock/client';

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: node consumer.js URL');
  const mock = new AdminClient({ url });
  const health = await mock.health();
  const batch: BatchJson = await mock.createBatch({ externalContext: 'from-the-tarball', status: 'Failed', errorCode: 'InputFileNotFound' });
  const seen = await mock.getBatch(batch.id);
  const status: Status = seen.status;
  const errorCode: ErrorCode = seen.errorCode;
  // @ts-expect-error: the types are real, so a status that does not exist does not compile
  const wrong: Status = 'Done';
  let refused: number | undefined;
  let title: string | undefined;
  try {
    await mock.getBatch('987654321');
  } catch (e) {
    if (!(e instanceof AdminError)) throw e;
    refused = e.status;
    title = e.problem?.title;
  }
  const loaded = Object.keys(require.cache);
  console.log(JSON.stringify({ health: health.status, id: batch.id, status, errorCode, wrong, refused, title, loaded }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
`;

const CONSUMER_ESM = `import { AdminClient } from 'cora-ocr-mock/client';
import type { Health } from 'cora-ocr-mock/client';

const health: Health = await new AdminClient({ url: process.argv[2] ?? '' }).health();
console.log(JSON.stringify({ esm: health.status }));
`;

describe('the packed package, installed into a fresh project', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-ocr-mock-package-'));
  const project = path.join(dir, 'consumer');
  const tarball = path.join(project, `cora-ocr-mock-${pkg.version}.tgz`);
  let mock: ChildProcess | undefined;
  let origin = '';

  before(() => fs.mkdirSync(project));
  after(() => {
    mock?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('npm pack makes the tarball, with the compiled client and its types', async (t) => {
    const r = await run('npm', ['pack', '--json', '--pack-destination', project], ROOT, 300_000);
    assert.equal(r.code, 0, r.out);
    t.diagnostic(`npm pack: ${(r.ms / 1000).toFixed(1)} s`);
    assert.ok(fs.existsSync(tarball), r.out);
    const files = (JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const f of ['package.json', 'dist/server/client.js', 'dist/server/client.d.ts', 'dist/server/index.js', 'dist/server/testcontainers.d.ts', 'dist/server/cli.js', 'wsdl/coraOcrIntegration_v1.0.0.wsdl']) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('node_modules/')), 'no tests, no node_modules');
  });

  it('npm install ./cora-ocr-mock-X.tgz installs it with its dependencies (better-sqlite3 built)', async (t) => {
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'commonjs', allowScripts: { 'better-sqlite3': true } }, null, 2),
    );
    // @types/node: what any TypeScript project on Node has (the client's types use fetch's AbortSignal).
    const typesNode = `@types/node@${pkg.devDependencies['@types/node']}`;
    const r = await run('npm', ['install', `./${path.basename(tarball)}`, typesNode, '--prefer-offline', '--no-audit', '--no-fund'], project, 900_000);
    assert.equal(r.code, 0, r.out);
    t.diagnostic(`npm install (with better-sqlite3's native build): ${(r.ms / 1000).toFixed(1)} s`);
    const installed = JSON.parse(fs.readFileSync(path.join(project, 'node_modules/cora-ocr-mock/package.json'), 'utf8')) as { version: string };
    assert.equal(installed.version, pkg.version);
    assert.ok(fs.existsSync(path.join(project, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')), 'better-sqlite3 was built');
  });

  it("the installed package's own bin serves the mock", async () => {
    const bin = path.join(project, 'node_modules/.bin/cora-ocr-mock');
    const child = spawn(bin, ['serve', '--port', '0', '--db-path', ':memory:'], { cwd: project, env: { ...process.env, FIXTURES_DIR: 'none', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    mock = child;
    let out = '';
    origin = await new Promise<string>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`no "listening" line within 30 s:\n${out}`)), 30_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /"port":(\d+).*"msg":"listening"/.exec(out);
        if (m) {
          clearTimeout(guard);
          resolve(`http://127.0.0.1:${m[1]}`);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => reject(new Error(`the mock exited (${code}):\n${out}`)));
    });
  });

  it('TypeScript files importing cora-ocr-mock/client compile with tsc --strict (CommonJS and ESM)', async () => {
    fs.writeFileSync(path.join(project, 'consumer.ts'), CONSUMER_CJS);
    fs.writeFileSync(path.join(project, 'consumer.mts'), CONSUMER_ESM);
    const r = await run(process.execPath, [TSC, '--strict', '--module', 'nodenext', '--target', 'es2022', '--types', 'node', '--outDir', 'out', 'consumer.ts', 'consumer.mts'], project, 120_000);
    assert.equal(r.code, 0, r.out);
    assert.ok(fs.existsSync(path.join(project, 'out/consumer.js')) && fs.existsSync(path.join(project, 'out/consumer.mjs')));
  });

  it('a type error in a consumer is reported (the client is typed, not any)', async () => {
    fs.writeFileSync(
      path.join(project, 'wrong.ts'),
      "import { AdminClient } from 'cora-ocr-mock/client';\nvoid new AdminClient({ url: 'http://x' }).setBatchStatus('1', 'Done');\n",
    );
    const r = await run(process.execPath, [TSC, '--strict', '--module', 'nodenext', '--types', 'node', '--noEmit', 'wrong.ts'], project, 120_000);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /wrong\.ts\(2,\d+\): error TS2345: Argument of type '"Done"'/);
  });

  it('the compiled consumer runs against the live mock and loads nothing of the server', async () => {
    const r = await run(process.execPath, ['out/consumer.js', origin], project, 30_000);
    assert.equal(r.code, 0, r.out);
    const got = JSON.parse(r.stdout) as { health: string; id: string; status: string; errorCode: string; wrong: string; refused: number; title: string; loaded: string[] };
    assert.equal(got.health, 'ok');
    assert.match(got.id, /^\d+$/);
    assert.equal(got.status, 'Failed');
    assert.equal(got.errorCode, 'InputFileNotFound');
    assert.equal(got.refused, 404);
    const ours = got.loaded.filter((f) => f.includes(`${path.sep}node_modules${path.sep}cora-ocr-mock${path.sep}`));
    assert.deepEqual(
      ours.map((f) => path.relative(path.join(project, 'node_modules/cora-ocr-mock'), f)),
      ['dist/server/client.js'],
      'the client entry loads only itself',
    );
    for (const heavy of ['better-sqlite3', 'express', 'soap', 'pino', 'saxes', 'prom-client']) {
      assert.ok(!got.loaded.some((f) => f.includes(`${path.sep}node_modules${path.sep}${heavy}${path.sep}`)), `${heavy} is not loaded`);
    }
  });

  it('the ESM consumer runs too', async () => {
    const r = await run(process.execPath, ['out/consumer.mjs', origin], project, 30_000);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(JSON.parse(r.stdout), { esm: 'ok' });
  });

  it("the root entry still gives the package API; paths outside the exports map are refused", async () => {
    const r = await run(
      process.execPath,
      [
        '-e',
        `const api = require('cora-ocr-mock');
         const meta = require('cora-ocr-mock/package.json');
         let deep = 'loaded';
         try { require('cora-ocr-mock/dist/server/app.js'); } catch (e) { deep = e.code; }
         console.log(JSON.stringify({ buildApp: typeof api.buildApp, AdminClient: typeof api.AdminClient, name: meta.name, deep }));`,
      ],
      project,
      30_000,
    );
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(JSON.parse(r.stdout), { buildApp: 'function', AdminClient: 'function', name: 'cora-ocr-mock', deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  });
});
