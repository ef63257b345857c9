// The V8 heap's growth, bounded at run time rather than with node flags on the command line.
//
// Any V8 flag on node's command line (--max-semi-space-size, --max-old-space-size, also through
// NODE_OPTIONS) makes node refuse the code cache its own modules were built with, so each built-in
// module the server loads is compiled from source: 12-20 ms more start-up (measured: bench/run.ts,
// start-up; and `node --max-old-space-size=256 -e "require('http')"`). The two flags below are read
// by V8 at every collection, so set once the server listens they keep RSS under load where the
// command-line bounds kept it (about 90 MB under GetStatus load, measured), at no start-up cost.
import v8 from 'node:v8';

export function boundHeapGrowth(): void {
  // The young generation stays at its initial size (1 MB semi-spaces) instead of doubling up to 16 MB.
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  // The old generation grows by 30 % after a full collection: V8's factor for a 256 MB heap limit.
  v8.setFlagsFromString('--heap-growing-percent=30');
}
