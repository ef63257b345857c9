// Where the time goes (issue 17): a server's CPU from /proc, and V8 CPU profiles (--cpu-prof) read
// into the top self-time functions and a per-request budget by part of the pipeline.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** utime and stime of a process, in clock ticks (cpuTicks.hz a second); null once it is gone. */
export function cpuTicks(pid: number): { utime: number; stime: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { utime: Number(f[11]), stime: Number(f[12]) };
  } catch {
    return null;
  }
}
cpuTicks.hz = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Now on V8's profile clock (CLOCK_MONOTONIC, µs): the same clock as process.hrtime on Linux. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * Reads a .cpuprofile, keeping only the samples taken in [fromUs, toUs] (monotonicUs()): the
 * measured load, without the start-up and warm-up the profile also holds.
 */
export function readProfile(file: string, fromUs = -Infinity, toUs = Infinity): Profile {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const samples: number[] = [];
  const deltas: number[] = [];
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t >= fromUs && t <= toUs) {
      samples.push(p.samples[i]!);
      deltas.push(p.timeDeltas[i] ?? 0);
    }
  }
  return { ...p, samples, timeDeltas: deltas, startTime: Math.max(p.startTime, fromUs), endTime: Math.min(p.endTime, toUs) };
}

/** V8's pseudo-frames that are not work of the process's own. */
const IDLE = new Set(['(idle)']);

/** The parts of a request's CPU, by the first frame up the stack that belongs to one. */
export const PARTS = ['parse', 'store', 'serialise', 'log', 'journal', 'adapter', 'node core', 'gc', 'other'] as const;
export type Part = (typeof PARTS)[number];

/** Which part a frame belongs to (null: none of its own; the caller's part then counts). */
function partOf(f: CallFrame): Part | null {
  const u = f.url;
  if (f.functionName === '(garbage collector)') return 'gc';
  if (u === '') return null;
  if (/\/server\/soap\/(fastxml|xml|decode|envelope)\.|\/node_modules\/saxes\//.test(u)) return 'parse';
  if (/\/server\/batches\/|\/node_modules\/better-sqlite3\//.test(u)) return 'store';
  if (/\/server\/soap\/(responses|faults|dotnet)\.|\/server\/http\/(reply|delivery)\./.test(u)) return 'serialise';
  if (/\/server\/log\/|\/server\/http\/request-log\.|\/node_modules\/(pino|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|safe-stable-stringify|on-exit-leak-free|atomic-sleep)/.test(u)) return 'log';
  if (/\/server\/control\//.test(u)) return 'journal';
  if (/\/server\//.test(u)) return 'adapter';
  return null;
}

function index(p: Profile): { byId: Map<number, ProfileNode>; parent: Map<number, number>; ms: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return { byId, parent, ms: (p.endTime - p.startTime) / 1000 / Math.max(1, p.samples.length) };
}

/** The functions with the most self time (samples where they were on top), busy samples only. */
export function topSelf(p: Profile, n: number): { name: string; where: string; pct: number }[] {
  const { byId } = index(p);
  const counts = new Map<string, { name: string; where: string; n: number }>();
  let busy = 0;
  for (const id of p.samples) {
    const f = byId.get(id)!.callFrame;
    if (IDLE.has(f.functionName)) continue;
    busy++;
    const where = f.url ? `${f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|server|dist)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const c = counts.get(key) ?? { name: f.functionName || '(anonymous)', where, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  return [...counts.values()]
    .sort((a, b) => b.n - a.n)
    .slice(0, n)
    .map((c) => ({ name: c.name, where: c.where, pct: (100 * c.n) / Math.max(1, busy) }));
}

/**
 * The busy samples by part: each sample goes to the first frame, from the top of its stack down,
 * that belongs to a part (node's own http, net and stream code called from ours counts as ours:
 * writing an answer is serialising it; with none of ours on the stack it is 'node core').
 */
export function partShares(p: Profile): Record<Part, number> {
  const { byId, parent } = index(p);
  const memo = new Map<number, Part>();
  const counts = Object.fromEntries(PARTS.map((k) => [k, 0])) as Record<Part, number>;
  let busy = 0;
  const resolve = (id: number): Part => {
    const hit = memo.get(id);
    if (hit) return hit;
    const node = byId.get(id)!;
    const f = node.callFrame;
    let part: Part | null = partOf(f);
    if (part === null) {
      const up = parent.get(id);
      if (up === undefined || byId.get(up)!.callFrame.functionName === '(root)') part = f.functionName === '(program)' ? 'other' : 'node core';
      else part = resolve(up);
    }
    memo.set(id, part);
    return part;
  };
  for (const id of p.samples) {
    if (IDLE.has(byId.get(id)!.callFrame.functionName)) continue;
    busy++;
    counts[resolve(id)]++;
  }
  for (const k of PARTS) counts[k] = counts[k] / Math.max(1, busy);
  return counts;
}

/** µs of CPU per request by part: the user time split as the profile's busy samples are, and the kernel's. */
export function profileBudget(p: Profile, userUsPerReq: number, sysUsPerReq: number): Record<Part | 'kernel' | 'total', number> {
  const shares = partShares(p);
  const out = {} as Record<Part | 'kernel' | 'total', number>;
  for (const k of PARTS) out[k] = shares[k] * userUsPerReq;
  out.kernel = sysUsPerReq;
  out.total = userUsPerReq + sysUsPerReq;
  return out;
}
