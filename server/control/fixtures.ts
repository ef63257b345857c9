// Fixture files: JSON in FIXTURES_DIR, loaded in name order at start and on reset. Each may give
// known OCR profiles, default stage timings, seeded batches and rules. A bad file stops start-up
// with the file, the JSON pointer and the reason.
import fs from 'node:fs';
import path from 'node:path';
import { StageTimings } from '../batches/model';
import { FixtureError, RuleError, ValidationError } from '../errors';
import type * as Validate from '../schemas/validate';
import { RuleBook } from '../rules/engine';
import type { BatchSeed, Fixture, RuleInput } from '../schemas/types';

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
  const scratch = new RuleBook(Date.now);
  fixture.rules?.forEach((r, i) => {
    const here = `${at}/rules/${i}`;
    try {
      scratch.add(r, 'check');
    } catch (err) {
      if (err instanceof RuleError) throw new ValidationError(`${here}${err.path}: ${err.reason}`, `${here}${err.path}`);
      throw new ValidationError(`${here}: ${(err as Error).message}`, here);
    }
  });
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

function parseFile(file: string, shown: string): Fixture {
  const text = fs.readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const m = /position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : /end of JSON input/.test(message) ? text.length : null;
    throw new FixtureError(`${shown}: not valid JSON${offset !== null ? ` at ${lineCol(text, offset)}` : ''}: ${message}`);
  }
  // ajv loads only when there is a fixture file to check.
  const { validate } = require('../schemas/validate') as typeof Validate;
  try {
    const fixture = validate('Fixture', json);
    checkRules(fixture, '');
    return fixture;
  } catch (err) {
    if (err instanceof ValidationError) throw new FixtureError(`${shown}: ${err.message}`);
    throw err;
  }
}

/**
 * `dir` null means "./fixtures if it exists"; "none" means no fixtures; any other path must exist.
 */
export function loadFixtures(dir: string | null): FixtureSet {
  if (dir === 'none') return EMPTY_FIXTURES;
  const resolved = path.resolve(dir ?? './fixtures');
  if (!fs.existsSync(resolved)) {
    if (dir === null) return EMPTY_FIXTURES;
    throw new FixtureError(`FIXTURES_DIR ${dir} does not exist`);
  }
  if (!fs.statSync(resolved).isDirectory()) throw new FixtureError(`FIXTURES_DIR ${dir} is not a directory`);
  const names = fs
    .readdirSync(resolved)
    .filter((n) => n.endsWith('.json'))
    .sort();
  const set: FixtureSet = { files: [], profiles: null, timings: {}, batches: [], rules: [] };
  for (const name of names) {
    const shown = path.join(dir ?? 'fixtures', name);
    const f = parseFile(path.join(resolved, name), shown);
    set.files.push(shown);
    addFixture(set, f, shown);
  }
  return set;
}
