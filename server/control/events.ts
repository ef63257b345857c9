// The event stream of the control core: what happens in a namespace, as typed events. Waiters
// (control/waiters.ts) listen to it; so can anything else that watches the mock (a live dashboard,
// a test harness embedding the mock). Each World has its own stream, whose events also reach the
// MockControl's stream, where one listener hears every namespace.
//
// Emitting is cheap when nobody listens: `has(type)` is one lookup, and the hot path (a journaled
// request) builds its event only when it is true.
import type { ClockState } from '../batches/clock';
import type { ErrorCode, Status } from '../batches/model';

export type MockEvent =
  /** A batch was stored: by FileBatch, the admin API (`api`) or a fixture (its file). */
  | { type: 'batchCreated'; namespace: string; batchId: string; source: string }
  /** An admin forced a batch's status (PATCH). */
  | { type: 'batchForced'; namespace: string; batchId: string; status: Status; errorCode: ErrorCode }
  | { type: 'batchDeleted'; namespace: string; batchId: string }
  /** Every batch of the namespace was deleted (a reset). */
  | { type: 'batchesCleared'; namespace: string }
  /** A request to the service was journaled under `seq`. */
  | { type: 'requestJournaled'; namespace: string; seq: number }
  | { type: 'journalCleared'; namespace: string }
  /** Rules acted on a request (before it ran). */
  | { type: 'ruleFired'; namespace: string; ruleIds: string[] }
  /** Rules were added or deleted. */
  | { type: 'rulesChanged'; namespace: string }
  /** The namespace's virtual clock was frozen, set, advanced or resumed (or reset). */
  | { type: 'clockMoved'; namespace: string; clock: ClockState }
  | { type: 'reset'; namespace: string; keepBatches: boolean }
  /** A namespace was created (by the admin API, or by the first request or call that named it). */
  | { type: 'namespaceCreated'; namespace: string }
  /** The namespace is gone (dropped, or reclaimed when idle). */
  | { type: 'namespaceDropped'; namespace: string };

export type EventType = MockEvent['type'];
export type EventOf<T extends EventType> = Extract<MockEvent, { type: T }>;
type Listener<E> = (event: E) => void;

/** Every event type (a Record, so the compiler checks none is missing). */
const NOBODY: Record<EventType, false> = {
  batchCreated: false,
  batchForced: false,
  batchDeleted: false,
  batchesCleared: false,
  requestJournaled: false,
  journalCleared: false,
  ruleFired: false,
  rulesChanged: false,
  clockMoved: false,
  reset: false,
  namespaceCreated: false,
  namespaceDropped: false,
};
const EVENT_TYPES = Object.keys(NOBODY) as EventType[];

export class EventStream {
  /** Listeners by type; arrays are replaced, never changed, so an emit can run while they change. */
  private readonly byType = new Map<EventType, Listener<never>[]>();
  private any: Listener<MockEvent>[] = [];
  /**
   * Whether anyone here listens to a type, kept up to date by on/off: `has` reads one property of
   * an object whose shape never changes (it is asked on every request to the service).
   */
  private readonly heard: Record<EventType, boolean> = { ...NOBODY };

  constructor(
    /** Where every event goes next (a World's stream forwards to the MockControl's). */
    private readonly parent: EventStream | null = null,
    /** A listener that throws must not break the request or call that emitted: it is reported here. */
    private readonly onListenerError: (err: unknown) => void = () => {},
  ) {}

  /** Listens to one type of event; returns the function that stops listening. */
  on<T extends EventType>(type: T, fn: Listener<EventOf<T>>): () => void {
    this.byType.set(type, [...(this.byType.get(type) ?? []), fn as Listener<never>]);
    this.update();
    return () => {
      const left = (this.byType.get(type) ?? []).filter((f) => f !== fn);
      if (left.length) this.byType.set(type, left);
      else this.byType.delete(type);
      this.update();
    };
  }

  /** Listens to every event. */
  onAny(fn: Listener<MockEvent>): () => void {
    this.any = [...this.any, fn];
    this.update();
    return () => {
      this.any = this.any.filter((f) => f !== fn);
      this.update();
    };
  }

  /** Whether an event of this type would reach anyone (build it only then). */
  has(type: EventType): boolean {
    return this.heard[type] || (this.parent !== null && this.parent.has(type));
  }

  private update(): void {
    for (const t of EVENT_TYPES) this.heard[t] = this.any.length > 0 || this.byType.has(t);
  }

  emit(event: MockEvent): void {
    const typed = this.byType.get(event.type);
    if (typed) for (const fn of typed) this.call(fn as Listener<MockEvent>, event);
    for (const fn of this.any) this.call(fn, event);
    this.parent?.emit(event);
  }

  private call(fn: Listener<MockEvent>, event: MockEvent): void {
    try {
      fn(event);
    } catch (err) {
      this.onListenerError(err);
    }
  }
}
