// The QA control plane's use cases: rules deciding per request, the journal, fixtures, seeding,
// forcing and reset. Protocol-neutral; the SOAP adapter and the admin API both call it.
import type { IncomingMessage } from 'node:http';
import { ControllableClock } from '../batches/clock';
import { Anchor, ErrorCode, Status, isTerminal } from '../batches/model';
import { BatchEffects, BatchPolicy, BatchService } from '../batches/service';
import { BatchStore } from '../batches/store';
import { fileRefFromJson, metadataFromJson } from './views';
import { BatchSeed, FixtureSet } from './fixtures';
import { SeedError } from '../errors';
import { Journal } from './journal';
import { RuleBook, RuleFacts } from '../rules/engine';
import { Decision, Exchange, ServiceRequest } from '../soap/asmx';
import { DeliveryFault } from '../http/delivery';


const NO_DECISION: Decision = Object.freeze({ ruleIds: Object.freeze([]) as unknown as string[] });

export interface ControlOptions {
  basePolicy: BatchPolicy;
  /** Profiles from configuration (KNOWN_PROFILES); fixtures may add more. */
  configuredProfiles: string[] | null;
  loadFixtures: () => FixtureSet;
}

export class MockControl {
  readonly rules: RuleBook;
  private fixtures: FixtureSet;
  private knownProfiles: Set<string> | null = null;

  constructor(
    readonly batches: BatchService,
    readonly store: BatchStore,
    readonly clock: ControllableClock,
    readonly journal: Journal,
    private readonly options: ControlOptions,
  ) {
    this.rules = new RuleBook(() => clock.now());
    this.fixtures = options.loadFixtures();
    this.applyFixtures({ batches: true });
  }

  /** Profiles, timings and rules from the fixtures; batches too unless kept. Existing batch ids are left alone. */
  private applyFixtures({ batches }: { batches: boolean }): void {
    const f = this.fixtures;
    const profiles = [...(this.options.configuredProfiles ?? []), ...(f.profiles ?? [])];
    this.knownProfiles = this.options.configuredProfiles || f.profiles ? new Set(profiles) : null;
    this.batches.setPolicy({ ...this.options.basePolicy, timings: { ...this.options.basePolicy.timings, ...f.timings } });
    this.rules.clear();
    for (const { rule, source } of f.rules) this.rules.add(rule, source);
    if (batches) {
      for (const { seed, source } of f.batches) {
        const id = BigInt(seed.id!);
        if (!this.store.exists(id)) this.seed(seed, source);
      }
    }
  }

  /** Back to the start state: fixtures reloaded, clock resumed, journal cleared; batches too unless kept. */
  reset({ keepBatches = false } = {}): void {
    this.fixtures = this.options.loadFixtures();
    this.journal.clear();
    if (!keepBatches) {
      this.clock.reset();
      this.batches.deleteAll();
    }
    this.applyFixtures({ batches: !keepBatches });
  }

  get fixtureFiles(): string[] {
    return this.fixtures.files;
  }

  get profiles(): string[] | null {
    return this.knownProfiles ? [...this.knownProfiles] : null;
  }

  /** Creates a batch from an admin or fixture seed; returns its id. */
  seed(seed: BatchSeed, source = 'api'): bigint {
    const now = this.clock.now();
    const createdAt = now - (seed.createdAgoMs ?? 0);
    let anchor: Anchor | undefined;
    if (seed.status) {
      const errorCode = (seed.errorCode ?? (seed.status === 'Failed' ? undefined : 'NoError')) as ErrorCode | undefined;
      if (!errorCode) throw new SeedError('/errorCode', 'a Failed batch needs an errorCode');
      anchor = { status: seed.status as Status, errorCode, at: createdAt };
    } else if (seed.errorCode) {
      throw new SeedError('/errorCode', 'errorCode goes with status');
    }
    const effects: BatchEffects = {};
    if (seed.timings) effects.timings = seed.timings;
    if (seed.outcome) effects.outcome = seed.outcome;
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

  /** Forces a status; Failed needs an error code, the others default to NoError. */
  force(id: bigint, status: Status, errorCode?: ErrorCode) {
    const code = errorCode ?? (status === 'Failed' ? undefined : 'NoError');
    if (!code) throw new SeedError('/errorCode', 'forcing Failed needs an errorCode');
    if (!isTerminal(status) && code !== 'NoError') throw new SeedError('/errorCode', `${status} goes with NoError`);
    return this.batches.force(id, status, code);
  }

  /** Rules and profile checks for a request the adapter understood. */
  decide(sr: ServiceRequest): Decision {
    const op = sr.operation!;
    const request = sr.fileBatch;
    // The common case, on the hot path: nothing scripted, nothing to decide.
    if (this.rules.size === 0 && (op !== 'FileBatch' || !this.knownProfiles)) return NO_DECISION;
    let facts: RuleFacts | null = null;
    if (this.rules.size > 0) {
      let stored = request;
      if (op === 'GetStatus' && sr.batchId !== null) stored = this.store.get(sr.batchId)?.request ?? null;
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
    const effects: BatchEffects = { ...verdict?.effects };
    if (op === 'FileBatch' && this.knownProfiles && !this.knownProfiles.has(request!.OCRProfile) && !effects.outcome) {
      effects.outcome = { status: 'Failed', errorCode: 'RobotProfileNotFound', at: 'ProcessingInput' };
    }
    const decision: Decision = { effects, ruleIds: verdict?.ruleIds ?? [] };
    const fault = verdict?.fault;
    if (fault?.type === 'soapFault') decision.refuse = { kind: 'soapFault', code: fault.code ?? 'Server', message: fault.message };
    else if (fault?.type === 'httpStatus') {
      decision.refuse = { kind: 'httpStatus', status: fault.status, body: fault.body ?? '', contentType: fault.contentType ?? (fault.body ? 'text/plain; charset=utf-8' : null) };
    } else if (fault) decision.transport = { fault, ruleId: verdict!.faultRuleId };
    return decision;
  }

  /** The delivery fault a decision carries, if any. */
  static deliveryOf(decision: Decision | null): { fault: DeliveryFault; ruleId: string | null } | null {
    return (decision?.transport as { fault: DeliveryFault; ruleId: string | null } | undefined) ?? null;
  }

  record(req: IncomingMessage, ex: Exchange, durationMs: number): void {
    const now = this.clock.now();
    const delivery = MockControl.deliveryOf(ex.decision);
    this.journal.add({
      timeMs: now,
      method: req.method ?? '',
      path: req.url ?? '',
      protocol: ex.protocol,
      operation: ex.operation,
      soapAction: ex.soapAction,
      metadata: ex.metadata,
      batchId: ex.batchId === null ? null : ex.batchId.toString(),
      httpStatus: ex.reply.status,
      summary: ex.error ?? ex.resultStatus ?? (ex.reply.status === 200 ? 'ok' : `http ${ex.reply.status}`),
      ruleIds: ex.decision?.ruleIds ?? [],
      transportFault: delivery?.fault.type ?? null,
      durationMs,
    });
  }
}
