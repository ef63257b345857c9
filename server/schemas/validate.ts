// Validates admin request bodies and fixture files against the shared schemas (compiled ahead of
// time into validators.generated.ts), reporting the first problem with a JSON pointer to it.
import { ValidationError } from '../errors';
import * as generated from './validators.generated';
import { HEADER_VALUE_PATTERN, TransportFault } from './schemas';
import type { BatchPatch, BatchSeed, ClockCommand, Fixture, NamespaceInput, ResetCommand, RuleInput, VerifyRequest } from './types';

/** The schemas requests and fixture files are checked against, with the types they prove. */
export interface Validated {
  Fixture: Fixture;
  RuleInput: RuleInput;
  BatchSeed: BatchSeed;
  BatchPatch: BatchPatch;
  ClockCommand: ClockCommand;
  ResetCommand: ResetCommand;
  NamespaceInput: NamespaceInput;
  VerifyRequest: VerifyRequest;
}


interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
type Validator = ((value: unknown) => boolean) & { errors?: AjvError[] | null };

/** One failed check: where (a JSON pointer into the value) and why. */
export interface SchemaProblem {
  pointer: string;
  message: string;
}

/** An ajv error in our words: the pointer names the offending field itself where ajv names its parent. */
function describe(err: AjvError): SchemaProblem {
  let pointer = err.instancePath || '';
  let message = err.message ?? 'is invalid';
  if (err.keyword === 'additionalProperties') {
    const extra = err.params['additionalProperty'] as string;
    pointer = `${pointer}/${extra}`;
    message = `unknown field "${extra}"`;
  } else if (err.keyword === 'enum') {
    message = `must be one of ${(err.params['allowedValues'] as unknown[]).join(', ')}`;
  } else if (err.keyword === 'discriminator') {
    const branches = TransportFault.oneOf.map((b) => b.properties.type.const);
    pointer = `${pointer}/type`;
    message = `must be one of ${branches.join(', ')}`;
  } else if (err.keyword === 'pattern' && err.params['pattern'] === HEADER_VALUE_PATTERN) {
    message = 'must be usable as an HTTP header value (no CR, LF or other control characters)';
  } else if (err.keyword === 'required') {
    message = `missing required field "${err.params['missingProperty'] as string}"`;
  }
  return { pointer, message };
}

/** Throws a ValidationError unless `value` satisfies the named schema. */
export function validate<K extends keyof Validated>(schemaName: K, value: unknown): Validated[K] {
  const check = (generated as unknown as Record<string, Validator>)[schemaName]!;
  if (check(value)) return value as Validated[K];
  const { pointer, message } = describe(check.errors![0]!);
  throw new ValidationError(`${pointer || '/'}: ${message}`, pointer);
}

/**
 * Every problem `value` has against the named schema (empty: it is valid), in document order, for
 * reports that list them all (fixture lint and reload). Loads a second generated module on first use.
 */
export function schemaProblems(schemaName: 'Fixture', value: unknown): SchemaProblem[] {
  const all = require('./validators-all-errors.generated') as Record<string, Validator>;
  const check = all[schemaName]!;
  if (check(value)) return [];
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const err of check.errors!) {
    const p = describe(err);
    const key = `${p.pointer}\0${p.message}`;
    if (!seen.has(key)) out.push(p);
    seen.add(key);
  }
  return out;
}
