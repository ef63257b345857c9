// The rule book: holds rules in order and decides, per request, which of them act. Deterministic:
// counters and seeded random streams make the same requests give the same decisions every run.
import { ActivityMetadata } from '../batches/model';
import { DuplicateRuleError, RuleError } from '../errors';
import { BatchEffects, outcomeOf, outcomeSpecProblem } from '../batches/model';
import type { RuleExplanation } from '../schemas/types';
import { Rule, RuleInput, RuleMatch, TransportFault, isBatchEffect } from './model';

/** The request facts rules match on. */
export interface RuleFacts {
  operation: 'FileBatch' | 'GetStatus';
  protocol: string | null;
  batchId: string | null;
  externalContext: string | null;
  fileName: string | null;
  ocrProfile: string | null;
  putModel: string | null;
  soapAction: string | null;
  metadata: ActivityMetadata | null;
}

export interface RuleVerdict {
  effects: BatchEffects;
  fault: TransportFault | null;
  /** The rule whose fault applies, for its seeded draws (delay ranges). */
  faultRuleId: string | null;
  ruleIds: string[];
  /** How every rule fared, in order: what a near-miss explanation is rendered from, when asked. */
  checks: RuleCheck[];
}

/**
 * How one rule fared against one request, as the matcher knew it (nothing is rendered here):
 * `code` is FIRED; a match condition that failed (> 0; `n` the metadata field's index for
 * METADATA); or why a matching rule did not act (< 0; `n` the count or rule it refers to).
 */
export interface RuleCheck {
  rule: Rule;
  code: number;
  n: number | string;
}

export const FIRED = 0;

/** Whether the rule matched the request (whether or not it then acted). */
export const matchedCheck = (c: RuleCheck): boolean => c.code === FIRED || (c.code < 0 && c.code !== FAULT_TAKEN);
// The match conditions, in the order they are tried.
const OPERATION = 1;
const PROTOCOL = 2;
const BATCH_ID = 3;
const SOAP_ACTION = 4;
const OCR_PROFILE = 5;
const PUT_MODEL = 6;
const EXTERNAL_CONTEXT = 7;
const FILE_NAME = 8;
const METADATA = 9;
const BATCH_EFFECT = 10;
// A rule that matched but did not act.
const AFTER = -1;
const TIMES = -2;
const PROBABILITY = -3;
/** Not tried: an earlier rule's transport fault already answers the request (`n`: its id). */
const FAULT_TAKEN = -4;

const shown = (v: string | number | null | undefined) => (v === null || v === undefined ? null : String(v));

/** Renders a check against the facts the rule saw (only when someone asks for it). */
export function describeCheck(check: RuleCheck, facts: RuleFacts): RuleExplanation {
  const { rule, code, n } = check;
  const m = rule.match;
  const view = (condition: string | null, expected: string | null, actual: string | null, text: string, matched = false): RuleExplanation => ({
    rule: rule.id,
    matched,
    fired: false,
    condition,
    expected,
    actual,
    text,
  });
  const equal = (condition: string, want: string | number, have: string | null) =>
    view(condition, String(want), have, `${condition}: expected ${want}, was ${have === null ? 'none' : have}`);
  switch (code) {
    case FIRED:
      return { ...view(null, null, null, 'matched and fired', true), fired: true };
    case OPERATION:
      return equal('operation', m.operation!, facts.operation);
    case PROTOCOL:
      return equal('protocol', m.protocol!, facts.protocol);
    case BATCH_ID:
      return equal('batchId', m.batchId!, facts.batchId);
    case SOAP_ACTION:
      return equal('soapAction', m.soapAction!, facts.soapAction);
    case OCR_PROFILE:
      return equal('ocrProfile', m.ocrProfile!, facts.ocrProfile);
    case PUT_MODEL:
      return equal('putModel', m.putModel!, facts.putModel);
    case EXTERNAL_CONTEXT: {
      const want = `regex ${m.externalContext}`;
      const have = facts.externalContext;
      return view('externalContext', want, have, have === null ? `externalContext: ${want}: the request has no ExternalContext` : `externalContext: ${want} did not match ${have}`);
    }
    case FILE_NAME: {
      const want = `glob ${m.fileName}`;
      const have = facts.fileName;
      return view('fileName', want, have, have === null ? `fileName: ${want}: the request has no InputFile/FileName` : `fileName: ${want} did not match ${have}`);
    }
    case METADATA: {
      const [key, want] = Object.entries(m.metadata ?? {})[n as number] ?? ['?', '?'];
      const have = shown(facts.metadata?.[META_KEYS[key]!]);
      return view(`metadata.${key}`, String(want), have, `metadata.${key}: expected ${want}, was ${have === null ? 'absent' : have}`);
    }
    case BATCH_EFFECT: {
      const effect = rule.outcome ? 'outcome' : rule.timings ? 'timings' : 'hold';
      return view('operation', 'FileBatch', facts.operation, `operation: a batch effect (${effect}) acts on the batch FileBatch creates; this was ${facts.operation}`);
    }
    case AFTER:
      return view('after', String(rule.after), String(n), `matched, but after: ${rule.after} skips the first ${rule.after} matches (this was match ${n})`, true);
    case TIMES:
      return view('times', String(rule.times), String(n), `matched, but times: ${rule.times} is used up (fired ${n} times)`, true);
    case PROBABILITY:
      return view('probability', String(rule.probability), null, `matched, but probability ${rule.probability} (seed ${rule.seed}) did not draw this one`, true);
    case FAULT_TAKEN:
      return view('order', null, String(n), `not tried: rule ${n}'s transport fault, earlier in the book, already answers this request`);
    default:
      return view(null, null, null, `unknown check ${code}`);
  }
}


/** mulberry32: tiny, fast, and good enough to make seeded chaos reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `*` any run of characters, `?` one character; everything else literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** ActivityMetadata fields by the camelCase names JSON uses for them. */
export const META_KEYS: Record<string, keyof ActivityMetadata> = {
  workflowSpaceId: 'WorkflowSpaceId',
  workflowSpaceName: 'WorkflowSpaceName',
  workflowId: 'WorkflowId',
  workflowName: 'WorkflowName',
  workflowInstanceId: 'WorkflowInstanceId',
  activityId: 'ActivityId',
  activityName: 'ActivityName',
  activityInstanceId: 'ActivityInstanceId',
  callerId: 'CallerId',
  masterWorkflowInstanceId: 'MasterWorkflowInstanceId',
};

interface Compiled {
  rule: Rule;
  externalContext: RegExp | null;
  fileName: RegExp | null;
  random: () => number;
}

function compile(rule: Rule): Compiled {
  let externalContext: RegExp | null = null;
  if (rule.match.externalContext !== undefined) {
    try {
      externalContext = new RegExp(rule.match.externalContext);
    } catch (err) {
      throw new RuleError(`not a valid regular expression: ${(err as Error).message}`, '/match/externalContext');
    }
  }
  return {
    rule,
    externalContext,
    fileName: rule.match.fileName === undefined ? null : globToRegExp(rule.match.fileName),
    random: seededRandom(rule.seed),
  };
}

function checkSemantics(input: RuleInput): void {
  const effects = (['outcome', 'timings', 'hold', 'fault'] as const).filter((k) => input[k] !== undefined);
  if (effects.length !== 1) {
    throw new RuleError(`a rule has exactly one effect (outcome, timings, hold or fault); found ${effects.length ? effects.join(', ') : 'none'}`, '');
  }
  const m = input.match ?? {};
  if (isBatchEffect(input)) {
    if (m.operation === 'GetStatus' || m.protocol === 'httpget' || m.protocol === 'httppost') {
      throw new RuleError('outcome, timings and hold act on the batch FileBatch creates: they cannot match GetStatus', '/match');
    }
    if (m.batchId !== undefined) throw new RuleError('batchId matches GetStatus requests; a batch effect cannot use it', '/match/batchId');
  }
  for (const key of Object.keys(m.metadata ?? {})) {
    if (!(key in META_KEYS)) throw new RuleError(`unknown ActivityMetadata field ${key}`, `/match/metadata/${key}`);
  }
  const f = input.fault;
  if (f?.type === 'delay') {
    const fixed = f.ms !== undefined;
    const range = f.minMs !== undefined && f.maxMs !== undefined;
    if (fixed === range) throw new RuleError('a delay has either ms, or minMs and maxMs', '/fault');
    if (range && f.minMs! > f.maxMs!) throw new RuleError('minMs must not exceed maxMs', '/fault/minMs');
  }
  const outcomeProblem = input.outcome ? outcomeSpecProblem(input.outcome) : null;
  if (outcomeProblem) throw new RuleError(outcomeProblem.message, `/outcome${outcomeProblem.pointer}`);
}

/** 0 when the rule matches, else the first condition that failed (for METADATA, `missed.n` says which field). */
function mismatch(c: Compiled, facts: RuleFacts, missed: { n: number }): number {
  const m: RuleMatch = c.rule.match;
  if (m.operation !== undefined && m.operation !== facts.operation) return OPERATION;
  if (m.protocol !== undefined && m.protocol !== facts.protocol) return PROTOCOL;
  if (m.batchId !== undefined && m.batchId !== facts.batchId) return BATCH_ID;
  if (m.soapAction !== undefined && m.soapAction !== facts.soapAction) return SOAP_ACTION;
  if (m.ocrProfile !== undefined && m.ocrProfile !== facts.ocrProfile) return OCR_PROFILE;
  if (m.putModel !== undefined && m.putModel !== facts.putModel) return PUT_MODEL;
  if (c.externalContext && (facts.externalContext === null || !c.externalContext.test(facts.externalContext))) return EXTERNAL_CONTEXT;
  if (c.fileName && (facts.fileName === null || !c.fileName.test(facts.fileName))) return FILE_NAME;
  if (m.metadata) {
    let i = 0;
    for (const [key, want] of Object.entries(m.metadata)) {
      const have = facts.metadata?.[META_KEYS[key]!];
      if (have === undefined || String(have) !== String(want)) {
        missed.n = i;
        return METADATA;
      }
      i++;
    }
  }
  // A batch effect only ever applies to the batch a FileBatch creates.
  if (isBatchEffect(c.rule) && facts.operation !== 'FileBatch') return BATCH_EFFECT;
  return 0;
}

export class RuleBook {
  private rules: Compiled[] = [];
  private nextId = 1;

  constructor(private readonly now: () => number) {}

  add(input: RuleInput, source = 'api'): Rule {
    checkSemantics(input);
    let id = input.id;
    if (id === undefined) {
      // A rule may have been given an id of this very form: skip it.
      do id = `r${this.nextId++}`;
      while (this.rules.some((c) => c.rule.id === id));
    }
    if (this.rules.some((c) => c.rule.id === id)) throw new DuplicateRuleError(id);
    const rule: Rule = {
      ...input,
      id,
      match: input.match ?? {},
      after: input.after ?? 0,
      probability: input.probability ?? 1,
      seed: input.seed ?? 1,
      createdAt: new Date(this.now()).toISOString(),
      matched: 0,
      fired: 0,
      source,
    };
    this.rules.push(compile(rule));
    return rule;
  }

  list(): Rule[] {
    return this.rules.map((c) => c.rule);
  }

  get(id: string): Rule | undefined {
    return this.rules.find((c) => c.rule.id === id)?.rule;
  }

  delete(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((c) => c.rule.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
    this.nextId = 1;
  }

  /** Removes the rules `which` accepts (in order); returns their ids. */
  removeWhere(which: (rule: Rule) => boolean): string[] {
    const removed = this.rules.filter((c) => which(c.rule)).map((c) => c.rule.id);
    if (removed.length) this.rules = this.rules.filter((c) => !which(c.rule));
    return removed;
  }

  /**
   * Puts `first` (fixture rules, new) before the rules `keep` accepts (API rules, as they are,
   * counters included); every other rule goes. Ids are checked against the kept rules.
   */
  replaceExcept(keep: (rule: Rule) => boolean, first: { rule: RuleInput; source: string }[]): void {
    const kept = this.rules.filter((c) => keep(c.rule));
    const before = this.rules;
    this.rules = [...kept];
    try {
      for (const { rule, source } of first) this.add(rule, source);
    } catch (err) {
      this.rules = before;
      throw err;
    }
    this.rules = [...this.rules.slice(kept.length), ...kept];
  }

  get size(): number {
    return this.rules.length;
  }

  /** A seeded draw in [0, 1) from a rule's own stream. */
  draw(ruleId: string): number {
    return this.rules.find((c) => c.rule.id === ruleId)?.random() ?? Math.random();
  }

  /**
   * Rules are tried in order. Every matching batch-effect rule acts (later ones override earlier
   * ones field by field); the first transport rule that acts wins and later ones are not tried.
   */
  evaluate(facts: RuleFacts): RuleVerdict {
    const checks: RuleCheck[] = [];
    const verdict: RuleVerdict = { effects: {}, fault: null, faultRuleId: null, ruleIds: [], checks };
    const missed = { n: 0 };
    for (const c of this.rules) {
      const r = c.rule;
      if (r.fault && verdict.fault) {
        checks.push({ rule: r, code: FAULT_TAKEN, n: verdict.faultRuleId! });
        continue;
      }
      const code = mismatch(c, facts, missed);
      if (code !== 0) {
        checks.push({ rule: r, code, n: missed.n });
        continue;
      }
      r.matched++;
      if (r.matched <= r.after) {
        checks.push({ rule: r, code: AFTER, n: r.matched });
        continue;
      }
      if (r.times !== undefined && r.fired >= r.times) {
        checks.push({ rule: r, code: TIMES, n: r.fired });
        continue;
      }
      if (r.probability < 1 && !(c.random() < r.probability)) {
        checks.push({ rule: r, code: PROBABILITY, n: 0 });
        continue;
      }
      checks.push({ rule: r, code: FIRED, n: 0 });
      r.fired++;
      verdict.ruleIds.push(r.id);
      if (r.outcome) verdict.effects.outcome = outcomeOf(r.outcome);
      if (r.timings) verdict.effects.timings = { ...verdict.effects.timings, ...r.timings };
      if (r.hold) verdict.effects.hold = r.hold;
      if (r.fault) {
        verdict.fault = r.fault;
        verdict.faultRuleId = r.id;
      }
    }
    return verdict;
  }
}
