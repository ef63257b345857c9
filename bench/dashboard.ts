// The price of the dashboard (issue 12), measured by `npm run bench` (bench/run.ts calls this).
//
// Two figures, each judged against its counterpart in the same rounds, loads alternating:
//   - no page open: SOAP 1.1 GetStatus on this build against the baseline build
//     (BENCH_BASELINE_MAIN, e.g. main's dist/server/main.js), target within 2 %; without a
//     baseline build this is reported as not judged;
//   - one page open on the busy mock: the same load while the real dashboard is open in Chromium
//     (playwright-core; CHROMIUM_PATH or /usr/bin/chromium), against the same mock with no page,
//     target within 10 %. Every request of the load is journaled, so the page gets a change note
//     every 100 ms and reads the journal and the rules again each time: the busiest a page gets.
//     Without Chromium, a Node client that reads the stream and makes the page's reads stands in
//     for it, and the output says so.
import fs from 'node:fs';
import path from 'node:path';

export interface DashboardBenchLoad {
  reqPerSec: number;
  p99Ms: number;
  errors: number;
}

/** What the bench harness lends this module (its own process handling and loader). */
export interface DashboardBenchDeps<P, K extends string> {
  mainJs: string;
  baselineMain: string | null;
  /** Copies the seeded database to `dest`. */
  seed: (dest: string) => void;
  tmp: string;
  spawnMock: (name: string, port: number, dbPath: string, env?: NodeJS.ProcessEnv, main?: string) => P;
  waitReady: (p: P, port: number, since: number) => Promise<number>;
  stop: (p: P) => Promise<void>;
  freePort: () => Promise<number>;
  load: (t: { port: number; kind: K; idLo: number; idHi: number; server: P }, seconds: number) => Promise<DashboardBenchLoad>;
  kind: K;
  idLo: number;
  idHi: number;
  rounds: number;
  duration: number;
  warmup: number;
  log: (msg: string) => void;
}

export interface DashboardBenchResult {
  viewer: string;
  rows: { target: string; reqPerSec: number[]; p99Ms: number[]; errors: number; pageReadsPerSec?: number[] }[];
  targets: { target: string; value: string; pass: boolean | null }[];
  lines: string[];
}

/** An open dashboard: closes itself; counts the admin reads it made. */
interface Viewer {
  reads(): number;
  close(): Promise<void>;
}

interface ViewerFactory {
  name: string;
  open(origin: string): Promise<Viewer>;
  shutdown(): Promise<void>;
}

async function chromiumViewers(log: (msg: string) => void): Promise<ViewerFactory | null> {
  const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    log(`dashboard: no Chromium at ${executablePath}`);
    return null;
  }
  try {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    return {
      name: `the dashboard page in Chromium ${browser.version()} (playwright-core)`,
      async open(origin) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        let reads = 0;
        page.on('request', (r) => {
          if (/\/__admin\/(?!ui)/.test(r.url()) && !r.url().endsWith('/events')) reads++;
        });
        await page.goto(`${origin}/__admin/ui`);
        await page.waitForSelector('[data-testid=live]:text("live")', { timeout: 20_000 });
        return { reads: () => reads, close: () => context.close() };
      },
      shutdown: () => browser.close(),
    };
  } catch (err) {
    log(`dashboard: Chromium did not start: ${(err as Error).message.split('\n')[0]}`);
    return null;
  }
}

/** Stands in for the page without a browser: the stream, and on each note the reads the page makes. */
function nodeViewers(): ViewerFactory {
  return {
    name: 'NO BROWSER: a Node client making the page\'s reads on each note (set CHROMIUM_PATH or apt-get install chromium for the real page)',
    async open(origin) {
      const abort = new AbortController();
      let reads = 0;
      const get = async (p: string) => {
        reads++;
        await (await fetch(`${origin}/__admin/${p}`, { signal: abort.signal })).text();
      };
      const res = await fetch(`${origin}/__admin/events`, { signal: abort.signal });
      const pump = (async () => {
        const decoder = new TextDecoder();
        let buf = '';
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (!data || !frame.startsWith('event: changes')) continue;
            const kinds = (JSON.parse(data) as { kinds: string[] }).kinds;
            const work: Promise<void>[] = [];
            if (kinds.includes('batches')) work.push(get('batches?order=desc&limit=100'), get('clock'));
            if (kinds.includes('requests')) work.push(get('requests?limit=100'));
            if (kinds.includes('rules')) work.push(get('rules'));
            await Promise.all(work);
          }
        }
      })().catch(() => {});
      return {
        reads: () => reads,
        close: async () => {
          abort.abort();
          await pump;
        },
      };
    },
    shutdown: async () => {},
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function dashboardBench<P, K extends string>(d: DashboardBenchDeps<P, K>): Promise<DashboardBenchResult> {
  const viewers = (await chromiumViewers(d.log)) ?? nodeViewers();
  d.log(`dashboard: the open page is ${viewers.name}`);
  const dbPath = path.join(d.tmp, 'dashboard.sqlite');
  const baseDb = path.join(d.tmp, 'dashboard-baseline.sqlite');
  d.seed(dbPath);
  if (d.baselineMain) fs.copyFileSync(dbPath, baseDb);
  const port = await d.freePort();
  const basePort = await d.freePort();
  const mock = d.spawnMock('mock (dashboard)', port, dbPath, {}, d.mainJs);
  const baseline = d.baselineMain ? d.spawnMock('mock (dashboard, baseline build)', basePort, baseDb, {}, d.baselineMain) : null;
  const origin = `http://127.0.0.1:${port}`;
  try {
    await d.waitReady(mock, port, performance.now());
    if (baseline) await d.waitReady(baseline, basePort, performance.now());
    const target = (p: P, at: number) => ({ port: at, kind: d.kind, idLo: d.idLo, idHi: d.idHi, server: p });

    type Spec = { name: string; run: (seconds: number) => Promise<DashboardBenchLoad & { pageReadsPerSec?: number }> };
    const withPage: Spec['run'] = async (seconds) => {
      const v = await viewers.open(origin);
      try {
        const before = v.reads();
        const r = await d.load(target(mock, port), seconds);
        return { ...r, pageReadsPerSec: (v.reads() - before) / seconds };
      } finally {
        await v.close();
      }
    };
    const specs: Spec[] = [
      { name: 'SOAP 1.1 GetStatus, no page open', run: (s) => d.load(target(mock, port), s) },
      { name: 'SOAP 1.1 GetStatus, one dashboard open', run: withPage },
      ...(baseline ? [{ name: 'SOAP 1.1 GetStatus, baseline build', run: (s: number) => d.load(target(baseline, basePort), s) }] : []),
    ];
    if (d.warmup > 0) for (const s of specs) await s.run(d.warmup);
    const per = specs.map(() => [] as (DashboardBenchLoad & { pageReadsPerSec?: number })[]);
    for (let round = 0; round < d.rounds; round++) {
      // Alternate the order, so neither side always runs on a warmer (or more loaded) machine.
      const order = specs.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        const r = await specs[i]!.run(d.duration);
        per[i]!.push(r);
        d.log(
          `dashboard round ${round + 1}/${d.rounds} ${specs[i]!.name.padEnd(40)} ${Math.round(r.reqPerSec).toLocaleString('en-US').padStart(7)} req/s  ` +
            `p99 ${r.p99Ms.toFixed(2)} ms  errors ${r.errors}${r.pageReadsPerSec !== undefined ? `  page reads ${r.pageReadsPerSec.toFixed(1)}/s` : ''}`,
        );
      }
    }
    const rows = specs.map((s, i) => ({
      target: s.name,
      reqPerSec: per[i]!.map((r) => Math.round(r.reqPerSec)),
      p99Ms: per[i]!.map((r) => Math.round(r.p99Ms * 100) / 100),
      errors: per[i]!.reduce((a, r) => a + r.errors, 0),
      ...(per[i]![0]!.pageReadsPerSec !== undefined ? { pageReadsPerSec: per[i]!.map((r) => Math.round(r.pageReadsPerSec! * 10) / 10) } : {}),
    }));
    // Round by round ratios; the judged one is the median round's (the lower middle for two).
    const ratios = (a: number, b: number) => per[a]!.map((r, k) => r.reqPerSec / per[b]![k]!.reqPerSec);
    const judged = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)]!;
    const targets: DashboardBenchResult['targets'] = [];
    if (baseline) {
      const r = ratios(0, 2);
      targets.push({ target: 'dashboard: GetStatus, no page open, >= 98% of the baseline build (same rounds)', value: `${pct(judged(r))} (rounds: ${r.map(pct).join(', ')})`, pass: judged(r) >= 0.98 });
    } else {
      targets.push({ target: 'dashboard: GetStatus, no page open, against the baseline build', value: 'not judged: set BENCH_BASELINE_MAIN to the build before the dashboard', pass: null });
    }
    const open = ratios(1, 0);
    targets.push({ target: 'dashboard: GetStatus with one page open >= 90% of no page (same rounds)', value: `${pct(judged(open))} (rounds: ${open.map(pct).join(', ')})`, pass: judged(open) >= 0.9 });
    const lines = [
      '',
      `the dashboard (issue 12); the open page is ${viewers.name}`,
      ...rows.map(
        (r) =>
          `  ${r.target.padEnd(42)} req/s by round ${r.reqPerSec.map((x) => x.toLocaleString('en-US')).join(', ')}  p99 ms ${r.p99Ms.join(', ')}  errors ${r.errors}` +
          (r.pageReadsPerSec ? `  page reads/s ${r.pageReadsPerSec.join(', ')}` : ''),
      ),
    ];
    return { viewer: viewers.name, rows, targets, lines };
  } finally {
    await Promise.all([d.stop(mock), ...(baseline ? [d.stop(baseline)] : [])]);
    await viewers.shutdown();
  }
}
