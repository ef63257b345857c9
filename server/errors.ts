// Every error the core throws on purpose, in one leaf module (it imports nothing). Each says what
// kind of failure it is, so every protocol maps them once: admin/problem.ts to problem+json,
// soap/faults.ts to a SOAP fault. Anything else that escapes is a bug and answers 500.

/** What went wrong, independent of protocol. */
/** `limit`: a capacity the mock was configured with; `busy`: one that frees up again (retry later); `storeFull`: no space for the database. */
export type ErrorKind = 'invalid' | 'notFound' | 'conflict' | 'limit' | 'busy' | 'storeFull';

export abstract class MockError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(
    message: string,
    /** JSON pointer to the offending value, when there is one. */
    readonly pointer?: string,
  ) {
    super(message);
  }

  /** Members every protocol may add to its answer (a problem's extension members), e.g. a list of errors. */
  get details(): Record<string, unknown> | undefined {
    return undefined;
  }
}

/** A value does not satisfy its JSON Schema. The message starts with the pointer. */
export class ValidationError extends MockError {
  readonly kind = 'invalid';
  constructor(message: string, pointer: string) {
    super(message, pointer);
  }
}

/** A rule that is valid JSON but cannot be accepted (two effects, a bad regex, ...). */
export class RuleError extends MockError {
  readonly kind = 'invalid';
  constructor(
    /** Why, without the pointer. */
    readonly reason: string,
    /** JSON pointer into the rule ('' for the rule as a whole). */
    readonly path: string,
  ) {
    super(`${path || '/'}: ${reason}`, path);
  }
}

/** A seed, forced status or command that cannot be applied. The message starts with the pointer. */
export class SeedError extends MockError {
  readonly kind = 'invalid';
  constructor(pointer: string, detail: string) {
    super(`${pointer}: ${detail}`, pointer);
  }
}

export class BatchNotFoundError extends MockError {
  readonly kind = 'notFound';
  constructor(readonly id: bigint) {
    super(`batch ${id} not found`);
  }
}

export class RuleNotFoundError extends MockError {
  readonly kind = 'notFound';
  constructor(readonly id: string) {
    super(`rule ${id} not found`);
  }
}

/** Taken already: an id, a name. The message starts with the pointer when there is one. */
export class ConflictError extends MockError {
  readonly kind = 'conflict';
  constructor(message: string, pointer?: string) {
    super(message, pointer);
  }
}

export class JournalEntryNotFoundError extends MockError {
  readonly kind = 'notFound';
  constructor(readonly seq: number) {
    super(`journal entry ${seq} not found (never journaled, or dropped: the journal keeps the newest JOURNAL_LIMIT entries)`);
  }
}

export class MetricsOffError extends MockError {
  readonly kind = 'notFound';
  constructor() {
    super('metrics are off (METRICS=false)');
  }
}

export class DuplicateBatchError extends MockError {
  readonly kind = 'conflict';
  constructor(readonly id: bigint) {
    super(`batch ${id} already exists`);
  }
}

export class DuplicateRuleError extends MockError {
  readonly kind = 'conflict';
  constructor(readonly id: string) {
    super(`rule ${id} already exists`);
  }
}

/** A namespace name that is not a short slug. */
export class NamespaceNameError extends MockError {
  readonly kind = 'invalid';
  constructor(readonly namespace: string) {
    super(`'${namespace}' is not a namespace name: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
}

export class NamespaceNotFoundError extends MockError {
  readonly kind = 'notFound';
  constructor(readonly namespace: string) {
    super(`namespace ${namespace} not found`);
  }
}

export class DuplicateNamespaceError extends MockError {
  readonly kind = 'conflict';
  constructor(readonly namespace: string) {
    super(`namespace ${namespace} already exists`);
  }
}

/** Creating one more namespace would pass MAX_NAMESPACES. */
export class NamespaceLimitError extends MockError {
  readonly kind = 'limit';
  constructor(
    readonly namespace: string,
    readonly limit: number,
  ) {
    super(`cannot create namespace '${namespace}': the mock already holds MAX_NAMESPACES (${limit}) namespaces; drop one or raise MAX_NAMESPACES`);
  }
}

/**
 * A write the store refused for lack of space (SQLite's SQLITE_FULL, or an I/O error on a full
 * volume). Nothing of the refused write was kept; reads go on working, and writes succeed again,
 * without a restart, once there is space.
 */
export class StoreFullError extends MockError {
  readonly kind = 'storeFull';
  constructor(readonly code: string) {
    super(`the store is full: the mock's database volume has no space left (${code}); nothing was written. Free space on it and retry`);
  }
}

/** Opening one more long-poll wait would pass MAX_WAITERS; waits end, so a later call may succeed. */
export class WaiterLimitError extends MockError {
  readonly kind = 'busy';
  constructor(readonly limit: number) {
    super(`the mock already holds MAX_WAITERS (${limit}) open waits; try again when one has ended, or raise MAX_WAITERS`);
  }
}

/** One thing wrong in a fixture file (the shape of schemas.ts's FixtureProblem, written out: this module imports nothing). */
export interface FixtureFault {
  /** The file as shown to the user (FIXTURES_DIR's name joined with the file's). */
  file: string;
  /** JSON pointer into the file's JSON; null when the file as a whole is at fault (unreadable, not JSON). */
  pointer: string | null;
  message: string;
}

/**
 * Fixtures that cannot be loaded: every problem found, each with its file, JSON pointer and reason
 * (the message lists them, one per line). At start-up it stops the mock; on a reload nothing changes.
 */
export class FixtureError extends MockError {
  readonly kind = 'invalid';
  constructor(readonly problems: FixtureFault[]) {
    super(problems.map(formatFixtureProblem).join('\n'));
  }

  override get details(): Record<string, unknown> {
    return { errors: this.problems };
  }
}

/** `fixtures/a.json: /rules/0/outcome/errorCode: must be one of ...`, or `fixtures/a.json: not valid JSON ...`. */
export function formatFixtureProblem(p: FixtureFault): string {
  return p.pointer === null ? `${p.file}: ${p.message}` : `${p.file}: ${p.pointer || '/'}: ${p.message}`;
}

/** The database file cannot be opened or used (start-up). */
export class StoreOpenError extends Error {}

/** A setting or server flag with a bad value (start-up, exit code 2). */
export class ConfigError extends Error {}
