// Writes v0-release.sqlite: a database as the release before schema versioning wrote it (commit
// 351d080: no PRAGMA user_version, no namespaces). The migration test opens it with today's code.
// It must run on that commit's code, not today's:
//   git worktree add /tmp/v0 351d080 && cd /tmp/v0 && npm ci
//   cp <this file> test/fixtures-db/ && npx tsx test/fixtures-db/make-v0-db.ts OUT.sqlite
import { ControllableClock } from '../../server/batches/clock';
import { BatchService } from '../../server/batches/service';
import { BatchStore } from '../../server/batches/store';

const out = process.argv[2] ?? 'v0-release.sqlite';
const store = new BatchStore(out, 1001n);
const clock = new ControllableClock(() => Date.parse('2026-11-30T12:00:00Z'));
clock.freeze();
const batches = new BatchService(store, clock, { timings: { queuedMs: 2000, processingInputMs: 3000, waitingForOutputMs: 5000 }, timeoutUnitMs: 1000 });
const file = (name: string) => ({ Connection: 'OcrShare', RelativeLocation: 'in/2026', FileName: name });
const request = (name: string, ctx: string | null) => ({ TimeOut: 300, ExternalContext: ctx, InputFile: file(name), OCRProfile: 'InvoiceProfile', OutputFile: file(name + '.xml'), PutModel: 'Replace' });

// 1001: submitted, then observed Completed (history: Queued .. Completed).
const done = batches.submit(request('done.pdf', 'ctx-done'), { WorkflowSpaceName: 'Finance', CallerId: 7, MasterWorkflowInstanceId: '0' });
clock.advance(11_000);
batches.status(done);
// 1002: a scripted failure at ProcessingInput.
batches.submit(request('fails.pdf', null), null, { outcome: { status: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput' } });
// 1003: forced Aborted by an admin.
const forced = batches.submit(request('forced.pdf', 'ctx-forced'), null);
batches.force(forced, 'Aborted', 'InternalError');
// 9007199254740993: an id above 2^53, held in WaitingForOutput.
batches.submit(request('big.pdf', 'ctx-big'), null, { hold: 'WaitingForOutput' }, { id: 9007199254740993n, source: 'api' });
store.close();
process.stdout.write(`wrote ${out}\n`);
