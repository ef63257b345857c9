// The one source of time for the domain. Real time by default; QA can freeze, advance,
// set and resume it, and every time-based behaviour follows.

export interface Clock {
  /** Milliseconds since the epoch, virtual. */
  now(): number;
}

export interface ClockState {
  now: string;
  nowMs: number;
  frozen: boolean;
  /** Virtual minus real time, in ms. */
  offsetMs: number;
}

export class ControllableClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | null = null;

  constructor(private readonly realNow: () => number = Date.now) {}

  now(): number {
    return this.frozenAt ?? this.realNow() + this.offsetMs;
  }

  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  freeze(): void {
    if (this.frozenAt === null) this.frozenAt = this.now();
  }

  /** Moves virtual time forward; works frozen or running. */
  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  /** Jumps to an absolute time, keeping the frozen/running state. */
  set(epochMs: number): void {
    if (this.frozenAt !== null) this.frozenAt = epochMs;
    else this.offsetMs = epochMs - this.realNow();
  }

  /** Lets virtual time run again from where it stands (it does not jump back to real time). */
  resume(): void {
    if (this.frozenAt === null) return;
    this.offsetMs = this.frozenAt - this.realNow();
    this.frozenAt = null;
  }

  /** Back to real time, running. */
  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = null;
  }

  state(): ClockState {
    const nowMs = this.now();
    return {
      now: new Date(nowMs).toISOString(),
      nowMs,
      frozen: this.frozenAt !== null,
      offsetMs: this.frozenAt !== null ? this.frozenAt - this.realNow() : this.offsetMs,
    };
  }
}
