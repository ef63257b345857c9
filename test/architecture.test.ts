// The layout's rules, checked on the source: the control core imports no adapter, arrows between
// folders never form a cycle, and no type is written by hand twice beside its JSON Schema.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { schemas } from '../server/schemas/schemas';

const SERVER = path.resolve(__dirname, '../server');

function sources(dir = SERVER): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.generated.ts') ? [full] : [];
  });
}

/** Every module a file loads: static imports, re-exports, require() and import(). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  const forms = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|require\('([^']+)'\)|import\('([^']+)'\)/g;
  for (const m of text.matchAll(forms)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  return out;
}

/** A file's place in the layout: its folder under server/, or the file itself at the root. */
const unitOf = (file: string): string => {
  const rel = path.relative(SERVER, file);
  return rel.includes(path.sep) ? rel.split(path.sep)[0]! + '/' : rel;
};

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  throw new Error(`${path.relative(SERVER, from)}: cannot resolve ${spec}`);
}

const files = sources();
const edges = new Map<string, Set<string>>();
const imports = new Map<string, string[]>();
for (const file of files) {
  imports.set(file, importsOf(file));
  for (const spec of imports.get(file)!) {
    const target = resolveLocal(file, spec);
    if (!target) continue;
    const [a, b] = [unitOf(file), unitOf(target)];
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  }
}

describe('architecture', () => {
  it('finds the layout it checks (so the checks below can fail)', () => {
    const units = new Set(files.map(unitOf));
    for (const folder of ['batches/', 'rules/', 'control/', 'http/', 'soap/', 'admin/', 'schemas/', 'log/']) assert.ok(units.has(folder), folder);
    assert.ok(edges.get('soap/')!.has('control/'), 'the ASMX adapter calls the control core');
    assert.ok(files.length > 40);
  });

  it('control/ imports nothing of soap/, admin/, http/ or node:http', () => {
    for (const file of files.filter((f) => unitOf(f) === 'control/')) {
      for (const spec of imports.get(file)!) {
        const target = resolveLocal(file, spec);
        const where = `${path.relative(SERVER, file)} imports ${spec}`;
        assert.ok(!['node:http', 'http', 'express'].includes(spec), where);
        if (target) assert.ok(!['soap/', 'admin/', 'http/'].includes(unitOf(target)), where);
      }
    }
  });

  it('the domain (batches/, rules/) imports no adapter and no control code', () => {
    for (const file of files.filter((f) => ['batches/', 'rules/'].includes(unitOf(f)))) {
      for (const spec of imports.get(file)!) {
        const target = resolveLocal(file, spec);
        if (target) assert.ok(!['soap/', 'admin/', 'http/', 'control/'].includes(unitOf(target)), `${path.relative(SERVER, file)} imports ${spec}`);
      }
    }
  });

  it('no import cycle between folders (root files count one by one)', () => {
    const state = new Map<string, 'open' | 'done'>();
    const visit = (unit: string, trail: string[]): void => {
      if (state.get(unit) === 'done') return;
      if (state.get(unit) === 'open') assert.fail(`import cycle: ${[...trail.slice(trail.indexOf(unit)), unit].join(' -> ')}`);
      state.set(unit, 'open');
      for (const next of edges.get(unit) ?? []) visit(next, [...trail, unit]);
      state.set(unit, 'done');
    };
    for (const unit of edges.keys()) visit(unit, []);
  });

  it('no hand-written twin of a JSON Schema type', () => {
    // Domain types that share a schema's name, and why that is no twin.
    const owned: Record<string, string> = {
      'batches/model.ts Status': 'the enum the schema is built from',
      'batches/model.ts ErrorCode': 'the enum the schema is built from',
      'batches/model.ts Stage': 'the enum the schema is built from',
      'batches/model.ts Operation': 'the enum the schema is built from',
      'batches/model.ts Protocol': 'the enum the schema is built from',
      'batches/model.ts Outcome': 'domain-owned; schemas/types.ts proves the schema equal',
      'batches/model.ts TimingPlan': 'domain-owned; schemas/types.ts proves the schema equal',
      'batches/model.ts ActivityMetadata': 'domain-owned (the SOAP header); proven equal to WireActivityMetadata',
      'batches/model.ts FileReference': "the wire's PascalCase fields; the schema is the camelCase JSON",
      'batches/model.ts Batch': "the stored facts; the schema is the admin view's shape (ISO times, derived status)",
      'batches/store.ts HistoryEntry': 'stored rows in virtual ms; the schema is the ISO view',
      'batches/clock.ts ClockState': 'domain-owned; schemas/types.ts proves the schema equal',
      'admin/problem.ts Problem': 'the error class that is written as the Problem schema',
    };
    const names = Object.keys(schemas);
    const found: string[] = [];
    for (const file of files.filter((f) => unitOf(f) !== 'schemas/')) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:export\s+)?(?:interface|type|class)\s+(\w+?)(?:Json)?\b[\s<={]/g)) {
        if (!names.includes(m[1]!)) continue;
        const key = `${path.relative(SERVER, file)} ${m[1]}`;
        found.push(key);
        assert.ok(key in owned, `${key}: a hand-written type beside the schema of the same name; derive it in schemas/types.ts`);
      }
    }
    assert.ok(found.includes('batches/model.ts Outcome'), 'the scan finds declarations');
  });
});
