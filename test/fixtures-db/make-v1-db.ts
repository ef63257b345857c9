// Writes v1-release.sqlite: a database as schema version 1 (namespaces; made with the code of commit a5f1099)
// writes it. Every later release must open it and serve its batches (test/reliability-schema.test.ts).
// Run on that commit's code: npx tsx test/fixtures-db/make-v1-db.ts test/fixtures-db/v1-release.sqlite
import { ControllableClock } from '../../server/batches/clock';
import { BatchService } from '../../server/batches/service';
import { BatchStore } from '../../server/batches/store';

const out = process.argv[2] ?? 'v1-release.sqlite';
const store = new BatchStore(out, 1001n);
const clock = new ControllableClock(() => Date.parse('2025-01-15T12:00:00Z'));
clock.freeze();
const policy = { timings: { queuedMs: 2000, processingInputMs: 3000, waitingForOutputMs: 5000 }, timeoutUnitMs: 1000 };
const batches = new BatchService(store, clock, policy);
const file = (name: string) => ({ Connection: 'OcrShare', RelativeLocation: 'in/2025', FileName: name });
const request = (name: string, ctx: string | null) => ({ TimeOut: 300, ExternalContext: ctx, InputFile: file(name), OCRProfile: 'InvoiceProfile', OutputFile: file(name + '.xml'), PutModel: 'Replace' });

// 1001: observed Completed. 1002: failed at ProcessingInput. 1003: forced Aborted.
const done = batches.submit(request('done.pdf', 'v1-done'), { WorkflowSpaceName: 'Finance', CallerId: 7, MasterWorkflowInstanceId: '0' });
clock.advance(11_000);
batches.status(done);
batches.submit(request('fails.pdf', null), null, { outcome: { status: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput' } });
batches.force(batches.submit(request('forced.pdf', 'v1-forced'), null), 'Aborted', 'InternalError');
// A namespace with a batch held in WaitingForOutput.
store.saveNamespace({ name: 'team-a', definition: JSON.stringify({ match: null, fixture: null }), createdAt: clock.now() });
new BatchService(store, clock, policy, 'team-a').submit(request('ns.pdf', 'v1-ns'), null, { hold: 'WaitingForOutput' }, { source: 'api' });
store.close();
process.stdout.write(`wrote ${out}\n`);
