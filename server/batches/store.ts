// SQLite persistence for batches and their observed transitions. Statements are prepared once;
// ids are 64-bit and read as BigInt so they round-trip exactly.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { elapsedMs, startTimer } from '../elapsed';
import { DuplicateBatchError, StoreFullError, StoreOpenError } from '../errors';
import {
  DEFAULT_NAMESPACE,
  ActivityMetadata,
  Anchor,
  Batch,
  ErrorCode,
  FileBatchRequest,
  FileReference,
  Outcome,
  Stage,
  Status,
  TimingPlan,
} from './model';

export interface StoredBatch extends Batch {
  /** The namespace (isolated world) the batch belongs to. */
  namespace: string;
  /** The last status a reader saw; history is written when it changes. */
  observed: { status: Status; errorCode: ErrorCode };
}

export interface HistoryEntry {
  status: Status;
  errorCode: ErrorCode;
  /** When the status began, virtual ms. */
  at: number;
  /** When it was recorded, virtual ms. */
  recordedAt: number;
  source: string;
}

interface BatchRow {
  id: bigint;
  created_at: bigint;
  timeout_sec: bigint;
  external_context: string | null;
  input_file: string | null;
  ocr_profile: string;
  output_file: string | null;
  put_model: string;
  metadata: string | null;
  queued_ms: bigint;
  processing_input_ms: bigint;
  waiting_for_output_ms: bigint;
  timeout_ms: bigint;
  outcome: string | null;
  hold: string | null;
  anchor_status: string | null;
  anchor_error: string | null;
  anchor_at: bigint | null;
  observed_status: string;
  observed_error: string;
  namespace: string;
}

/** Schema version 0: what the first release created (it recorded no version). */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL,
  timeout_sec INTEGER NOT NULL,
  external_context TEXT,
  input_file TEXT,
  ocr_profile TEXT NOT NULL,
  output_file TEXT,
  put_model TEXT NOT NULL,
  metadata TEXT,
  queued_ms INTEGER NOT NULL,
  processing_input_ms INTEGER NOT NULL,
  waiting_for_output_ms INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  outcome TEXT,
  hold TEXT,
  anchor_status TEXT,
  anchor_error TEXT,
  anchor_at INTEGER,
  observed_status TEXT NOT NULL,
  observed_error TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_history (
  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  error_code TEXT NOT NULL,
  at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS batch_history_batch ON batch_history(batch_id);
`;

/**
 * The steps from each schema version to the next; PRAGMA user_version records how many have run.
 * They run at start, all in one transaction. Append only: a released step is never edited.
 */
const MIGRATIONS: string[] = [
  // 1: namespaces. Every existing batch belongs to the default namespace.
  `ALTER TABLE batches ADD COLUMN namespace TEXT NOT NULL DEFAULT '${DEFAULT_NAMESPACE}';
   CREATE INDEX batches_namespace ON batches(namespace, id);
   CREATE TABLE namespaces (
     name TEXT PRIMARY KEY,
     definition TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );`,
];

/** The schema version this release writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** A namespace as stored: its name and its definition (JSON the control core owns). */
export interface StoredNamespace {
  name: string;
  definition: string;
  createdAt: number;
}

const json = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

/** The columns that decide a batch's status; integers arrive as BigInt or number depending on the statement. */
type TimingColumns = {
  [K in 'created_at' | 'queued_ms' | 'processing_input_ms' | 'waiting_for_output_ms' | 'timeout_ms']: bigint | number;
} & {
  outcome: string | null;
  hold: string | null;
  anchor_status: string | null;
  anchor_error: string | null;
  anchor_at: bigint | number | null;
  observed_status: string;
  observed_error: string;
};

/** One mapping from those columns to the lifecycle's facts, for full reads and the status hot path alike. */
function timingFacts(r: TimingColumns): Pick<StoredBatch, 'createdAt' | 'plan' | 'anchor' | 'observed'> {
  const plan: TimingPlan = {
    queuedMs: Number(r.queued_ms),
    processingInputMs: Number(r.processing_input_ms),
    waitingForOutputMs: Number(r.waiting_for_output_ms),
    timeoutMs: Number(r.timeout_ms),
    outcome: json<Outcome>(r.outcome),
    hold: r.hold as Stage | null,
  };
  const anchor: Anchor | null =
    r.anchor_status === null ? null : { status: r.anchor_status as Status, errorCode: r.anchor_error as ErrorCode, at: Number(r.anchor_at) };
  return { createdAt: Number(r.created_at), plan, anchor, observed: { status: r.observed_status as Status, errorCode: r.observed_error as ErrorCode } };
}

function toBatch(r: BatchRow): StoredBatch {
  const request: FileBatchRequest = {
    TimeOut: Number(r.timeout_sec),
    ExternalContext: r.external_context,
    InputFile: json<FileReference>(r.input_file),
    OCRProfile: r.ocr_profile,
    OutputFile: json<FileReference>(r.output_file),
    PutModel: r.put_model,
  };
  return { id: r.id, namespace: r.namespace, request, metadata: json<ActivityMetadata>(r.metadata), ...timingFacts(r) };
}

/** Just what GetStatus needs: the facts that decide the status, and the ExternalContext to echo. */
export interface StatusFacts extends Omit<Batch, 'request' | 'metadata'> {
  namespace: string;
  externalContext: string | null;
  observed: { status: Status; errorCode: ErrorCode };
}

type StatusRow = TimingColumns & { external_context: string | null; namespace: string };

/** The statusFacts statement's columns, in its SELECT order. */
const statusRow = (v: unknown[]): StatusRow =>
  ({
    created_at: v[0],
    external_context: v[1],
    queued_ms: v[2],
    processing_input_ms: v[3],
    waiting_for_output_ms: v[4],
    timeout_ms: v[5],
    outcome: v[6],
    hold: v[7],
    anchor_status: v[8],
    anchor_error: v[9],
    anchor_at: v[10],
    observed_status: v[11],
    observed_error: v[12],
    namespace: v[13],
  }) as StatusRow;

/** Brings a database of any earlier schema version up to this release's, in one transaction. */
function migrate(db: Database.Database): void {
  const read = () => Number(db.pragma('user_version', { simple: true }));
  const refuseNewer = (version: number) => {
    if (version > SCHEMA_VERSION) {
      throw new Error(`written by a newer cora-ocr-mock (schema version ${version}; this release knows versions up to ${SCHEMA_VERSION})`);
    }
  };
  refuseNewer(read());
  if (read() === SCHEMA_VERSION) return;
  // IMMEDIATE takes the write lock first, and the version is read again under it: two processes
  // starting on one old file cannot both migrate it.
  db.transaction(() => {
    const version = read();
    refuseNewer(version);
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** Creates the folder for the database one level at a time (recursive mkdir can spin on /proc). */
function ensureParentDir(dbPath: string): void {
  const missing: string[] = [];
  let dir = path.dirname(path.resolve(dbPath));
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(dir);
    } catch {
      stat = undefined;
    }
    if (stat) {
      if (!stat.isDirectory()) throw new StoreOpenError(`DB_PATH ${dbPath}: ${dir} is not a directory`);
      break;
    }
    missing.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      throw new StoreOpenError(`DB_PATH ${dbPath}: cannot create folder ${d}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (fs.existsSync(dbPath) && fs.statSync(dbPath).isDirectory()) throw new StoreOpenError(`DB_PATH ${dbPath} is a directory`);
}

/** Below this much free space, an I/O error on a write is the volume being full. */
const FULL_BELOW_BYTES = 1024 * 1024;

/**
 * A write's error as the core's: a full volume (SQLITE_FULL, or SQLITE_IOERR_* with almost no
 * space left where the database lives) becomes StoreFullError; anything else is returned as it is.
 */
function storeError(err: unknown, dbPath: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err;
  if (code === 'SQLITE_FULL') return new StoreFullError(code);
  if (code.startsWith('SQLITE_IOERR') && dbPath !== ':memory:') {
    try {
      const fsStat = fs.statfsSync(path.dirname(path.resolve(dbPath)));
      if (fsStat.bavail * fsStat.bsize < FULL_BELOW_BYTES) return new StoreFullError(code);
    } catch {
      // cannot tell: the error stays what it is
    }
  }
  return err;
}

/**
 * Refuses, before SQLite touches it, a file that is not a usable cora-ocr-mock database: not
 * SQLite at all, cut short, or not writable. (An empty file is a new database: nothing is lost.)
 */
function checkExistingFile(dbPath: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dbPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // a new database
    throw new StoreOpenError(`DB_PATH ${dbPath}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let size: number;
  const header = Buffer.alloc(100);
  let got: number;
  try {
    size = fs.fstatSync(fd).size;
    got = fs.readSync(fd, header, 0, 100, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (size === 0) return;
  if (got < 100 || header.toString('latin1', 0, 16) !== 'SQLite format 3\u0000') {
    throw new StoreOpenError(`DB_PATH ${dbPath} is not a database (its first bytes are not SQLite's header); point DB_PATH at the mock's database or at a new file`);
  }
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new StoreOpenError(`DB_PATH ${dbPath} is a damaged SQLite database (page size ${raw} in its header)`);
  }
  // The header's page count is valid when its change counter matches (SQLite 3.7+). A WAL left by
  // a crash mid-checkpoint may legitimately hold pages past the end of the file: then SQLite's
  // recovery decides.
  const pages = header.readUInt32BE(28);
  const valid = header.readUInt32BE(24) === header.readUInt32BE(92);
  let walBytes = 0;
  try {
    walBytes = fs.statSync(`${dbPath}-wal`).size;
  } catch {
    walBytes = 0;
  }
  if (valid && walBytes === 0 && size < pages * pageSize) {
    throw new StoreOpenError(
      `DB_PATH ${dbPath} is truncated: its header says ${pages} pages of ${pageSize} bytes (${pages * pageSize} bytes), the file has ${size}; restore it from a copy or point DB_PATH at a new file`,
    );
  }
  for (const f of [dbPath, path.dirname(path.resolve(dbPath))]) {
    try {
      fs.accessSync(f, fs.constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new StoreOpenError(`DB_PATH ${dbPath} is read-only (${f === dbPath ? 'the file' : `its folder ${f}`}: ${code}); the mock writes to its database`);
    }
  }
}

/** A database that holds tables but not the mock's belongs to something else: refused, never written to. */
function refuseForeign(db: Database.Database): void {
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
  if (names.length > 0 && !names.includes('batches')) {
    throw new Error(`not a cora-ocr-mock database (its tables: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}); point DB_PATH at the mock's database or at a new file`);
  }
}

/**
 * How large a group commit may grow: it commits at the end of the event-loop turn that opened it,
 * or earlier once it holds `maxWrites` writes or has been open `maxMs` (a long turn under load
 * must not hold early answers back).
 */
export interface GroupBounds {
  maxWrites: number;
  maxMs: number;
}

export const DEFAULT_GROUP_BOUNDS: GroupBounds = { maxWrites: 256, maxMs: 4 };

/** The writes waiting for one transaction to commit. */
interface Group {
  openedAt: bigint;
  resolves: (() => void)[];
  rejects: ((err: unknown) => void)[];
}

export interface ListQuery {
  namespace: string;
  /** Only ids past this one in the listing's order (keyset paging). */
  afterId?: bigint;
  limit: number;
  /** Highest id first (the newest batches); lowest first by default. */
  newestFirst?: boolean;
}

export class BatchStore {
  readonly db: Database.Database;
  private readonly stmts;
  /** A write was refused for lack of space, and none has succeeded since (health: 'degraded'). */
  private full = false;

  /** The open group commit (a transaction begun by the first grouped write of this turn), if any. */
  private group: Group | null = null;
  /** > 0 while a grouped write runs (its statements belong to the group, they do not commit it). */
  private groupDepth = 0;

  constructor(
    private readonly dbPath: string,
    firstBatchId: bigint,
    private readonly bounds: GroupBounds = DEFAULT_GROUP_BOUNDS,
  ) {
    if (dbPath !== ':memory:') {
      ensureParentDir(dbPath);
      checkExistingFile(dbPath);
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(dbPath);
      db.defaultSafeIntegers(true);
      refuseForeign(db); // before anything is written: journal_mode below rewrites the header
      db.pragma('journal_mode = WAL'); // reads the header: a file that is not a database fails here
      // NORMAL in WAL mode: a commit survives a process crash (SIGKILL), which is what a mock must
      // survive; only an OS crash could lose the last commits.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // One mock owns its database: exclusive locking skips the per-read lock round trips, and a
      // second mock pointed at the same file is refused instead of sharing it.
      if (dbPath !== ':memory:') db.pragma('locking_mode = EXCLUSIVE');
      // 4 MB of page cache (better-sqlite3 builds with 16 MB): enough for the B-tree's interior
      // pages of a few million batches, so a lookup costs at most one leaf read; the rest is RSS
      // that only ever held pages of write bursts.
      db.pragma('cache_size = -4096');
      db.exec(SCHEMA);
      migrate(db);
      this.db = db;
      this.seedSequence(firstBatchId);
    } catch (err) {
      if (db?.open) db.close();
      throw new StoreOpenError(`DB_PATH ${dbPath}: ${(err as Error).message}`);
    }
    this.txFn = db.transaction((fn: () => unknown) => fn());
    this.stmts = {
      insert: db.prepare(`INSERT INTO batches (id, created_at, timeout_sec, external_context, input_file, ocr_profile,
          output_file, put_model, metadata, queued_ms, processing_input_ms, waiting_for_output_ms, timeout_ms, outcome,
          hold, anchor_status, anchor_error, anchor_at, observed_status, observed_error, namespace)
        VALUES (@id, @created_at, @timeout_sec, @external_context, @input_file, @ocr_profile, @output_file, @put_model,
          @metadata, @queued_ms, @processing_input_ms, @waiting_for_output_ms, @timeout_ms, @outcome, @hold,
          @anchor_status, @anchor_error, @anchor_at, @observed_status, @observed_error, @namespace)`),
      get: db.prepare('SELECT * FROM batches WHERE id = ?'),
      // The hot path: only the columns GetStatus needs, as plain numbers (times fit a double).
      // Rows as arrays (raw): better-sqlite3 builds a keyed object per row more slowly than
      // statusRow() below does (1.3 of 4 µs per lookup, measured).
      statusFacts: db
        .prepare(
          `SELECT created_at, external_context, queued_ms, processing_input_ms, waiting_for_output_ms,
             timeout_ms, outcome, hold, anchor_status, anchor_error, anchor_at, observed_status, observed_error, namespace
           FROM batches WHERE id = ?`,
        )
        .safeIntegers(false)
        .raw(true),
      exists: db.prepare('SELECT 1 FROM batches WHERE id = ?').pluck(),
      externalContext: db.prepare('SELECT external_context FROM batches WHERE id = ?').pluck(),
      list: db.prepare('SELECT * FROM batches WHERE namespace = ? AND id > ? ORDER BY id LIMIT ?'),
      listNewest: db.prepare('SELECT * FROM batches WHERE namespace = ? AND id < ? ORDER BY id DESC LIMIT ?'),
      count: db.prepare('SELECT count(*) FROM batches WHERE namespace = ?').pluck(),
      countAll: db.prepare('SELECT count(*) FROM batches').pluck(),
      countByNamespace: db.prepare('SELECT namespace, count(*) AS n FROM batches GROUP BY namespace'),
      setObserved: db.prepare('UPDATE batches SET observed_status = ?, observed_error = ? WHERE id = ?'),
      setAnchor: db.prepare(
        'UPDATE batches SET anchor_status = ?, anchor_error = ?, anchor_at = ?, observed_status = ?, observed_error = ? WHERE id = ?',
      ),
      addHistory: db.prepare(
        'INSERT INTO batch_history (batch_id, status, error_code, at, recorded_at, source) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      history: db.prepare(
        'SELECT status, error_code, at, recorded_at, source FROM batch_history WHERE batch_id = ? ORDER BY rowid',
      ),
      begin: db.prepare('BEGIN'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      delete: db.prepare('DELETE FROM batches WHERE id = ? AND namespace = ?'),
      deleteAll: db.prepare('DELETE FROM batches WHERE namespace = ?'),
      deleteAllHistory: db.prepare('DELETE FROM batch_history WHERE batch_id IN (SELECT id FROM batches WHERE namespace = ?)'),
      namespaces: db.prepare('SELECT name, definition, created_at FROM namespaces ORDER BY created_at, name'),
      saveNamespace: db.prepare('INSERT INTO namespaces (name, definition, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET definition = excluded.definition'),
      dropNamespace: db.prepare('DELETE FROM namespaces WHERE name = ?'),
    };
  }

  /** Ids start at `firstBatchId` on a new database; AUTOINCREMENT then never reuses one. */
  private seedSequence(firstBatchId: bigint): void {
    const seq = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'batches'").pluck().get();
    if (seq === undefined) {
      this.db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('batches', ?)").run(firstBatchId - 1n);
    }
  }

  /**
   * Runs a write: a full volume becomes StoreFullError (and the store 'degraded' until a write
   * succeeds again); the other errors pass as they are.
   */
  private write<T>(fn: () => T): T {
    // A write that is not part of the open group must not slip into its transaction (it would be
    // acknowledged before that commit, or undone by its failure): the group commits first.
    if (this.group !== null && this.groupDepth === 0) this.commitGroup();
    let result: T;
    try {
      result = fn();
    } catch (err) {
      const e = storeError(err, this.dbPath);
      if (e instanceof StoreFullError) this.full = true;
      throw e;
    }
    // Inside a group nothing is written yet: the commit decides.
    if (this.groupDepth === 0) this.full = false;
    return result;
  }

  /**
   * Group commit: runs `fn` now, inside the transaction every grouped write of this event-loop
   * turn shares (as a savepoint: if `fn` throws, its writes alone are undone and the error is
   * thrown here, as from any write). The promise resolves with fn's result once that transaction
   * has committed, and rejects, for every write of the group alike, when the commit fails. Its
   * callers answer only then: nothing is acknowledged before it is durable.
   * Inside a caller's own transaction there is no group: that transaction's commit decides.
   */
  grouped<T>(fn: () => T): Promise<T> {
    if (this.group === null && this.db.inTransaction) return Promise.resolve(this.transaction(fn));
    if (this.group === null) this.openGroup();
    const g = this.group!;
    let value: T;
    this.groupDepth++;
    try {
      value = this.write(() => this.txFn(fn) as T);
    } finally {
      this.groupDepth--;
    }
    const done = new Promise<T>((resolve, reject) => {
      g.resolves.push(() => resolve(value));
      g.rejects.push(reject);
    });
    if (g.resolves.length >= this.bounds.maxWrites || elapsedMs(g.openedAt) >= this.bounds.maxMs) this.commitGroup();
    return done;
  }

  /** Whether a group commit is open (its writes are not yet durable). */
  grouping(): boolean {
    return this.group !== null;
  }

  private openGroup(): void {
    this.stmts.begin.run();
    this.group = { openedAt: startTimer(), resolves: [], rejects: [] };
    // The check phase: after every request read in this turn's poll phase has been served.
    setImmediate(this.commitGroup);
  }

  /** Commits the open group, then tells its writers; a failed commit is undone and fails them all. */
  private readonly commitGroup = (): void => {
    const g = this.group;
    if (g === null) return;
    this.group = null;
    try {
      this.stmts.commit.run();
    } catch (err) {
      if (this.db.inTransaction) {
        try {
          this.stmts.rollback.run();
        } catch {
          // SQLite rolled it back already
        }
      }
      const e = storeError(err, this.dbPath);
      if (e instanceof StoreFullError) this.full = true;
      for (const reject of g.rejects) reject(e);
      return;
    }
    if (g.resolves.length > 0) this.full = false;
    for (const resolve of g.resolves) resolve();
  };

  /** 'degraded': the last write was refused for lack of space (reads are still served). */
  state(): 'open' | 'degraded' | 'closed' {
    if (!this.db.open) return 'closed';
    return this.full ? 'degraded' : 'open';
  }

  /** Whether a transaction is open (a nested write then cannot be given up on alone). */
  inTransaction(): boolean {
    return this.db.inTransaction;
  }

  insert(b: Omit<Batch, 'id'> & { id?: bigint; namespace: string }, observed: { status: Status; errorCode: ErrorCode }): bigint {
    try {
      const info = this.write(() => this.stmts.insert.run({
        id: b.id ?? null,
        created_at: b.createdAt,
        timeout_sec: b.request.TimeOut,
        external_context: b.request.ExternalContext,
        input_file: b.request.InputFile ? JSON.stringify(b.request.InputFile) : null,
        ocr_profile: b.request.OCRProfile,
        output_file: b.request.OutputFile ? JSON.stringify(b.request.OutputFile) : null,
        put_model: b.request.PutModel,
        metadata: b.metadata ? JSON.stringify(b.metadata) : null,
        queued_ms: b.plan.queuedMs,
        processing_input_ms: b.plan.processingInputMs,
        waiting_for_output_ms: b.plan.waitingForOutputMs,
        timeout_ms: b.plan.timeoutMs,
        outcome: b.plan.outcome ? JSON.stringify(b.plan.outcome) : null,
        hold: b.plan.hold,
        anchor_status: b.anchor?.status ?? null,
        anchor_error: b.anchor?.errorCode ?? null,
        anchor_at: b.anchor?.at ?? null,
        observed_status: observed.status,
        observed_error: observed.errorCode,
        namespace: b.namespace,
      }));
      return BigInt(info.lastInsertRowid);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && b.id !== undefined) {
        throw new DuplicateBatchError(b.id);
      }
      throw err;
    }
  }

  get(id: bigint): StoredBatch | undefined {
    const row = this.stmts.get.get(id) as BatchRow | undefined;
    return row ? toBatch(row) : undefined;
  }

  statusFacts(id: bigint): StatusFacts | undefined {
    const v = this.stmts.statusFacts.get(id) as unknown[] | undefined;
    if (!v) return undefined;
    const r = statusRow(v);
    const t = timingFacts(r); // copied field by field: no spread on the hot path
    return {
      id,
      namespace: r.namespace,
      externalContext: r.external_context,
      createdAt: t.createdAt,
      plan: t.plan,
      anchor: t.anchor,
      observed: t.observed,
    };
  }

  /** The ExternalContext stored with a batch, in any namespace (null: none, or no such batch). */
  externalContextOf(id: bigint): string | null {
    return (this.stmts.externalContext.get(id) as string | null | undefined) ?? null;
  }

  /** Whether the id is taken, in any namespace (ids are unique across them). */
  exists(id: bigint): boolean {
    return this.stmts.exists.get(id) !== undefined;
  }

  list(q: ListQuery): StoredBatch[] {
    if (q.newestFirst) return (this.stmts.listNewest.all(q.namespace, q.afterId ?? 2n ** 63n - 1n, q.limit) as BatchRow[]).map(toBatch);
    return (this.stmts.list.all(q.namespace, q.afterId ?? -(2n ** 63n), q.limit) as BatchRow[]).map(toBatch);
  }

  count(namespace: string): number {
    return Number(this.stmts.count.get(namespace));
  }

  countAll(): number {
    return Number(this.stmts.countAll.get());
  }

  /** Batches per namespace (namespaces without batches are absent). */
  countByNamespace(): Map<string, number> {
    const rows = this.stmts.countByNamespace.all() as { namespace: string; n: bigint }[];
    return new Map(rows.map((r) => [r.namespace, Number(r.n)]));
  }

  setObserved(id: bigint, status: Status, errorCode: ErrorCode): void {
    this.write(() => this.stmts.setObserved.run(status, errorCode, id));
  }

  setAnchor(id: bigint, anchor: Anchor): void {
    this.write(() => this.stmts.setAnchor.run(anchor.status, anchor.errorCode, anchor.at, anchor.status, anchor.errorCode, id));
  }

  addHistory(id: bigint, e: HistoryEntry): void {
    this.write(() => this.stmts.addHistory.run(id, e.status, e.errorCode, e.at, e.recordedAt, e.source));
  }

  history(id: bigint): HistoryEntry[] {
    return (
      this.stmts.history.all(id) as { status: Status; error_code: ErrorCode; at: bigint; recorded_at: bigint; source: string }[]
    ).map((r) => ({ status: r.status, errorCode: r.error_code, at: Number(r.at), recordedAt: Number(r.recorded_at), source: r.source }));
  }

  delete(id: bigint, namespace: string): boolean {
    return this.write(() => this.stmts.delete.run(id, namespace).changes > 0);
  }

  /** Removes every batch of a namespace; the id sequence keeps counting so ids are still never reused. */
  deleteAll(namespace: string): void {
    this.transaction(() => {
      this.stmts.deleteAllHistory.run(namespace);
      this.stmts.deleteAll.run(namespace);
    });
  }

  namespaces(): StoredNamespace[] {
    return (this.stmts.namespaces.all() as { name: string; definition: string; created_at: bigint }[]).map((r) => ({
      name: r.name,
      definition: r.definition,
      createdAt: Number(r.created_at),
    }));
  }

  saveNamespace(n: StoredNamespace): void {
    this.write(() => this.stmts.saveNamespace.run(n.name, n.definition, n.createdAt));
  }

  /** Forgets a namespace and deletes its batches. */
  dropNamespace(name: string): void {
    this.transaction(() => {
      this.deleteAll(name);
      this.stmts.dropNamespace.run(name);
    });
  }

  /** Runs fn in one transaction (nested calls become savepoints); the wrapper is made once. */
  transaction<T>(fn: () => T): T {
    return this.write(() => this.txFn(fn) as T);
  }

  private readonly txFn: (fn: () => unknown) => unknown;

  isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (!this.db.open) return;
    this.commitGroup();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      // On a full volume the checkpoint cannot grow the file: the WAL keeps every commit, and
      // the next start replays it.
      if (!(storeError(err, this.dbPath) instanceof StoreFullError)) throw err;
    }
    this.db.close();
  }
}
