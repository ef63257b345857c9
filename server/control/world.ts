// One namespace: an isolated world of batches, rules and their counters, a virtual clock, a
// journal and fixture-loaded state, with its own reset. Parallel test suites each get one; a user
// who never names a namespace lives in the default one. Protocol-neutral, like the whole core.
import { ClockState, ControllableClock } from '../batches/clock';
import { ActivityMetadata, Anchor, BatchEffects, ErrorCode, Status, outcomeOf } from '../batches/model';
import { BatchPolicy, BatchService } from '../batches/service';
import { BatchNotFoundError, JournalEntryNotFoundError, RuleNotFoundError, SeedError, ValidationError } from '../errors';
import { FIRED, META_KEYS, RuleBook, RuleFacts, matchedCheck } from '../rules/engine';
import type {
  BatchJson,
  BatchPage,
  BatchSeed,
  ClockCommand,
  JournalEntryDetail,
  JournalPage,
  NamespaceJson,
  NamespaceMatch,
  RequestMatch,
  ResetResult,
  Rule,
  RulesCleared,
  RuleInput,
  VerifyRequest,
  VerifyResult,
} from '../schemas/types';
import { EventStream } from './events';
import { explainEntry, nearMisses } from './explain';
import { Decision, Exchange, ServiceRequest } from './exchange';
import { FixtureSet } from './fixtures';
import { Journal, JournalQuery } from './journal';
import type { Meter } from './metrics';
import { seedProblems, statusCodeProblem } from './seeds';
import { verify } from './verify';
import { batchToJson, detailsToJson, fileRefFromJson, metadataFromJson } from './views';
import { WaitEnd, WaiterBudget, Waiters } from './waiters';

/** The source of a rule added over the admin API (any other source is a fixture's). */
export const API_SOURCE = 'api';

const NO_DECISION: Decision = Object.freeze({ ruleIds: Object.freeze([]) as unknown as string[] });

/** `matching operation=GetStatus batchId=1001`, or `in the journal` when nothing is filtered. */
export function describeMatch(m: RequestMatch): string {
  const parts = Object.entries(m)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? `matching ${parts.join(' ')}` : 'in the journal';
}

export interface BatchListQuery {
  status?: Status;
  limit: number;
  /** Continue after this id (keyset paging). */
  after?: bigint;
  /** Highest id first, so the newest batches come first. */
  newestFirst?: boolean;
}

/** Scanned per step while filtering by derived status (it cannot be a SQL condition). */
const FILTER_SCAN = 500;

export interface WorldOptions {
  name: string;
  batches: BatchService;
  clock: ControllableClock;
  journal: Journal;
  basePolicy: BatchPolicy;
  /** Profiles from configuration (KNOWN_PROFILES); fixtures may add more. */
  configuredProfiles: string[] | null;
  /** This world's fixtures, read anew at every reset. */
  loadFixtures: () => FixtureSet;
  /** How requests that name no namespace may still select this one. */
  match: NamespaceMatch | null;
  createdAt: number;
  /** This world's event stream (it forwards to the MockControl's). */
  events: EventStream;
  /** MAX_WAITERS and WAIT_TIMEOUT_MAX_MS, shared by every world. */
  waiterBudget: WaiterBudget;
  /** This world's metrics (null: METRICS=false). */
  meter: Meter | null;
}

/** The virtual clock's range: .NET DateTime's (years 0001 to 9999). */
const CLOCK_MIN_ISO = '0001-01-01T00:00:00.000Z';
const CLOCK_MAX_ISO = '9999-12-31T23:59:59.999Z';
const CLOCK_MIN_MS = Date.parse(CLOCK_MIN_ISO);
const CLOCK_MAX_MS = Date.parse(CLOCK_MAX_ISO);
const inClockRange = (ms: number) => Number.isFinite(ms) && ms >= CLOCK_MIN_MS && ms <= CLOCK_MAX_MS;

export class World {
  readonly name: string;
  readonly match: NamespaceMatch | null;
  readonly createdAt: number;
  /** Real time of the last request or admin call, for reclaiming idle namespaces. */
  lastUsedAt: number;
  /** The batch use cases on this world's clock; the ASMX adapter runs operations through them. */
  readonly batches: BatchService;
  /** This world's virtual clock (freeze, advance, set, resume apply to it alone). */
  readonly clock: ControllableClock;
  /** What happens here, as events (batches, requests, rules, clock, reset). */
  readonly events: EventStream;
  readonly journal: Journal;
  private readonly rules: RuleBook;
  private readonly waiters: Waiters;
  /** What the metrics count here (null: metrics are off). */
  readonly meter: Meter | null;
  private fixtures: FixtureSet;
  private knownProfiles: Set<string> | null = null;

  constructor(private readonly options: WorldOptions) {
    this.name = options.name;
    this.match = options.match;
    this.createdAt = options.createdAt;
    this.lastUsedAt = options.createdAt;
    this.batches = options.batches;
    this.clock = options.clock;
    this.journal = options.journal;
    this.events = options.events;
    this.rules = new RuleBook(() => this.clock.now());
    this.waiters = new Waiters(this, options.waiterBudget);
    this.meter = options.meter;
    this.batches.onChange = (change) => {
      const { events, name: namespace } = this;
      switch (change.kind) {
        case 'created':
          this.meter?.batchCreated(change.source);
          if (events.has('batchCreated')) events.emit({ type: 'batchCreated', namespace, batchId: change.id.toString(), source: change.source });
          break;
        case 'forced':
          if (events.has('batchForced')) {
            events.emit({ type: 'batchForced', namespace, batchId: change.id.toString(), status: change.status, errorCode: change.errorCode });
          }
          break;
        case 'deleted':
          if (events.has('batchDeleted')) events.emit({ type: 'batchDeleted', namespace, batchId: change.id.toString() });
          break;
        case 'cleared':
          if (events.has('batchesCleared')) events.emit({ type: 'batchesCleared', namespace });
          break;
      }
    };
    this.fixtures = options.loadFixtures();
    this.applyFixtures({ batches: true });
  }

  // --- the service's requests

  /** Rules and profile checks for a request the adapter understood. */
  decide(sr: ServiceRequest): Decision {
    const op = sr.operation!;
    const request = sr.fileBatch;
    // The common case, on the hot path: nothing scripted, nothing to decide.
    if (this.rules.size === 0 && (op !== 'FileBatch' || !this.knownProfiles)) return NO_DECISION;
    let facts: RuleFacts | null = null;
    if (this.rules.size > 0) {
      let stored = request;
      if (op === 'GetStatus' && sr.batchId !== null) stored = this.batches.requestOf(sr.batchId);
      facts = {
        operation: op,
        protocol: sr.protocol,
        batchId: sr.batchId === null ? null : sr.batchId.toString(),
        externalContext: stored?.ExternalContext ?? null,
        fileName: stored?.InputFile?.FileName ?? null,
        ocrProfile: stored?.OCRProfile ?? null,
        putModel: stored?.PutModel ?? null,
        soapAction: sr.soapAction,
        metadata: sr.metadata,
      };
    }
    const verdict = facts ? this.rules.evaluate(facts) : null;
    if (verdict && this.meter) for (const c of verdict.checks) if (matchedCheck(c)) this.meter.rule(c.rule.id, c.code === FIRED);
    if (verdict?.ruleIds.length && this.events.has('ruleFired')) this.events.emit({ type: 'ruleFired', namespace: this.name, ruleIds: verdict.ruleIds });
    const effects: BatchEffects = { ...verdict?.effects };
    if (op === 'FileBatch' && this.knownProfiles && !this.knownProfiles.has(request!.OCRProfile) && !effects.outcome) {
      effects.outcome = { status: 'Failed', errorCode: 'RobotProfileNotFound', at: 'ProcessingInput' };
    }
    const decision: Decision = { effects, ruleIds: verdict?.ruleIds ?? [] };
    if (verdict) decision.explain = { checks: verdict.checks, facts: facts! };
    const fault = verdict?.fault;
    if (fault?.type === 'soapFault') decision.refuse = { kind: 'soapFault', code: fault.code ?? 'Server', message: fault.message };
    else if (fault?.type === 'httpStatus') {
      decision.refuse = { kind: 'httpStatus', status: fault.status, body: fault.body ?? '', contentType: fault.contentType ?? (fault.body ? 'text/plain; charset=utf-8' : null) };
    } else if (fault) {
      const ruleId = verdict!.faultRuleId;
      // A delay range is drawn now, from the rule's own seeded stream: decisions stay in request order.
      const delayMs =
        fault.type === 'delay' ? (fault.ms ?? Math.round(fault.minMs! + (fault.maxMs! - fault.minMs!) * this.rules.draw(ruleId ?? ''))) : null;
      decision.delivery = { fault, ruleId, delayMs };
    }
    return decision;
  }

  /** Journals a finished exchange; `method` and `path` are the HTTP request line's. */
  record(ex: Exchange, method: string, path: string): void {
    const seq = this.journal.add({
      timeMs: this.clock.now(),
      method,
      path,
      protocol: ex.protocol,
      operation: ex.operation,
      soapAction: ex.soapAction,
      metadata: ex.metadata,
      batchId: ex.batchId === null ? null : ex.batchId.toString(),
      httpStatus: ex.httpStatus,
      summary: ex.error ?? ex.resultStatus ?? (ex.httpStatus === 200 ? 'ok' : `http ${ex.httpStatus}`),
      ruleIds: ex.decision?.ruleIds ?? [],
      transportFault: ex.decision?.delivery?.fault.type ?? null,
      durationMs: ex.durationMs,
    }, ex.decision?.explain);
    if (this.meter !== null) this.meter.observe(ex);
    if (seq !== 0 && this.events.has('requestJournaled')) this.events.emit({ type: 'requestJournaled', namespace: this.name, seq });
  }

  /** Whether a request that names no namespace selects this one by its content. */
  matches(metadata: ActivityMetadata | null, externalContext: string | null): boolean {
    const m = this.match;
    if (!m) return false;
    if (m.externalContextPrefix !== undefined && (externalContext === null || !externalContext.startsWith(m.externalContextPrefix))) return false;
    if (m.metadata) {
      for (const [key, want] of Object.entries(m.metadata)) {
        const have = metadata?.[META_KEYS[key]!];
        if (have === undefined || String(have) !== String(want)) return false;
      }
    }
    return true;
  }

  // --- batches

  /** Batches in id order; filtering by derived status scans in id order until the page is full. */
  listBatches(q: BatchListQuery): BatchPage {
    const { status, limit } = q;
    let after = q.after;
    const items: BatchJson[] = [];
    const step = status ? FILTER_SCAN : limit;
    let more = true;
    while (items.length < limit && more) {
      const chunk = this.batches.list(after, step, q.newestFirst);
      more = chunk.length === step;
      for (const reading of chunk) {
        after = reading.batch.id;
        if (!status || reading.current.status === status) items.push(batchToJson(reading));
        if (items.length === limit) break;
      }
    }
    return { items, next: items.length === limit && more ? after!.toString() : null, stored: this.batches.count() };
  }

  getBatch(id: bigint): BatchJson {
    return detailsToJson(this.batches.details(id));
  }

  /** Creates a batch from an admin or fixture seed. */
  createBatch(seed: BatchSeed, source = 'api'): BatchJson {
    return this.getBatch(this.seed(seed, source));
  }

  /** Forces a status; Failed needs an error code, the others default to NoError. */
  forceBatch(id: bigint, status: Exclude<Status, 'NotFound'>, errorCode?: ErrorCode): BatchJson {
    const problem = statusCodeProblem(status, errorCode);
    if (problem) throw new SeedError('/errorCode', problem);
    return detailsToJson(this.batches.force(id, status, errorCode ?? 'NoError'));
  }

  /** Deletes a batch; its id is never reused. */
  deleteBatch(id: bigint): void {
    if (!this.batches.delete(id)) throw new BatchNotFoundError(id);
  }

  private seed(seed: BatchSeed, source: string): bigint {
    const now = this.clock.now();
    const createdAt = now - (seed.createdAgoMs ?? 0);
    const [problem] = seedProblems(seed);
    if (problem) throw new SeedError(problem.pointer, problem.message);
    const anchor: Anchor | undefined = seed.status ? { status: seed.status, errorCode: seed.errorCode ?? 'NoError', at: createdAt } : undefined;
    const effects: BatchEffects = {};
    if (seed.timings) effects.timings = seed.timings;
    if (seed.outcome) effects.outcome = outcomeOf(seed.outcome);
    if (seed.hold) effects.hold = seed.hold;
    return this.batches.submit(
      {
        TimeOut: seed.timeOut ?? 300,
        ExternalContext: seed.externalContext ?? null,
        InputFile: fileRefFromJson(seed.inputFile),
        OCRProfile: seed.ocrProfile ?? 'Default',
        OutputFile: fileRefFromJson(seed.outputFile),
        PutModel: seed.putModel ?? 'Replace',
      },
      metadataFromJson(seed.metadata),
      effects,
      { id: seed.id === undefined ? undefined : BigInt(seed.id), createdAt, anchor, source },
    );
  }

  // --- rules

  get ruleCount(): number {
    return this.rules.size;
  }

  listRules(): Rule[] {
    return this.rules.list();
  }

  addRule(input: RuleInput, source = API_SOURCE): Rule {
    const rule = this.rules.add(input, source);
    this.rulesChanged();
    return rule;
  }

  private rulesChanged(): void {
    if (this.events.has('rulesChanged')) this.events.emit({ type: 'rulesChanged', namespace: this.name });
  }

  /** One rule, with its latest near misses (journaled requests it did not act on, and why). */
  getRule(id: string): Rule {
    const rule = this.rules.get(id);
    if (!rule) throw new RuleNotFoundError(id);
    return { ...rule, nearMisses: nearMisses(this.journal, rule) };
  }

  deleteRule(id: string): void {
    if (!this.rules.delete(id)) throw new RuleNotFoundError(id);
    this.rulesChanged();
  }

  /**
   * Deletes the rules added over the API; the fixtures' rules (FIXTURES_DIR's, the namespace's own)
   * stay unless `includeFixtures`, since the magic values they give would silently stop working.
   */
  clearRules({ includeFixtures = false } = {}): RulesCleared {
    const deleted = this.rules.removeWhere((r) => includeFixtures || r.source === API_SOURCE);
    if (deleted.length) this.rulesChanged();
    return { deleted, kept: this.rules.list().map((r) => r.id) };
  }

  // --- clock

  clockState(): ClockState {
    return this.clock.state();
  }

  /** Applies a clock command in a fixed order (freeze, set, advance, resume), so one call can e.g. freeze and then advance. */
  clockCommand(cmd: ClockCommand): ClockState {
    if (cmd.freeze && cmd.resume) throw new ValidationError('/: freeze and resume together make no sense', '/');
    let setTo: number | undefined;
    if (cmd.set !== undefined) {
      setTo = Date.parse(cmd.set);
      if (!Number.isFinite(setTo)) throw new ValidationError(`/set: '${cmd.set}' is not an ISO 8601 time`, '/set');
    }
    // The whole command is checked before any of it applies: virtual time stays within what a
    // .NET DateTime (and a four-digit ISO 8601 year) can hold.
    if (setTo !== undefined && !inClockRange(setTo)) {
      throw new ValidationError(`/set: '${cmd.set}' is outside the clock's range (${CLOCK_MIN_ISO} to ${CLOCK_MAX_ISO})`, '/set');
    }
    if (cmd.advanceMs && !inClockRange((setTo ?? this.clock.now()) + cmd.advanceMs)) {
      throw new ValidationError(`/advanceMs: ${cmd.advanceMs} ms would move the clock past ${CLOCK_MAX_ISO}`, '/advanceMs');
    }
    if (cmd.freeze) this.clock.freeze();
    if (setTo !== undefined) this.clock.set(setTo);
    if (cmd.advanceMs) this.clock.advance(cmd.advanceMs);
    if (cmd.resume) this.clock.resume();
    this.clockMoved();
    return this.clock.state();
  }

  private clockMoved(): void {
    if (this.events.has('clockMoved')) this.events.emit({ type: 'clockMoved', namespace: this.name, clock: this.clock.state() });
  }

  // --- the request journal

  requests(q: JournalQuery): JournalPage {
    return { items: this.journal.query(q), ...this.journal.stats() };
  }

  /** Journal entry `seq` with how every rule fared against it. */
  explain(seq: number): JournalEntryDetail {
    const entry = this.journal.get(seq);
    if (!entry) throw new JournalEntryNotFoundError(seq);
    return explainEntry(entry, this.journal.explanation(seq) ?? null);
  }

  countRequests(q: Omit<JournalQuery, 'limit'>): number {
    return this.journal.countMatching(q);
  }

  /** Judges the journal's entries matching `spec.match` by a count, `never` or a sequence. */
  verify(spec: VerifyRequest): VerifyResult {
    const q = World.journalQuery(spec.match ?? {});
    const where = describeMatch(spec.match ?? {});
    return verify(spec, this.journal.query(q), where, () => ({ size: this.journal.size, newest: this.journal.query({ limit: 5 }).reverse() }));
  }

  /** The journal filters of a JSON match (RequestMatch). */
  static journalQuery(m: RequestMatch): JournalQuery {
    let sinceMs: number | undefined;
    if (m.since !== undefined) {
      sinceMs = typeof m.since === 'number' ? m.since : /^\d+$/.test(m.since) ? Number(m.since) : Date.parse(m.since);
      if (!Number.isFinite(sinceMs)) throw new ValidationError(`/match/since: '${m.since}' is not an ISO time or epoch milliseconds`, '/match/since');
    }
    return { operation: m.operation, batchId: m.batchId, protocol: m.protocol, rule: m.rule, sinceMs };
  }

  clearRequests(): void {
    this.journal.clear();
    this.journalCleared();
  }

  private journalCleared(): void {
    if (this.events.has('journalCleared')) this.events.emit({ type: 'journalCleared', namespace: this.name });
  }

  // --- waiting (long polls)

  /**
   * Waits until the batch's status is one of `statuses` (at once when it is), for at most
   * `timeoutMs` of real time. An unknown batch is a BatchNotFoundError, not a wait.
   */
  waitForStatus(id: bigint, statuses: Status[], timeoutMs: number, signal?: AbortSignal): Promise<WaitEnd<BatchJson>> {
    this.getBatch(id);
    return this.waiters.forStatus(id, statuses, timeoutMs, (x) => this.getBatch(x), signal);
  }

  /** Waits until at least `count` journal entries match `q`; answers with all of them. */
  waitForRequests(q: Omit<JournalQuery, 'limit'>, count: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitEnd<JournalPage>> {
    return this.waiters.forRequests(q, count, timeoutMs, () => this.requests(q), signal);
  }

  /** Open waits here, by kind. */
  waiterCounts(): { batch: number; requests: number } {
    return this.waiters.sizes();
  }

  /** For the waiters: a batch's timing facts and status now, or null when it is not here. */
  batchState(id: bigint) {
    return this.batches.watch(id);
  }

  /** Ends every open wait (the mock is closing, or this namespace is being dropped). */
  endWaits(end: WaitEnd<never>): void {
    this.waiters.endAll(end);
  }

  // --- reset, description

  /** Back to the start state: fixtures reloaded, clock resumed, journal cleared; batches too unless kept. */
  reset({ keepBatches = false } = {}): ResetResult {
    this.fixtures = this.options.loadFixtures();
    this.journal.clear();
    this.journalCleared();
    if (!keepBatches) {
      this.clock.reset();
      this.clockMoved();
      this.batches.deleteAll();
    }
    this.applyFixtures({ batches: !keepBatches });
    if (this.events.has('reset')) this.events.emit({ type: 'reset', namespace: this.name, keepBatches });
    return { reset: true, namespace: this.name, keepBatches, fixtures: this.fixtures.files, clock: this.clock.state() };
  }

  describe(batches: number): NamespaceJson {
    return {
      name: this.name,
      match: this.match,
      createdAt: new Date(this.createdAt).toISOString(),
      lastUsedAt: new Date(this.lastUsedAt).toISOString(),
      batches,
      rules: this.rules.size,
      journal: this.journal.stats(),
      clock: this.clock.state(),
      waiters: this.waiters.size,
    };
  }

  /**
   * Applies the fixtures anew without a reset (a reload): profiles and timings replaced, the
   * fixtures' rules replaced (counters start again) ahead of the API's rules, which stay as they
   * are; fixture batches whose ids are free are seeded. Batches, clock and journal are untouched.
   */
  reloadFixtures(): void {
    const next = this.options.loadFixtures();
    // The one step that can fail (a new fixture rule taking an API rule's id) goes first.
    this.rules.replaceExcept((r) => r.source === API_SOURCE, next.rules);
    this.fixtures = next;
    this.applyFixtures({ batches: true, rules: false });
    this.rulesChanged();
  }

  /** The ids of API rules that a fixture set's rules would take (a reload must refuse them). */
  ruleIdsTakenBy(set: FixtureSet): string[] {
    const api = new Set(this.rules.list().filter((r) => r.source === API_SOURCE).map((r) => r.id));
    return set.rules.flatMap(({ rule }) => (rule.id !== undefined && api.has(rule.id) ? [rule.id] : []));
  }

  get fixtureFiles(): string[] {
    return this.fixtures.files;
  }

  journalStats() {
    return this.journal.stats();
  }

  /** Profiles, timings and rules from the fixtures; batches too unless kept. Ids already taken are left alone. */
  private applyFixtures({ batches, rules = true }: { batches: boolean; rules?: boolean }): void {
    const f = this.fixtures;
    const base = this.options.basePolicy;
    const configured = this.options.configuredProfiles;
    this.knownProfiles = configured || f.profiles ? new Set([...(configured ?? []), ...(f.profiles ?? [])]) : null;
    this.batches.setPolicy({ ...base, timings: { ...base.timings, ...f.timings } });
    if (rules) {
      this.rules.clear();
      for (const { rule, source } of f.rules) this.rules.add(rule, source);
    }
    if (batches) {
      for (const { seed, source } of f.batches) {
        if (!this.batches.exists(BigInt(seed.id!))) this.seed(seed, source);
      }
    }
  }
}
