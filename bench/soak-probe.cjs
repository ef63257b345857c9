// Preloaded into the soaked server (node -r): every second, one line on stderr with the process's
// own RSS, heap and event-loop delay p99, for bench/soak.ts. Nothing else of the server changes.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
setInterval(() => {
  const m = process.memoryUsage();
  process.stderr.write(`SOAK_PROBE ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, eldP99Ms: h.percentile(99) / 1e6 })}\n`);
  h.reset();
}, 1000).unref();
