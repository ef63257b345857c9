// server/heap.ts bounds the V8 heap at run time, with flags V8 reads at every collection. If a node
// upgrade stopped honouring them, RSS under load would quietly grow back by tens of MB: this checks
// the young generation's size in a child process, with and without the bound, under the same load
// of short-lived objects, some of which survive (as a server's requests do).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const HEAP_JS = path.resolve(__dirname, '../dist/server/heap.js');

/** The largest new space (MB) V8 gave a child process that allocated the same load. */
function largestNewSpaceMb(bound: boolean): number {
  const script = `
    const v8 = require('node:v8');
    ${bound ? `require(${JSON.stringify(HEAP_JS)}).boundHeapGrowth();` : ''}
    let kept = [];
    let largest = 0;
    for (let round = 0; round < 150; round++) {
      for (let i = 0; i < 20000; i++) {
        const o = { id: i, text: 'batch ' + i, pair: [i, i] };
        if (i % 3 === 0) kept.push(o);
      }
      if (kept.length > 60000) kept = kept.slice(30000);
      const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      largest = Math.max(largest, space.space_size);
    }
    process.stdout.write(String(largest / 1048576));
  `;
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

describe('heap bounds (server/heap.ts)', () => {
  it('keeps the young generation at its initial size, where V8 alone grows it under the same load', () => {
    const unbounded = largestNewSpaceMb(false);
    const bounded = largestNewSpaceMb(true);
    // V8 alone doubles its semi-spaces up to 16 MB (new space 32 MB); bounded, they stay at 1 MB.
    assert.ok(unbounded >= 8, `without the bound the new space should grow (got ${unbounded} MB)`);
    assert.ok(bounded <= 4, `with the bound the new space should stay small (got ${bounded} MB)`);
  });
});
