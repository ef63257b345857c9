// Elapsed real time (request durations, the group commit's age), from process.hrtime: loading
// node:perf_hooks (performance.now) would cost 2-3 ms of start-up, and the first request counts
// towards start-up. A leaf: the domain and the adapters alike may use it.

/** A point in time to measure from. */
export const startTimer = (): bigint => process.hrtime.bigint();

/** Milliseconds since `since`, to the microsecond. */
export const elapsedMs = (since: bigint): number => Math.round(Number(process.hrtime.bigint() - since) / 1000) / 1000;
