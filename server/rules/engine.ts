// The rule book: holds rules in order and decides, per request, which of them act. Deterministic:
// counters and seeded random streams make the same requests give the same decisions every run.
import { ActivityMetadata } from '../batches/model';
import { DuplicateRuleError, RuleError } from '../errors';
import { BatchEffects } from '../batches/model';
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
  if (input.outcome && input.outcome.errorCode === 'NoError' && input.outcome.status === 'Failed') {
    throw new RuleError('a Failed outcome needs an errorCode other than NoError', '/outcome/errorCode');
  }
}

function matches(c: Compiled, facts: RuleFacts): boolean {
  const m: RuleMatch = c.rule.match;
  if (m.operation !== undefined && m.operation !== facts.operation) return false;
  if (m.protocol !== undefined && m.protocol !== facts.protocol) return false;
  if (m.batchId !== undefined && m.batchId !== facts.batchId) return false;
  if (m.soapAction !== undefined && m.soapAction !== facts.soapAction) return false;
  if (m.ocrProfile !== undefined && m.ocrProfile !== facts.ocrProfile) return false;
  if (m.putModel !== undefined && m.putModel !== facts.putModel) return false;
  if (c.externalContext && (facts.externalContext === null || !c.externalContext.test(facts.externalContext))) return false;
  if (c.fileName && (facts.fileName === null || !c.fileName.test(facts.fileName))) return false;
  if (m.metadata) {
    for (const [key, want] of Object.entries(m.metadata)) {
      const have = facts.metadata?.[META_KEYS[key]!];
      if (have === undefined || String(have) !== String(want)) return false;
    }
  }
  // A batch effect only ever applies to the batch a FileBatch creates.
  if (isBatchEffect(c.rule) && facts.operation !== 'FileBatch') return false;
  return true;
}

export class RuleBook {
  private rules: Compiled[] = [];
  private nextId = 1;

  constructor(private readonly now: () => number) {}

  add(input: RuleInput, source = 'api'): Rule {
    checkSemantics(input);
    const id = input.id ?? `r${this.nextId++}`;
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
    const verdict: RuleVerdict = { effects: {}, fault: null, faultRuleId: null, ruleIds: [] };
    for (const c of this.rules) {
      const r = c.rule;
      if (r.fault && verdict.fault) continue;
      if (!matches(c, facts)) continue;
      r.matched++;
      if (r.matched <= r.after) continue;
      if (r.times !== undefined && r.fired >= r.times) continue;
      if (r.probability < 1 && !(c.random() < r.probability)) continue;
      r.fired++;
      verdict.ruleIds.push(r.id);
      if (r.outcome) verdict.effects.outcome = { ...r.outcome };
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
