// The QA control core: the one facade every adapter calls. It holds the namespaces (isolated
// worlds, control/world.ts), resolves which one a request runs in, and answers what spans them:
// listing, creating and dropping namespaces, the global reset, health. Protocol-neutral: it
// speaks domain values and the JSON shapes of schemas/, and imports nothing of soap/, admin/,
// http/ or node:http.
import { ControllableClock } from '../batches/clock';
import { DEFAULT_NAMESPACE } from '../batches/model';
import { BatchPolicy, BatchService } from '../batches/service';
import { BatchStore } from '../batches/store';
import {
  ConflictError,
  DuplicateNamespaceError,
  MetricsOffError,
  NamespaceLimitError,
  NamespaceNameError,
  NamespaceNotFoundError,
  SeedError,
  ValidationError,
} from '../errors';
import { META_KEYS } from '../rules/engine';
import type { Fixture, FixturesReloaded, Health, NamespaceInput, NamespaceJson, NamespaceList, NamespaceMatch, ResetResult } from '../schemas/types';
import { Exchange, ServiceRequest } from './exchange';
import { EventStream } from './events';
import { EMPTY_FIXTURES, FixtureSet, addFixture, checkRules } from './fixtures';
import { Journal, JournalBudget } from './journal';
import { ChangeNote, watchChanges } from './live';
import { Meter } from './metrics';
import type { Exposition, MeteredWorld } from './prometheus';
import { WaiterBudget } from './waiters';
import { World } from './world';

export type { BatchListQuery } from './world';
export { World };

export const NAMESPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface ControlOptions {
  store: BatchStore;
  basePolicy: BatchPolicy;
  /** Profiles from configuration (KNOWN_PROFILES); fixtures may add more. */
  configuredProfiles: string[] | null;
  /** Reads FIXTURES_DIR (at start, on every reset and reload); throws a FixtureError listing every problem. */
  loadFixtures: () => FixtureSet;
  journalLimit: number;
  /** Namespaces besides the default one. */
  maxNamespaces: number;
  /** Reclaim a namespace unused this long (real time); 0: never. */
  namespaceIdleMs: number;
  /** The service description's state for health: 'loaded', or why not. */
  describeWsdl: () => Promise<string>;
  /** Open long-poll waits, all namespaces together (MAX_WAITERS). */
  maxWaiters: number;
  /** The longest a wait may be asked to last (WAIT_TIMEOUT_MAX_MS). */
  waitTimeoutMaxMs: number;
  /** Count requests, batches, rules and faults per namespace for /__admin/metrics (METRICS). */
  metrics: boolean;
  /** An event listener that threw (the call that emitted goes on). */
  onError?: (err: unknown) => void;
  /** Real time; tests may pass their own. */
  now?: () => number;
}

/** What the namespaces table keeps of a namespace besides its name. */
interface Definition {
  match: NamespaceMatch | null;
  fixture: Fixture | null;
}

export class MockControl {
  private readonly store: BatchStore;
  private readonly worlds = new Map<string, World>();
  /** Every namespace's journal shares JOURNAL_LIMIT. */
  private readonly journalBudget: JournalBudget;
  private readonly journals = new Map<string, Journal>();
  /** Namespaces that declare a content match, in creation order (the first that matches wins). */
  private matchers: World[] = [];
  private prefixMatchers = 0;
  private readonly startedAt: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout | null = null;
  /** The namespace of every request and admin call that names none. */
  readonly defaultWorld: World;
  /** Every namespace's events (each carries its namespace). */
  readonly events: EventStream;
  readonly waiterBudget: WaiterBudget;
  /** Open watches (watch()), each with what ends it when the mock closes. */
  private readonly watches = new Set<() => void>();
  /** The Prometheus page, built (prom-client loaded) on the first scrape. */
  private exposition: Exposition | null = null;
  /** FIXTURES_DIR as last read without a problem: a bad file never replaces it. */
  private dirFixtures: FixtureSet;

  constructor(private readonly options: ControlOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.journalBudget = new JournalBudget(options.journalLimit);
    this.events = new EventStream(null, options.onError);
    this.waiterBudget = new WaiterBudget(options.maxWaiters, options.waitTimeoutMaxMs);
    this.dirFixtures = options.loadFixtures();
    this.defaultWorld = this.build(DEFAULT_NAMESPACE, { match: null, fixture: null }, this.startedAt);
    // Namespaces outlive restarts: their definitions and batches are stored (rules, clock and
    // journal live in memory, as the default namespace's do).
    for (const stored of this.store.namespaces()) {
      if (stored.name === DEFAULT_NAMESPACE) continue;
      // Idle time counts from now: a restart is no reason to reclaim a namespace.
      this.build(stored.name, JSON.parse(stored.definition) as Definition, stored.createdAt).lastUsedAt = this.startedAt;
    }
    if (options.namespaceIdleMs > 0) {
      this.sweeper = setInterval(() => this.reclaimIdle(), Math.min(60_000, Math.max(1000, options.namespaceIdleMs / 4)));
      this.sweeper.unref();
    }
  }

  // --- which world

  /** The namespace called `name` (null: the default one), created on first use. */
  world(name: string | null | undefined): World {
    if (name === null || name === undefined || name === DEFAULT_NAMESPACE) return this.defaultWorld;
    let world = this.worlds.get(name);
    if (!world) world = this.create(name, { match: null, fixture: null });
    world.lastUsedAt = this.now();
    return world;
  }

  /**
   * The world a service request runs in: the namespace it named (path prefix, then header), else
   * the first namespace whose content match it satisfies, else the default one. Sets
   * `sr.namespace` to the answer. Named lookups are one Map access.
   */
  enter(sr: ServiceRequest): World {
    if (sr.namespace !== null) {
      const world = this.world(sr.namespace);
      sr.namespace = world.name;
      return world;
    }
    if (this.matchers.length > 0) {
      let context = sr.fileBatch?.ExternalContext ?? null;
      // GetStatus carries no ExternalContext: the one stored with the batch asked about counts
      // (read only when some namespace matches on it).
      if (this.prefixMatchers > 0 && sr.operation === 'GetStatus' && sr.batchId !== null) context = this.store.externalContextOf(sr.batchId);
      for (const world of this.matchers) {
        if (world.matches(sr.metadata, context)) {
          world.lastUsedAt = this.now();
          sr.namespace = world.name;
          return world;
        }
      }
    }
    sr.namespace = DEFAULT_NAMESPACE;
    return this.defaultWorld;
  }

  /**
   * Journals a finished exchange in its namespace. A request that named a namespace and never
   * reached an operation (the WSDL, a malformed envelope) still uses it, creating it if need be;
   * one whose name is no namespace, or would pass MAX_NAMESPACES, is journaled nowhere: it was
   * refused for that, and the default namespace's journal is not for other suites' mistakes.
   */
  record(ex: Exchange, method: string, path: string): void {
    let world: World;
    try {
      world = this.world(ex.namespace);
    } catch (err) {
      if (err instanceof NamespaceNameError || err instanceof NamespaceLimitError) return;
      throw err;
    }
    world.record(ex, method, path);
  }

  // --- namespaces

  listNamespaces(): NamespaceList {
    const counts = this.store.countByNamespace();
    return { items: [...this.worlds.values()].map((w) => w.describe(counts.get(w.name) ?? 0)), limit: this.options.maxNamespaces };
  }

  getNamespace(name: string): NamespaceJson {
    return this.existing(name).describe(this.store.count(name));
  }

  createNamespace(input: NamespaceInput): NamespaceJson {
    if (this.worlds.has(input.name)) throw new DuplicateNamespaceError(input.name);
    for (const key of Object.keys(input.match?.metadata ?? {})) {
      if (!(key in META_KEYS)) throw new ValidationError(`/match/metadata/${key}: unknown ActivityMetadata field ${key}`, `/match/metadata/${key}`);
    }
    if (input.fixture) {
      checkRules(input.fixture, '/fixture');
      // Ids are unique across namespaces, and FIXTURES_DIR's are the default namespace's even while deleted.
      const reserved = new Set(this.dirFixtures.batches.map((b) => String(b.seed.id)));
      input.fixture.batches?.forEach((b, i) => {
        const id = String(b.id);
        if (reserved.has(id) || this.store.exists(BigInt(id))) {
          throw new ConflictError(`/fixture/batches/${i}/id: batch ${id} exists in another namespace, or is FIXTURES_DIR's`, `/fixture/batches/${i}/id`);
        }
      });
    }
    const world = this.create(input.name, { match: input.match ?? null, fixture: input.fixture ?? null });
    return world.describe(this.store.count(world.name));
  }

  /** Drops a namespace: its batches are deleted (their ids are never reused), its state forgotten. */
  dropNamespace(name: string): void {
    if (name === DEFAULT_NAMESPACE) throw new SeedError('/name', 'the default namespace cannot be dropped; reset it instead');
    this.existing(name);
    this.drop(name);
  }

  /**
   * Resets one namespace, FIXTURES_DIR read anew first: edited fixtures apply without a restart,
   * and a bad file refuses the reset (a FixtureError listing every problem) with nothing changed.
   */
  reset(world: World, { keepBatches = false } = {}): ResetResult {
    this.readFixturesDir();
    return world.reset({ keepBatches });
  }

  /** Every namespace but the default one dropped, then the default one reset (FIXTURES_DIR read anew first, as by reset). */
  resetAll({ keepBatches = false } = {}): ResetResult {
    this.readFixturesDir();
    const names = [...this.worlds.keys()].filter((n) => n !== DEFAULT_NAMESPACE);
    for (const name of names) this.drop(name);
    return { ...this.defaultWorld.reset({ keepBatches }), droppedNamespaces: names.length };
  }

  /**
   * Reads FIXTURES_DIR anew and applies it to every namespace without a reset (see
   * World.reloadFixtures). All or nothing: a bad file, or a fixture rule that would take the id of
   * a rule added over the API, refuses the reload and the loaded fixtures stay.
   */
  reloadFixtures(): FixturesReloaded {
    const before = this.dirFixtures;
    this.readFixturesDir();
    const taken = [...this.worlds.values()].flatMap((w) => w.ruleIdsTakenBy(this.dirFixtures).map((id) => `${id} (namespace ${w.name})`));
    if (taken.length) {
      this.dirFixtures = before;
      throw new ConflictError(`fixture rules would take the ids of rules added over the API: ${taken.join(', ')}; delete those rules first`);
    }
    for (const world of this.worlds.values()) world.reloadFixtures();
    return { reloaded: true, fixtures: this.dirFixtures.files, rules: this.dirFixtures.rules.length, namespaces: this.worlds.size };
  }

  /** FIXTURES_DIR as now on disk, or a FixtureError (the last good set stays). */
  private readFixturesDir(): void {
    this.dirFixtures = this.options.loadFixtures();
  }

  /** Readiness: the store is open and the WSDL loaded; the rest is for people reading it. */
  async health(): Promise<Health> {
    const open = this.store.isOpen();
    const wsdl = await this.options.describeWsdl();
    return {
      // A degraded store (full volume) still serves reads: ready, but it says so.
      status: open && wsdl === 'loaded' ? 'ok' : 'unavailable',
      store: this.store.state(),
      wsdl,
      batches: open ? this.store.countAll() : null,
      namespaces: this.worlds.size,
      uptimeMs: this.now() - this.startedAt,
      clock: this.defaultWorld.clockState(),
      journal: this.defaultWorld.journalStats(),
      waiters: { open: this.waiterBudget.open, limit: this.waiterBudget.limit },
      fixtures: this.defaultWorld.fixtureFiles,
    };
  }

  /** The Prometheus text exposition of every namespace's metrics and the process's. */
  async metrics(): Promise<{ contentType: string; body: string }> {
    if (!this.options.metrics) throw new MetricsOffError();
    if (!this.exposition) {
      const { createExposition } = require('./prometheus') as typeof import('./prometheus');
      this.exposition = createExposition({
        meteredWorlds: () => [...this.worlds.values()].flatMap((w): MeteredWorld[] => {
          if (!w.meter) return [];
          const journal = w.journal;
          return [{ name: w.name, meter: w.meter, journalSize: journal.size, journalDropped: journal.droppedTotal, rules: w.ruleCount, waiters: w.waiterCounts() }];
        }),
        batchesByNamespace: () => this.store.countByNamespace(),
      });
    }
    return { contentType: this.exposition.contentType, body: await this.exposition.render() };
  }

  /**
   * Watches every namespace for changes (live.ts): `onNote` gets coalesced notes, at most one per
   * `minIntervalMs`; `onEnd` is called when the mock closes. Returns the function that stops it.
   */
  watch(opts: { minIntervalMs: number; onNote: (note: ChangeNote) => void; onEnd: () => void }): () => void {
    const off = watchChanges(this.events, { minIntervalMs: opts.minIntervalMs, onNote: opts.onNote });
    const end = () => {
      off();
      this.watches.delete(end);
      opts.onEnd();
    };
    this.watches.add(end);
    return () => {
      off();
      this.watches.delete(end);
    };
  }

  /** Open watches (live dashboards). */
  get watchCount(): number {
    return this.watches.size;
  }

  /** Stops the idle sweeper and ends every open wait and watch (the app is closing). */
  close(): void {
    for (const end of [...this.watches]) end();
    if (this.sweeper) clearInterval(this.sweeper);
    for (const world of this.worlds.values()) world.endWaits({ kind: 'closed' });
  }

  /** Drops namespaces unused for NAMESPACE_IDLE_MS. A namespace in use has been used recently, so it stays. */
  reclaimIdle(): number {
    const idle = this.options.namespaceIdleMs;
    if (idle <= 0) return 0;
    const before = this.now() - idle;
    let dropped = 0;
    for (const world of [...this.worlds.values()]) {
      if (world !== this.defaultWorld && world.lastUsedAt < before) {
        this.drop(world.name);
        dropped++;
      }
    }
    return dropped;
  }

  private existing(name: string): World {
    const world = this.worlds.get(name);
    if (!world) throw new NamespaceNotFoundError(name);
    return world;
  }

  private create(name: string, definition: Definition): World {
    if (!NAMESPACE_NAME.test(name)) throw new NamespaceNameError(name);
    if (this.worlds.size - 1 >= this.options.maxNamespaces && this.reclaimIdle() === 0) {
      throw new NamespaceLimitError(name, this.options.maxNamespaces);
    }
    const createdAt = this.now();
    const world = this.store.transaction(() => {
      const world = this.build(name, definition, createdAt);
      this.store.saveNamespace({ name, definition: JSON.stringify(definition), createdAt });
      return world;
    });
    if (world.events.has('namespaceCreated')) world.events.emit({ type: 'namespaceCreated', namespace: name });
    return world;
  }

  private build(name: string, definition: Definition, createdAt: number): World {
    const clock = new ControllableClock();
    const journal = this.journalBudget.open();
    const shared = name === DEFAULT_NAMESPACE;
    let world: World;
    try {
      world = this.newWorld(name, definition, createdAt, clock, journal, shared);
    } catch (err) {
      this.journalBudget.close(journal);
      throw err;
    }
    this.worlds.set(name, world);
    this.journals.set(name, journal);
    if (world.match) {
      this.matchers.push(world);
      if (world.match.externalContextPrefix !== undefined) this.prefixMatchers++;
    }
    return world;
  }

  private newWorld(name: string, definition: Definition, createdAt: number, clock: ControllableClock, journal: Journal, shared: boolean): World {
    const { options } = this;
    return new World({
      name,
      batches: new BatchService(this.store, clock, options.basePolicy, name),
      clock,
      journal,
      basePolicy: options.basePolicy,
      configuredProfiles: options.configuredProfiles,
      loadFixtures: () => {
        // FIXTURES_DIR's batches have fixed ids, and ids are unique across namespaces: only the
        // default namespace seeds them. Profiles, timings and rules apply in every namespace.
        const dir = this.dirFixtures;
        if (shared && !definition.fixture) return dir;
        // A namespace fixture's rule replaces FIXTURES_DIR's rule of the same id.
        const own = new Set((definition.fixture?.rules ?? []).map((r) => r.id).filter((id) => id !== undefined));
        const rules = dir.rules.filter((r) => r.rule.id === undefined || !own.has(r.rule.id));
        const set: FixtureSet = { ...EMPTY_FIXTURES, files: [...dir.files], profiles: dir.profiles, timings: dir.timings, rules, batches: shared ? [...dir.batches] : [] };
        if (definition.fixture) {
          set.files.push(`namespace ${name}`);
          addFixture(set, definition.fixture, `namespace ${name}`);
        }
        return set;
      },
      match: definition.match,
      createdAt,
      events: new EventStream(this.events, this.options.onError),
      waiterBudget: this.waiterBudget,
      meter: this.options.metrics ? new Meter() : null,
    });
  }

  private drop(name: string): void {
    const world = this.worlds.get(name);
    if (world?.events.has('namespaceDropped')) world.events.emit({ type: 'namespaceDropped', namespace: name });
    world?.endWaits({ kind: 'gone', reason: `namespace ${name} was dropped while waiting` });
    this.store.dropNamespace(name);
    this.worlds.delete(name);
    const journal = this.journals.get(name);
    if (journal) this.journalBudget.close(journal);
    this.journals.delete(name);
    this.matchers = this.matchers.filter((w) => w.name !== name);
    this.prefixMatchers = this.matchers.filter((w) => w.match?.externalContextPrefix !== undefined).length;
  }
}
