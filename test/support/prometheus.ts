// A strict reader of the Prometheus text exposition format (0.0.4), for the metrics tests: it
// refuses what a Prometheus server would refuse (a sample outside its family, a malformed line, a
// bad label, a repeated series, a histogram whose buckets are not cumulative or whose +Inf bucket
// is not its count), and returns every family with its samples.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** As Prometheus reads values (Go's ParseFloat): NaN and Inf in any case (prom-client writes "Nan"). */
function parseValue(raw: string, line: string): number {
  if (/^\+?inf(inity)?$/i.test(raw)) return Infinity;
  if (/^-inf(inity)?$/i.test(raw)) return -Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`bad value '${raw}' in: ${line}`);
  return Number(raw);
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`bad labels in: ${line}`);
    const name = text.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name '${name}' in: ${line}`);
    if (text[eq + 1] !== '"') throw new Error(`label value not quoted in: ${line}`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const n = text[j + 1];
        if (n === 'n') value += '\n';
        else if (n === '\\' || n === '"') value += n;
        else throw new Error(`bad escape \\${n} in: ${line}`);
        j += 2;
        continue;
      }
      if (c === '\n') throw new Error(`raw newline in a label value: ${line}`);
      value += c;
      j++;
    }
    if (name in labels) throw new Error(`label ${name} twice in: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`expected , between labels in: ${line}`);
  }
  return labels;
}

export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | null = null;
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
    return f;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!NAME.test(name!)) throw new Error(`bad metric name in: ${line}`);
      const f = family(name!);
      if (f.samples.length) throw new Error(`${kind} after samples of ${name}`);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest!)) throw new Error(`bad type in: ${line}`);
        f.type = rest as Family['type'];
      } else f.help = rest!;
      current = f;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) throw new Error(`malformed sample line: ${line}`);
    const [, name, labelText, value] = m;
    const base =
      current && (name === current.name || (current.type === 'histogram' && [`${current.name}_bucket`, `${current.name}_sum`, `${current.name}_count`].includes(name!)))
        ? current
        : null;
    if (!base) throw new Error(`sample ${name} outside its family (after ${current?.name ?? 'nothing'})`);
    const sample: Sample = { name: name!, labels: labelText ? parseLabels(labelText, line) : {}, value: parseValue(value!, line) };
    const key = `${name}{${Object.entries(sample.labels).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (series.has(key)) throw new Error(`series twice: ${key}`);
    series.add(key);
    if (base.type === 'counter' && !(sample.value >= 0)) throw new Error(`a counter below 0: ${line}`);
    base.samples.push(sample);
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(key) ?? groups.set(key, { buckets: [] }).get(key)!;
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${s.name} without le`);
      g.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (s.name.endsWith('_count')) g.count = s.value;
    else if (s.name.endsWith('_sum')) g.sum = s.value;
  }
  for (const [key, g] of groups) {
    const sorted = [...g.buckets].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]![1] < sorted[i - 1]![1]) throw new Error(`${f.name} ${key}: buckets not cumulative`);
    const inf = sorted.at(-1);
    if (!inf || inf[0] !== Infinity) throw new Error(`${f.name} ${key}: no +Inf bucket`);
    if (g.count !== inf[1]) throw new Error(`${f.name} ${key}: +Inf bucket ${inf[1]} is not the count ${g.count}`);
    if (g.sum === undefined) throw new Error(`${f.name} ${key}: no _sum`);
  }
}

/** The value of the one sample of `name` whose labels include `labels` (undefined: none; two or more: an error). */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
