// Near misses (issue 13, part 4): every journal entry knows how each rule fared against it, and
// says so in words for every match condition: GET /requests/{seq}, and a rule's latest near
// misses on GET /rules/{id}. Against a real server over real HTTP.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdminClient, AdminError, RuleInput } from '../server/client';
import { API_NS, RunningMock, envelope, fileBatchBody, metadataHeader, raw, soapPost, startMock, status, submit } from './support/mock';

let mock: RunningMock;
let admin: AdminClient;
before(async () => {
  mock = await startMock();
  admin = new AdminClient({ url: mock.origin });
});
after(() => mock.close());
beforeEach(() => admin.reset());

/** A harmless transport effect, so a rule that fires changes nothing a test looks at. */
const noop = { type: 'delay', ms: 0 } as const;

const newestSeq = async () => (await admin.requests({ limit: 1 })).items[0]!.seq;

async function explained(seq: number) {
  const e = await admin.explain(seq);
  return Object.fromEntries(e.rules.map((r) => [r.rule, r]));
}

describe('near misses: every match condition', () => {
  it('a FileBatch: the first condition that failed, with the expected and the actual value', async () => {
    const rules: RuleInput[] = [
      { id: 'op', match: { operation: 'GetStatus' }, fault: noop },
      { id: 'proto', match: { protocol: 'soap12' }, fault: noop },
      { id: 'batch', match: { batchId: '999' }, fault: noop },
      { id: 'action', match: { soapAction: 'urn:other' }, fault: noop },
      { id: 'profile', match: { ocrProfile: 'ReceiptProfile' }, fault: noop },
      { id: 'put', match: { putModel: 'Append' }, fault: noop },
      { id: 'context', match: { externalContext: '^order-' }, fault: noop },
      { id: 'file', match: { operation: 'FileBatch', fileName: '*.missing.pdf' }, fault: noop },
      { id: 'meta', match: { metadata: { workflowSpaceName: 'Finance', workflowName: 'Nightly' } }, fault: noop },
      { id: 'held', match: { operation: 'FileBatch' }, hold: 'Queued' },
      // Conditions are tried in order: the first that fails is the one reported.
      { id: 'first', match: { operation: 'GetStatus', fileName: '*.missing.pdf' }, fault: noop },
    ];
    for (const r of rules) await admin.addRule(r);
    const header = `<ActivityMetadata xmlns="${API_NS}"><WorkflowSpaceName>Finance</WorkflowSpaceName><WorkflowName>Daily</WorkflowName></ActivityMetadata>`;
    const r = await soapPost(mock, '1.1', 'FileBatch', envelope('1.1', fileBatchBody({ ExternalContext: 'abc', FileName: 'invoice.pdf' }), header));
    assert.equal(r.status, 200);
    const why = await explained(await newestSeq());
    const text = (id: string) => why[id]!.text;
    assert.equal(text('op'), 'operation: expected GetStatus, was FileBatch');
    assert.equal(text('proto'), 'protocol: expected soap12, was soap11');
    assert.equal(text('batch'), 'batchId: expected 999, was none');
    assert.equal(text('action'), `soapAction: expected urn:other, was ${API_NS}FileBatch`);
    assert.equal(text('profile'), 'ocrProfile: expected ReceiptProfile, was InvoiceProfile');
    assert.equal(text('put'), 'putModel: expected Append, was Replace');
    assert.equal(text('context'), 'externalContext: regex ^order- did not match abc');
    assert.equal(text('file'), 'fileName: glob *.missing.pdf did not match invoice.pdf');
    assert.equal(text('meta'), 'metadata.workflowName: expected Nightly, was Daily');
    assert.equal(text('first'), 'operation: expected GetStatus, was FileBatch');
    assert.deepEqual(why['held'], { rule: 'held', matched: true, fired: true, condition: null, expected: null, actual: null, text: 'matched and fired' });
    assert.deepEqual(why['file'], {
      rule: 'file',
      matched: false,
      fired: false,
      condition: 'fileName',
      expected: 'glob *.missing.pdf',
      actual: 'invoice.pdf',
      text: 'fileName: glob *.missing.pdf did not match invoice.pdf',
    });
    assert.deepEqual(
      [why['meta']!.condition, why['meta']!.expected, why['meta']!.actual],
      ['metadata.workflowName', 'Nightly', 'Daily'],
    );
    // The entry is the journal's, with the rules in book order.
    const e = await admin.explain(await newestSeq());
    assert.equal(e.operation, 'FileBatch');
    assert.deepEqual(e.rules.map((x) => x.rule), rules.map((x) => x.id));
  });

  it('a GetStatus: its stored batch is matched; absent values and batch effects are named', async () => {
    const id = await submit(mock, { FileName: 'invoice.pdf' }); // no ExternalContext
    await admin.addRule({ id: 'batch', match: { batchId: '999' }, fault: noop });
    await admin.addRule({ id: 'context', match: { externalContext: '^order-' }, fault: noop });
    await admin.addRule({ id: 'meta', match: { metadata: { workflowName: 'Nightly' } }, fault: noop });
    await admin.addRule({ id: 'effect', match: {}, outcome: { status: 'Failed', errorCode: 'InternalError', at: 'Completed' } });
    await status(mock, id);
    const why = await explained(await newestSeq());
    assert.equal(why['batch']!.text, `batchId: expected 999, was ${id}`);
    assert.equal(why['context']!.text, 'externalContext: regex ^order-: the request has no ExternalContext');
    assert.equal(why['meta']!.text, 'metadata.workflowName: expected Nightly, was absent');
    assert.equal(why['effect']!.text, 'operation: a batch effect (outcome) acts on the batch FileBatch creates; this was GetStatus');
    // HTTP GET carries no InputFile of its own, and an unknown batch has none stored.
    await admin.addRule({ id: 'file', match: { fileName: '*.pdf' }, fault: noop });
    await raw(`${mock.serviceUrl}/GetStatus?MasterWorkflowInstanceId=424242`);
    const unknown = await explained(await newestSeq());
    assert.equal(unknown['file']!.text, 'fileName: glob *.pdf: the request has no InputFile/FileName');
  });

  it('a rule that matched but did not act says why: after, times, probability, an earlier fault', async () => {
    const id = await submit(mock);
    await admin.addRule({ id: 'later', match: { operation: 'GetStatus' }, after: 5, fault: noop });
    await admin.addRule({ id: 'spent', match: { operation: 'GetStatus' }, times: 0, fault: noop });
    await admin.addRule({ id: 'unlucky', match: { operation: 'GetStatus' }, probability: 0, seed: 42, fault: noop });
    await admin.addRule({ id: 'winner', match: { operation: 'GetStatus' }, fault: noop });
    await admin.addRule({ id: 'shadowed', match: { operation: 'GetStatus' }, fault: noop });
    await status(mock, id);
    const why = await explained(await newestSeq());
    assert.deepEqual(
      Object.values(why).map((r) => [r.rule, r.matched, r.fired, r.condition, r.text]),
      [
        ['later', true, false, 'after', 'matched, but after: 5 skips the first 5 matches (this was match 1)'],
        ['spent', true, false, 'times', 'matched, but times: 0 is used up (fired 0 times)'],
        ['unlucky', true, false, 'probability', 'matched, but probability 0 (seed 42) did not draw this one'],
        ['winner', true, true, null, 'matched and fired'],
        ['shadowed', false, false, 'order', "not tried: rule winner's transport fault, earlier in the book, already answers this request"],
      ],
    );
  });

  it('an entry that met no rules has none; an unknown or malformed seq is a problem', async () => {
    const id = await submit(mock);
    const e = await admin.explain(await newestSeq());
    assert.equal(e.batchId, id);
    assert.deepEqual(e.rules, []);
    await assert.rejects(admin.explain(987654), (err: unknown) => err instanceof AdminError && err.status === 404 && /journal entry 987654 not found/.test(err.problem?.detail ?? ''));
    assert.equal((await raw(`${mock.origin}/__admin/requests/0`)).status, 400);
    assert.equal((await raw(`${mock.origin}/__admin/requests/abc`)).status, 400);
  });
});

describe("a rule's near misses", () => {
  it('GET /rules/{id} lists the latest requests it did not act on, newest first, and why', async () => {
    await admin.addRule({ id: 'missing', match: { operation: 'FileBatch', fileName: '*.missing.pdf' }, outcome: { status: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput' } });
    const a = await submit(mock, { FileName: 'a.pdf' });
    await submit(mock, { FileName: 'b.missing.pdf' }); // fires: no near miss
    await status(mock, a);
    const seqs = (await admin.requests()).items.map((e) => e.seq);
    const rule = await admin.getRule('missing');
    assert.equal(rule.fired, 1);
    assert.deepEqual(
      rule.nearMisses!.map((n) => [n.seq, n.operation, n.condition, n.text]),
      [
        [seqs[2], 'GetStatus', 'operation', 'operation: expected FileBatch, was GetStatus'],
        [seqs[0], 'FileBatch', 'fileName', 'fileName: glob *.missing.pdf did not match a.pdf'],
      ],
    );
    assert.equal(rule.nearMisses![1]!.batchId, a);
    // Lists show no near misses (single reads only), and at most 10 are kept per read.
    assert.equal((await admin.listRules()).items[0]!.nearMisses, undefined);
    for (let i = 0; i < 12; i++) await status(mock, a);
    assert.equal((await admin.getRule('missing')).nearMisses!.length, 10);
  });

  it('requests journaled before a rule existed are no near misses of it', async () => {
    const id = await submit(mock);
    await status(mock, id);
    await admin.addRule({ id: 'new', match: { batchId: '1' }, fault: noop });
    assert.deepEqual((await admin.getRule('new')).nearMisses, []);
    await status(mock, id);
    assert.equal((await admin.getRule('new')).nearMisses!.length, 1);
    // A header with MasterWorkflowInstanceId only: still a GetStatus for that id.
    await soapPost(mock, '1.1', 'GetStatus', envelope('1.1', `<GetStatus xmlns="${API_NS}" />`, metadataHeader(id)));
    assert.equal((await admin.getRule('new')).nearMisses![0]!.text, `batchId: expected 1, was ${id}`);
  });
});
