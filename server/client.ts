// A typed client for the admin API, for test suites written in TypeScript (and the CLI). It loads
// nothing of the server: every import here is a type, derived from the JSON Schemas.
import type { ClockState } from './batches/clock';
import type { ErrorCode, Stage, Status } from './batches/model';
import type {
  BatchJson,
  BatchPage,
  BatchSeed,
  FileReferenceJson,
  Health,
  JournalEntry,
  JournalEntryDetail,
  JournalPage,
  NamespaceInput,
  NamespaceJson,
  NamespaceList,
  NearMiss,
  ProblemJson,
  ResetResult,
  RulesCleared,
  FixturesReloaded,
  Rule,
  RuleExplanation,
  RuleInput,
  SeenRequest,
  VerifyRequest,
  VerifyResult,
} from './schemas/types';

export type {
  BatchJson,
  BatchPage,
  BatchSeed,
  ClockState,
  ErrorCode,
  FileReferenceJson,
  Health,
  JournalEntry,
  JournalEntryDetail,
  JournalPage,
  NamespaceInput,
  NamespaceJson,
  NamespaceList,
  NearMiss,
  ProblemJson,
  ResetResult,
  RulesCleared,
  FixturesReloaded,
  Rule,
  RuleExplanation,
  RuleInput,
  SeenRequest,
  Stage,
  Status,
  VerifyRequest,
  VerifyResult,
};

export interface RequestFilter {
  operation?: 'FileBatch' | 'GetStatus';
  batchId?: string;
  since?: string | number;
  rule?: string;
  protocol?: 'soap11' | 'soap12' | 'httpget' | 'httppost';
  limit?: number;
}

/** An admin call that did not succeed; `problem` is the RFC 9457 body. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    /** The RFC 9457 body; a timed-out wait adds what it found (`batch`, or `count` and `items`). */
    readonly problem: ProblemJson | null,
  ) {
    super(`${status} ${problem?.title ?? ''}: ${problem?.detail ?? ''}`.trim());
  }
}

/** The part of fetch the client uses. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/** Options of the long-poll waits. */
export interface WaitOptions {
  /** How long the mock waits, real milliseconds (default 30000; at most the mock's WAIT_TIMEOUT_MAX_MS). */
  timeoutMs?: number;
  /** Abandons the wait: the request is aborted, and the mock frees its waiter. */
  signal?: AbortSignal;
}

export interface AdminClientOptions {
  /** The mock's origin, e.g. http://127.0.0.1:8080 */
  url: string;
  token?: string;
  /** Defaults to the global fetch; the CLI passes a lighter one (see cli.ts). */
  fetch?: FetchLike;
  /**
   * The namespace every call works in (sent as X-Cora-Mock-Namespace; created on first use).
   * Absent: the default namespace. The namespace routes themselves span every namespace.
   */
  namespace?: string;
}

export class AdminClient {
  private readonly base: string;

  constructor(private readonly opts: AdminClientOptions) {
    this.base = opts.url.replace(/\/+$/, '') + '/__admin';
  }

  /** The same client, working in another namespace. */
  inNamespace(namespace: string): AdminClient {
    return new AdminClient({ ...this.opts, namespace });
  }

  get namespace(): string | undefined {
    return this.opts.namespace;
  }

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.opts.token) headers['Authorization'] = `Bearer ${this.opts.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.opts.namespace !== undefined) headers['X-Cora-Mock-Namespace'] = this.opts.namespace;
    const init: Parameters<FetchLike>[1] = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    if (signal) init.signal = signal;
    const res = await (this.opts.fetch ?? fetch)(this.base + path, init);
    const text = await res.text();
    if (!res.ok) {
      let problem = null;
      try {
        problem = JSON.parse(text);
      } catch {
        problem = { detail: text };
      }
      throw new AdminError(res.status, problem);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private static qs(params: Record<string, string | number | undefined>): string {
    const s = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) s.set(k, String(v));
    const out = s.toString();
    return out ? `?${out}` : '';
  }

  health() {
    return this.call<Health>('GET', '/health');
  }

  listBatches(opts: { status?: Status; limit?: number; after?: string } = {}) {
    return this.call<BatchPage>('GET', '/batches' + AdminClient.qs(opts));
  }

  getBatch(id: string | bigint) {
    return this.call<BatchJson>('GET', `/batches/${id}`);
  }

  createBatch(seed: BatchSeed = {}) {
    return this.call<BatchJson>('POST', '/batches', seed);
  }

  /**
   * Long poll: resolves with the batch as soon as its status is one of `statuses` (at once if it
   * is). On timeout it rejects with an AdminError of status 408 whose problem names the status the
   * batch is in (`problem.batch` holds it whole).
   */
  waitForStatus(id: string | bigint, statuses: Status | Status[], opts: WaitOptions = {}) {
    const status = (Array.isArray(statuses) ? statuses : [statuses]).join(',');
    return this.call<BatchJson>('GET', `/batches/${id}/wait` + AdminClient.qs({ status, timeoutMs: opts.timeoutMs }), undefined, opts.signal);
  }

  setBatchStatus(id: string | bigint, status: Exclude<Status, 'NotFound'>, errorCode?: ErrorCode) {
    return this.call<BatchJson>('PATCH', `/batches/${id}`, errorCode ? { status, errorCode } : { status });
  }

  deleteBatch(id: string | bigint) {
    return this.call<void>('DELETE', `/batches/${id}`);
  }

  listRules() {
    return this.call<{ items: Rule[] }>('GET', '/rules');
  }

  /** One rule, with `nearMisses`: the latest journaled requests it did not act on, and why. */
  getRule(id: string) {
    return this.call<Rule>('GET', `/rules/${encodeURIComponent(id)}`);
  }

  addRule(rule: RuleInput) {
    return this.call<Rule>('POST', '/rules', rule);
  }

  deleteRule(id: string) {
    return this.call<void>('DELETE', `/rules/${encodeURIComponent(id)}`);
  }

  /** Deletes the rules added over the API; the fixtures' rules stay unless `includeFixtures`. */
  deleteAllRules(opts: { includeFixtures?: boolean } = {}) {
    return this.call<RulesCleared>('DELETE', '/rules' + (opts.includeFixtures ? '?includeFixtures=true' : ''));
  }

  /** Reads FIXTURES_DIR anew and applies it to every namespace, without a reset; a bad file is refused (400, `problem.errors`). */
  reloadFixtures() {
    return this.call<FixturesReloaded>('POST', '/fixtures/reload');
  }

  clock() {
    return this.call<ClockState>('GET', '/clock');
  }

  freezeClock() {
    return this.call<ClockState>('POST', '/clock', { freeze: true });
  }

  advanceClock(ms: number) {
    return this.call<ClockState>('POST', '/clock', { advanceMs: ms });
  }

  setClock(time: string | Date) {
    return this.call<ClockState>('POST', '/clock', { set: typeof time === 'string' ? time : time.toISOString() });
  }

  resumeClock() {
    return this.call<ClockState>('POST', '/clock', { resume: true });
  }

  requests(filter: RequestFilter = {}) {
    return this.call<JournalPage>('GET', '/requests' + AdminClient.qs({ ...filter }));
  }

  async countRequests(filter: Omit<RequestFilter, 'limit'> = {}): Promise<number> {
    return (await this.call<{ count: number }>('GET', '/requests/count' + AdminClient.qs({ ...filter }))).count;
  }

  /**
   * Long poll: resolves with every matching journal entry once at least `count` match (at once if
   * they do). On timeout it rejects with an AdminError of status 408 (`problem.items`: what matched).
   */
  waitForRequests(filter: Omit<RequestFilter, 'limit'> = {}, count = 1, opts: WaitOptions = {}) {
    return this.call<JournalPage>('GET', '/requests/wait' + AdminClient.qs({ ...filter, count, timeoutMs: opts.timeoutMs }), undefined, opts.signal);
  }

  /** Journal entry `seq`, with how every rule fared against it (`rules`: fired, or the first condition that failed). */
  explain(seq: number) {
    return this.call<JournalEntryDetail>('GET', `/requests/${seq}`);
  }

  /**
   * Verifies the journal: `{ match, count: { exactly | atLeast | atMost: N } }`, `{ match, never: true }`
   * or `{ match, sequence: [...] }` (operations, or the statuses GetStatus answered, in order). Resolves
   * with `pass` and a `message` that lists what was seen; it does not throw when the check fails.
   */
  verify(spec: VerifyRequest) {
    return this.call<VerifyResult>('POST', '/requests/verify', spec);
  }

  clearRequests() {
    return this.call<void>('DELETE', '/requests');
  }

  /** Resets this client's namespace; `allNamespaces` drops every other namespace first. */
  reset(opts: { keepBatches?: boolean; allNamespaces?: boolean } = {}) {
    return this.call<ResetResult>('POST', '/reset', opts);
  }

  listNamespaces() {
    return this.call<NamespaceList>('GET', '/namespaces');
  }

  createNamespace(input: NamespaceInput) {
    return this.call<NamespaceJson>('POST', '/namespaces', input);
  }

  getNamespace(name: string) {
    return this.call<NamespaceJson>('GET', `/namespaces/${encodeURIComponent(name)}`);
  }

  /** Drops a namespace with its batches. */
  dropNamespace(name: string) {
    return this.call<void>('DELETE', `/namespaces/${encodeURIComponent(name)}`);
  }
}
