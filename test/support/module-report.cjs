// Preloaded with `node --require` by test/cli.test.ts: when the process exits, writes the modules it
// loaded (require.cache) and the CPU time it used to the file named by $MODULE_REPORT, as JSON.
'use strict';
const fs = require('node:fs');

process.on('exit', () => {
  const file = process.env.MODULE_REPORT;
  if (!file) return;
  const cpu = process.cpuUsage(); // this process since it started, Node's own start-up included
  fs.writeFileSync(
    file,
    JSON.stringify({
      modules: Object.keys(require.cache).filter((m) => m !== __filename),
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      maxRssKb: process.resourceUsage().maxRSS,
    }),
  );
});
