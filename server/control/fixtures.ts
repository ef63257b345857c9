// Fixture files: JSON in FIXTURES_DIR, loaded in name order at start and on reset. Each may give
// known OCR profiles, default stage timings, seeded batches and rules. A bad file stops start-up
// with the file, the JSON pointer and the reason.
import fs from 'node:fs';
import path from 'node:path';
import { StageTimings } from '../batches/model';
import { DuplicateRuleError, FixtureError, RuleError, ValidationError } from '../errors';
import type * as Validate from '../schemas/validate';
import { RuleBook } from '../rules/engine';
import { seedProblems } from './seeds';
import type { BatchSeed, Fixture, FixtureProblem, RuleInput } from '../schemas/types';

export interface FixtureSet {
  files: string[];
  profiles: string[] | null;
  timings: Partial<StageTimings>;
  batches: { seed: BatchSeed; source: string }[];
  rules: { rule: RuleInput; source: string }[];
}

export const EMPTY_FIXTURES: FixtureSet = { files: [], profiles: null, timings: {}, batches: [], rules: [] };

/**
 * Checks a fixture's rules as the rule book will (one effect, a valid regex, unique ids, ...);
 * `at` is the fixture's JSON pointer, for the error's.
 */
export function checkRules(fixture: Fixture, at: string): void {
  const [first] = ruleProblems(fixture.rules ?? [], () => true);
  if (first) throw new ValidationError(`${at}${first.pointer}: ${first.message}`, `${at}${first.pointer}`);
}

/** Adds a fixture's contents to a set, each item marked with where it came from. */
export function addFixture(set: FixtureSet, f: Fixture, source: string): void {
  if (f.profiles) set.profiles = [...(set.profiles ?? []), ...f.profiles];
  if (f.timings) set.timings = { ...set.timings, ...f.timings };
  for (const seed of f.batches ?? []) set.batches.push({ seed, source });
  for (const rule of f.rules ?? []) set.rules.push({ rule, source });
}

/** The line and column of a character offset, for JSON syntax errors. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** Parses and checks one file, listing every problem found (none: the fixture it holds). */
function checkFile(file: string, shown: string): { fixture: Fixture | null; json: unknown; problems: FixtureProblem[] } {
  const whole = (message: string) => ({ fixture: null, json: null, problems: [{ file: shown, pointer: null, message }] });
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return whole(`cannot be read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const m = /position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : /end of JSON input/.test(message) ? text.length : null;
    return whole(`not valid JSON${offset !== null ? ` at ${lineCol(text, offset)}` : ''}: ${message}`);
  }
  // ajv's generated validators load only when there is a fixture file to check.
  const { schemaProblems } = require('../schemas/validate') as typeof Validate;
  const problems: FixtureProblem[] = schemaProblems('Fixture', json).map((p) => ({ file: shown, ...p }));
  // The rules the schema accepted are checked as the rule book would, so one pass lists both kinds.
  for (const p of ruleProblems(listOf(json, 'rules') as RuleInput[], (i) => untouched(problems, `/rules/${i}`))) problems.push({ file: shown, ...p });
  // So are the batches, as seeding them would (errorCode without status, an outcome with both at and during, ...).
  listOf(json, 'batches').forEach((b, i) => {
    if (!untouched(problems, `/batches/${i}`)) return;
    for (const p of seedProblems(b as BatchSeed)) problems.push({ file: shown, pointer: `/batches/${i}${p.pointer}`, message: p.message });
  });
  return { fixture: problems.length ? null : (json as Fixture), json, problems };
}

/** The list under `key` of a parsed fixture file, whatever else is wrong with it ([] when there is none). */
function listOf(json: unknown, key: 'rules' | 'batches'): unknown[] {
  const list = json !== null && typeof json === 'object' ? (json as Record<string, unknown>)[key] : undefined;
  return Array.isArray(list) ? list : [];
}

/** Whether no problem found so far points into `pointer` (then its own checks are worth running). */
const untouched = (problems: FixtureProblem[], pointer: string) =>
  !problems.some((p) => p.pointer === pointer || (p.pointer ?? '').startsWith(`${pointer}/`));

/** Every rule of a fixture that the rule book would refuse, each with its pointer and reason. */
function ruleProblems(rules: RuleInput[], accepted: (index: number) => boolean): { pointer: string; message: string }[] {
  const out: { pointer: string; message: string }[] = [];
  const scratch = new RuleBook(Date.now);
  rules.forEach((r, i) => {
    if (!accepted(i)) return;
    const here = `/rules/${i}`;
    try {
      scratch.add(r, 'check');
    } catch (err) {
      if (err instanceof RuleError) out.push({ pointer: `${here}${err.path}`, message: err.reason });
      else if (err instanceof DuplicateRuleError) out.push({ pointer: `${here}/id`, message: `rule id "${err.id}" is used by an earlier rule` });
      else out.push({ pointer: here, message: (err as Error).message });
    }
  });
  return out;
}

/** What reading a fixture folder gave: the set to apply, or every problem found (then nothing applies). */
export interface FixtureCheck {
  set: FixtureSet;
  problems: FixtureProblem[];
}

/**
 * Reads and checks every fixture file of a folder, as start-up, reset and reload do: all problems
 * are listed (each file, and each mistake within it), including rule ids or batch ids that two
 * files both define. `dir` null means "./fixtures if it exists"; "none" means no fixtures.
 */
export function checkFixtures(dir: string | null): FixtureCheck {
  if (dir === 'none') return { set: EMPTY_FIXTURES, problems: [] };
  const resolved = path.resolve(dir ?? './fixtures');
  const folder = (message: string): FixtureCheck => ({ set: EMPTY_FIXTURES, problems: [{ file: dir!, pointer: null, message }] });
  if (!fs.existsSync(resolved)) {
    if (dir === null) return { set: EMPTY_FIXTURES, problems: [] };
    return folder(`FIXTURES_DIR ${dir} does not exist`);
  }
  if (!fs.statSync(resolved).isDirectory()) return folder(`FIXTURES_DIR ${dir} is not a directory`);
  const names = fs
    .readdirSync(resolved)
    .filter((n) => n.endsWith('.json'))
    .sort();
  const set: FixtureSet = { files: [], profiles: null, timings: {}, batches: [], rules: [] };
  const problems: FixtureProblem[] = [];
  const ruleIds = new Map<string, string>();
  const batchIds = new Map<string, string>();
  for (const name of names) {
    const shown = path.join(dir ?? 'fixtures', name);
    const { fixture, json, problems: found } = checkFile(path.join(resolved, name), shown);
    problems.push(...found);
    // Ids must be unique across the files too: the rule book and the store would refuse the second.
    // (Checked on every id that reads as one, so a file with other problems still gets this said.)
    const idOf = (item: unknown): unknown => (item !== null && typeof item === 'object' ? (item as { id?: unknown }).id : undefined);
    listOf(json, 'rules').forEach((r, i) => {
      const id = idOf(r);
      if (typeof id !== 'string') return;
      const first = ruleIds.get(id);
      if (first && first !== shown) problems.push({ file: shown, pointer: `/rules/${i}/id`, message: `rule id "${id}" is already defined in ${first}` });
      else ruleIds.set(id, shown);
    });
    listOf(json, 'batches').forEach((b, i) => {
      const raw = idOf(b);
      if (typeof raw !== 'string' || !/^[0-9]{1,19}$/.test(raw)) return;
      const id = BigInt(raw).toString();
      const first = batchIds.get(id);
      if (first) problems.push({ file: shown, pointer: `/batches/${i}/id`, message: `batch id ${id} is already defined in ${first}` });
      else batchIds.set(id, shown);
    });
    if (!fixture) continue;
    set.files.push(shown);
    addFixture(set, fixture, shown);
  }
  return problems.length ? { set: EMPTY_FIXTURES, problems } : { set, problems };
}

/** The fixtures of a folder (see checkFixtures), or a FixtureError listing every problem. */
export function loadFixtures(dir: string | null): FixtureSet {
  const { set, problems } = checkFixtures(dir);
  if (problems.length) throw new FixtureError(problems);
  return set;
}

/**
 * Calls `onChange` once a change to a folder's files has settled (editors write a file in several
 * steps, and saving several files should reload once). Returns the function that stops watching.
 */
export function watchFixtures(dir: string, onChange: () => void, settleMs = 150): () => void {
  let timer: NodeJS.Timeout | null = null;
  const watcher = fs.watch(path.resolve(dir), { persistent: false }, () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, settleMs);
  });
  // A watch that breaks (the folder removed) must not bring the mock down: reloads just stop.
  watcher.on('error', () => watcher.close());
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
