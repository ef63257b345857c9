// Request durations, from process.hrtime: node:perf_hooks (performance.now) would cost 2-3 ms of
// start-up to load, and the first request counts towards start-up.

/** A point in time to measure from. */
export const startTimer = (): bigint => process.hrtime.bigint();

/** Milliseconds since `since`, to the microsecond. */
export const elapsedMs = (since: bigint): number => Math.round(Number(process.hrtime.bigint() - since) / 1000) / 1000;
