// The price of the dashboard (issue 12), measured by `npm run bench` (bench/run.ts calls this).
//
// Two figures, each judged against its counterpart in the same rounds, loads alternating:
//   - no page open: SOAP 1.1 GetStatus on this build against the baseline build
//     (BENCH_BASELINE_MAIN, e.g. main's dist/server/main.js), target within 2 %; without a
//     baseline build this is reported as not judged;
//   - one page open on the busy mock: the same load while the real dashboard is open in Chromium
//     (playwright-core; CHROMIUM_PATH or /usr/bin/chromium), against the same mock with no page,
//     target within 10 %: as opened (the batch table on screen; 1,000 batches push the journal
//     below the fold, and a live panel out of view is not read), and scrolled to the journal,
//     which every request of the load changes, so the page gets a note every 100 ms and reads the
//     journal each time: the busiest a page gets. The browser runs on the same machine as the mock
//     and the loader, so its own CPU (reported) is part of what the ratio sees.
//     Without Chromium (or with BENCH_DASHBOARD_VIEWER=node), a Node client that reads the stream
//     and makes the page's reads on every note stands in for it, and the output says so.
import fs from 'node:fs';
import path from 'node:path';

export interface DashboardBenchLoad {
  reqPerSec: number;
  requests: number;
  p99Ms: number;
  errors: number;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name; in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** What the bench harness lends this module (its own process handling and loader). */
export interface DashboardBenchDeps<P, K extends string> {
  mainJs: string;
  baselineMain: string | null;
  /** Copies the seeded database to `dest`. */
  seed: (dest: string) => void;
  tmp: string;
  spawnMock: (name: string, port: number, dbPath: string, env?: NodeJS.ProcessEnv, main?: string) => P;
  pid: (p: P) => number;
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
  rows: { target: string; reqPerSec: number[]; p99Ms: number[]; errors: number; serverCpuUsPerRequest: (number | null)[]; pageReadsPerSec?: number[]; browserCpuShare?: number[] }[];
  targets: { target: string; value: string; pass: boolean | null }[];
  lines: string[];
}

/** An open dashboard: closes itself; counts the admin reads it made. */
interface Viewer {
  reads(): number;
  /** CPU seconds the viewer's processes have used so far (null: not measurable). */
  cpu(): number | null;
  close(): Promise<void>;
}

/** CPU seconds used by the descendants of this process whose command starts with `prefix` (Linux). */
function descendantsCpu(prefix: string): number | null {
  try {
    const parent = new Map<number, number>();
    const comm = new Map<number, string>();
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        const open = stat.indexOf('(');
        const close = stat.lastIndexOf(')');
        parent.set(Number(name), Number(stat.slice(close + 2).split(' ')[1]));
        comm.set(Number(name), stat.slice(open + 1, close));
      } catch {
        /* gone meanwhile */
      }
    }
    const mine = (pid: number): boolean => {
      for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
      return false;
    };
    let total = 0;
    for (const [pid, c] of comm) if (c.startsWith(prefix) && mine(pid)) total += cpuSeconds(pid) ?? 0;
    return total;
  } catch {
    return null;
  }
}

interface ViewerFactory {
  name: string;
  /** `journalInView`: scrolled to the request journal, the busiest panel (read on every note while in view). */
  open(origin: string, journalInView: boolean): Promise<Viewer>;
  shutdown(): Promise<void>;
}

async function chromiumViewers(log: (msg: string) => void): Promise<ViewerFactory | null> {
  if (process.env['BENCH_DASHBOARD_VIEWER'] === 'node') {
    log('dashboard: BENCH_DASHBOARD_VIEWER=node: no browser');
    return null;
  }
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
      async open(origin, journalInView) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        let reads = 0;
        page.on('request', (r) => {
          if (/\/__admin\/(?!ui)/.test(r.url()) && !r.url().endsWith('/events')) reads++;
        });
        await page.goto(`${origin}/__admin/ui`);
        await page.waitForSelector('[data-testid=live]:text("live")', { timeout: 20_000 });
        if (journalInView) await page.locator('[data-testid=journal]').scrollIntoViewIfNeeded();
        return { reads: () => reads, cpu: () => descendantsCpu('chrom'), close: () => context.close() };
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
      // It has no view: it reads every panel on every note, as a page with all of them in view.
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
        cpu: () => null,
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

    type Measured = DashboardBenchLoad & { pageReadsPerSec?: number; pageCpuShare?: number | null; cpuUsPerRequest: number | null };
    type Spec = { name: string; run: (seconds: number) => Promise<Measured> };
    /** A load, with the server's CPU time per request (its own cost, whatever else shares the machine). */
    const measured = async (p: P, at: number, seconds: number): Promise<Measured> => {
      const cpu0 = cpuSeconds(d.pid(p));
      const r = await d.load(target(p, at), seconds);
      const cpu1 = cpuSeconds(d.pid(p));
      return { ...r, cpuUsPerRequest: cpu0 === null || cpu1 === null || r.requests === 0 ? null : ((cpu1 - cpu0) * 1e6) / r.requests };
    };
    const withPage = (journalInView: boolean): Spec['run'] => async (seconds) => {
      const v = await viewers.open(origin, journalInView);
      try {
        const before = v.reads();
        const cpu0 = v.cpu();
        const r = await measured(mock, port, seconds);
        const cpu1 = v.cpu();
        return { ...r, pageReadsPerSec: (v.reads() - before) / seconds, pageCpuShare: cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) / seconds };
      } finally {
        await v.close();
      }
    };
    const specs: Spec[] = [
      { name: 'SOAP 1.1 GetStatus, no page open', run: (s) => measured(mock, port, s) },
      { name: 'SOAP 1.1 GetStatus, one dashboard open', run: withPage(false) },
      { name: 'SOAP 1.1 GetStatus, dashboard on the journal', run: withPage(true) },
      ...(baseline ? [{ name: 'SOAP 1.1 GetStatus, baseline build', run: (s: number) => measured(baseline, basePort, s) }] : []),
    ];
    if (d.warmup > 0) for (const s of specs) await s.run(d.warmup);
    const per = specs.map(() => [] as Measured[]);
    for (let round = 0; round < d.rounds; round++) {
      // Alternate the order, so neither side always runs on a warmer (or more loaded) machine.
      const order = specs.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        const r = await specs[i]!.run(d.duration);
        per[i]!.push(r);
        d.log(
          `dashboard round ${round + 1}/${d.rounds} ${specs[i]!.name.padEnd(40)} ${Math.round(r.reqPerSec).toLocaleString('en-US').padStart(7)} req/s  ` +
            `p99 ${r.p99Ms.toFixed(2)} ms  errors ${r.errors}  server CPU ${r.cpuUsPerRequest === null ? '?' : r.cpuUsPerRequest.toFixed(0)} us/request` +
            `${r.pageReadsPerSec !== undefined ? `  page reads ${r.pageReadsPerSec.toFixed(1)}/s` : ''}${r.pageCpuShare != null ? `  browser CPU ${(r.pageCpuShare * 100).toFixed(0)}% of a core` : ''}`,
        );
      }
    }
    const rows = specs.map((s, i) => ({
      target: s.name,
      reqPerSec: per[i]!.map((r) => Math.round(r.reqPerSec)),
      p99Ms: per[i]!.map((r) => Math.round(r.p99Ms * 100) / 100),
      errors: per[i]!.reduce((a, r) => a + r.errors, 0),
      serverCpuUsPerRequest: per[i]!.map((r) => (r.cpuUsPerRequest === null ? null : Math.round(r.cpuUsPerRequest))),
      ...(per[i]![0]!.pageReadsPerSec !== undefined ? { pageReadsPerSec: per[i]!.map((r) => Math.round(r.pageReadsPerSec! * 10) / 10) } : {}),
      ...(per[i]![0]!.pageCpuShare != null ? { browserCpuShare: per[i]!.map((r) => Math.round((r.pageCpuShare ?? 0) * 100) / 100) } : {}),
    }));
    // Round by round ratios; the judged one is the median round's (the lower middle for two).
    const ratios = (a: number, b: number) => per[a]!.map((r, k) => r.reqPerSec / per[b]![k]!.reqPerSec);
    const judged = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)]!;
    const targets: DashboardBenchResult['targets'] = [];
    if (baseline) {
      const r = ratios(0, 3);
      targets.push({ target: 'dashboard: GetStatus, no page open, >= 98% of the baseline build (same rounds)', value: `${pct(judged(r))} (rounds: ${r.map(pct).join(', ')})`, pass: judged(r) >= 0.98 });
    } else {
      targets.push({ target: 'dashboard: GetStatus, no page open, against the baseline build', value: 'not judged: set BENCH_BASELINE_MAIN to the build before the dashboard', pass: null });
    }
    const open = ratios(1, 0);
    targets.push({ target: 'dashboard: GetStatus with one page open >= 90% of no page (same rounds)', value: `${pct(judged(open))} (rounds: ${open.map(pct).join(', ')})`, pass: judged(open) >= 0.9 });
    const onJournal = ratios(2, 0);
    targets.push({ target: 'dashboard: GetStatus with one page on the journal >= 90% of no page (same rounds)', value: `${pct(judged(onJournal))} (rounds: ${onJournal.map(pct).join(', ')})`, pass: judged(onJournal) >= 0.9 });
    const cpu = (i: number) => per[i]!.map((r) => r.cpuUsPerRequest).filter((x): x is number => x !== null);
    if (cpu(0).length && cpu(2).length) {
      const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)]!;
      // The mock's own cost of a page, free of the CPU the browser takes from a shared machine.
      targets.push({ target: 'dashboard: server CPU per GetStatus, page on the journal / no page (median rounds)', value: `${(med(cpu(2)) / med(cpu(0))).toFixed(3)} (${med(cpu(2)).toFixed(0)} / ${med(cpu(0)).toFixed(0)} us)`, pass: null });
    }
    const lines = [
      '',
      `the dashboard (issue 12); the open page is ${viewers.name}`,
      ...rows.map(
        (r) =>
          `  ${r.target.padEnd(42)} req/s by round ${r.reqPerSec.map((x) => x.toLocaleString('en-US')).join(', ')}  p99 ms ${r.p99Ms.join(', ')}  errors ${r.errors}` +
          `  server CPU us/request ${r.serverCpuUsPerRequest.map((x) => x ?? '?').join(', ')}` +
          (r.pageReadsPerSec ? `  page reads/s ${r.pageReadsPerSec.join(', ')}` : '') +
          (r.browserCpuShare ? `  browser CPU (cores) ${r.browserCpuShare.join(', ')}` : ''),
      ),
    ];
    return { viewer: viewers.name, rows, targets, lines };
  } finally {
    await Promise.all([d.stop(mock), ...(baseline ? [d.stop(baseline)] : [])]);
    await viewers.shutdown();
  }
}
