// Scripted failures over real HTTP: outcomes at every stage, magic values, counters, seeded chance,
// and every transport fault as real clients see it.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as soap from 'soap';
import { ERROR_CODES, OUTCOME_POINTS } from '../server/batches/model';
import { AdminClient } from '../server/client';
import { seededRandom } from '../server/rules/engine';
import { API_NS } from './support/constants';
import { RunningMock, envelope, metadataHeader, raw, soapPost, startMock, status, submit } from './support/mock';
import { waitFor } from './support/wait';

let mock: RunningMock;
let admin: AdminClient;
before(async () => {
  mock = await startMock();
  admin = new AdminClient({ url: mock.origin });
});
after(() => mock.close());
beforeEach(async () => {
  await admin.reset();
  await admin.freezeClock();
});

/** Milliseconds after creation at which each outcome point is reached with default timings. */
const REACHED_AT = { Queued: 0, ProcessingInput: 2000, WaitingForOutput: 5000, Completed: 10_000 } as const;
const BEFORE = { Queued: null, ProcessingInput: 'Queued', WaitingForOutput: 'ProcessingInput', Completed: 'WaitingForOutput' } as const;

describe('every ErrorCode at every stage, through a rule', () => {
  for (const code of ERROR_CODES.filter((c) => c !== 'NoError')) {
    for (const at of OUTCOME_POINTS) {
      it(`Failed/${code} on reaching ${at}`, async () => {
        await admin.addRule({ match: { operation: 'FileBatch', fileName: 'target-*.pdf' }, outcome: { status: 'Failed', errorCode: code, at } });
        const id = await submit(mock, { FileName: `target-${code}.pdf` });
        const other = await submit(mock, { FileName: 'innocent.pdf' });
        if (BEFORE[at]) {
          await admin.advanceClock(REACHED_AT[at] - 1);
          assert.equal((await status(mock, id)).status, BEFORE[at]);
          await admin.advanceClock(1);
        }
        assert.deepEqual(await status(mock, id), { status: 'Failed', errorCode: code, externalContext: undefined });
        await admin.advanceClock(10_000);
        assert.equal((await status(mock, other)).status, 'Completed', 'rules only touch what they match');
      });
    }
  }

  it('Aborted at a stage', async () => {
    await admin.addRule({ match: { operation: 'FileBatch' }, outcome: { status: 'Aborted', errorCode: 'NoError', at: 'WaitingForOutput' } });
    const id = await submit(mock);
    await admin.advanceClock(5000);
    assert.deepEqual(await status(mock, id), { status: 'Aborted', errorCode: 'NoError', externalContext: undefined });
  });

  it('hold keeps a batch in a stage until an admin moves it; custom timings change the stage lengths', async () => {
    await admin.addRule({ match: { externalContext: '^hold' }, hold: 'WaitingForOutput' });
    await admin.addRule({ match: { externalContext: '^quick' }, timings: { queuedMs: 10, processingInputMs: 10, waitingForOutputMs: 10 } });
    const held = await submit(mock, { ExternalContext: 'hold-me' });
    const quick = await submit(mock, { ExternalContext: 'quick-one' });
    await admin.advanceClock(30);
    assert.equal((await status(mock, quick)).status, 'Completed');
    await admin.advanceClock(3_600_000);
    assert.equal((await status(mock, held)).status, 'WaitingForOutput');
    await admin.setBatchStatus(held, 'Completed');
    assert.equal((await status(mock, held)).status, 'Completed');
  });

  it('matches on OCRProfile, PutModel, protocol and ActivityMetadata fields', async () => {
    await admin.addRule({ match: { ocrProfile: 'Receipts', putModel: 'Append' }, outcome: { status: 'Failed', errorCode: 'InternalError', at: 'Queued' } });
    await admin.addRule({ match: { protocol: 'soap12', operation: 'FileBatch' }, outcome: { status: 'Failed', errorCode: 'InputFileExists', at: 'Queued' } });
    await admin.addRule({ match: { metadata: { workflowName: 'Nightly' } }, outcome: { status: 'Failed', errorCode: 'OutputFileExists', at: 'Queued' } });
    const a = await submit(mock, { OCRProfile: 'Receipts', PutModel: 'Append' });
    const b = await submit(mock, { OCRProfile: 'Receipts', PutModel: 'Replace' });
    assert.equal((await status(mock, a)).errorCode, 'InternalError');
    assert.equal((await status(mock, b)).errorCode, 'NoError');
    const r12 = await soapPost(mock, '1.2', 'FileBatch', envelope('1.2', `<FileBatch xmlns="${API_NS}"><TimeOut>1</TimeOut><OCRProfile>p</OCRProfile><PutModel>m</PutModel></FileBatch>`));
    const id12 = /<MasterWorkflowInstanceId>(\d+)/.exec(r12.body)![1]!;
    assert.equal((await status(mock, id12)).errorCode, 'InputFileExists');
    const header = `<ActivityMetadata xmlns="${API_NS}"><WorkflowName>Nightly</WorkflowName></ActivityMetadata>`;
    const rm = await soapPost(mock, '1.1', 'FileBatch', envelope('1.1', `<FileBatch xmlns="${API_NS}"><TimeOut>1</TimeOut><OCRProfile>p</OCRProfile><PutModel>m</PutModel></FileBatch>`, header));
    const idm = /<MasterWorkflowInstanceId>(\d+)/.exec(rm.body)![1]!;
    assert.equal((await status(mock, idm)).errorCode, 'OutputFileExists');
  });
});

describe('counters and chance', () => {
  it('times: fail twice, then succeed', async () => {
    await admin.addRule({ match: { operation: 'FileBatch' }, times: 2, outcome: { status: 'Failed', errorCode: 'FailedToPutInputFile', at: 'Queued' } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await status(mock, await submit(mock))).errorCode);
    assert.deepEqual(codes, ['FailedToPutInputFile', 'FailedToPutInputFile', 'NoError', 'NoError']);
    const rule = (await admin.listRules()).items[0]!;
    assert.deepEqual([rule.matched, rule.fired], [4, 2]);
  });

  it('after: skip the first match, then act (the example rule shape from the issue)', async () => {
    await admin.addRule({ match: { operation: 'GetStatus', batchId: '1001' }, after: 1, fault: { type: 'soapFault', message: 'boom' } });
    await admin.createBatch({ id: '1001' });
    const body = envelope('1.1', `<GetStatus xmlns="${API_NS}"/>`, metadataHeader('1001'));
    const first = await soapPost(mock, '1.1', 'GetStatus', body);
    const second = await soapPost(mock, '1.1', 'GetStatus', body);
    assert.equal(first.status, 200);
    assert.equal(second.status, 500);
    assert.ok(second.body.includes('<faultcode>soap:Server</faultcode><faultstring>Server was unable to process request. ---&gt; boom</faultstring><detail /></soap:Fault>'));
    const other = await soapPost(mock, '1.1', 'GetStatus', envelope('1.1', `<GetStatus xmlns="${API_NS}"/>`, metadataHeader('1002')));
    assert.equal(other.status, 200);
  });

  async function sequence(seed: number): Promise<string> {
    await admin.reset();
    await admin.addRule({ match: { operation: 'GetStatus' }, probability: 0.5, seed, fault: { type: 'httpStatus', status: 503, body: 'busy' } });
    let out = '';
    for (let i = 0; i < 24; i++) out += (await status(mock, '1').then(() => 'o', () => 'x'));
    return out;
  }

  it('the same seed gives the same random sequence every run; another seed another one', async () => {
    const a = await sequence(42);
    const b = await sequence(42);
    const c = await sequence(7);
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.match(a, /o/);
    assert.match(a, /x/);
  });
});

describe('magic values in the shipped fixtures', () => {
  let shipped: RunningMock;
  before(async () => {
    shipped = await startMock({ FIXTURES_DIR: path.join(__dirname, '..', 'fixtures') });
    shipped.app.clock.freeze();
  });
  after(() => shipped.close());

  for (const code of ERROR_CODES.filter((c) => c !== 'NoError' && c !== 'TimedOut')) {
    it(`invoice.${code}.pdf fails with ${code}, no admin call needed`, async () => {
      const id = await submit(shipped, { FileName: `invoice.${code}.pdf` });
      shipped.app.clock.advance(10_000);
      assert.deepEqual(await status(shipped, id), { status: 'Failed', errorCode: code, externalContext: undefined });
    });
  }

  it('invoice.TimedOut.pdf waits out its TimeOut, then Failed/TimedOut', async () => {
    const id = await submit(shipped, { FileName: 'invoice.TimedOut.pdf', TimeOut: '60' });
    shipped.app.clock.advance(5000 + 59_999);
    assert.equal((await status(shipped, id)).status, 'WaitingForOutput');
    shipped.app.clock.advance(1);
    assert.deepEqual(await status(shipped, id), { status: 'Failed', errorCode: 'TimedOut', externalContext: undefined });
  });

  it('invoice.Aborted.pdf aborts; any other name completes', async () => {
    const aborted = await submit(shipped, { FileName: 'invoice.Aborted.pdf' });
    const fine = await submit(shipped, { FileName: 'invoice-0001.pdf' });
    shipped.app.clock.advance(10_000);
    assert.equal((await status(shipped, aborted)).status, 'Aborted');
    assert.deepEqual(await status(shipped, fine), { status: 'Completed', errorCode: 'NoError', externalContext: undefined });
  });

  it('the seeded batches answer in their states', async () => {
    const states = [];
    for (const id of ['1', '2', '3', '4', '5', '6', '7']) {
      const s = await status(shipped, id);
      states.push(`${s.status}/${s.errorCode}`);
    }
    assert.deepEqual(states, [
      'Completed/NoError',
      'Failed/InputFileNotFound',
      'Aborted/NoError',
      'Failed/TimedOut',
      'Queued/NoError',
      'ProcessingInput/NoError',
      'WaitingForOutput/NoError',
    ]);
  });
});

describe('known OCR profiles', () => {
  it('an unknown OCRProfile fails with RobotProfileNotFound when a list is configured', async () => {
    const m = await startMock({ KNOWN_PROFILES: 'InvoiceProfile, ReceiptProfile' });
    try {
      m.app.clock.freeze();
      const bad = await submit(m, { OCRProfile: 'Nope' });
      const good = await submit(m, { OCRProfile: 'ReceiptProfile' });
      m.app.clock.advance(2000);
      assert.equal((await status(m, bad)).errorCode, 'RobotProfileNotFound');
      assert.equal((await status(m, good)).status, 'ProcessingInput');
    } finally {
      await m.close();
    }
  });
});

describe('transport faults, seen by real clients', () => {
  const client = (opts: Record<string, unknown> = {}) =>
    soap.createClientAsync(`${mock.serviceUrl}?wsdl`, { customDeserializer: { long: (t: string) => t }, ...opts });
  const callGetStatus = async (c: soap.Client, id = '1', timeout?: number) => {
    c.clearSoapHeaders();
    c.addSoapHeader({ ActivityMetadata: { MasterWorkflowInstanceId: id } }, '', 'tns', API_NS);
    return c.GetStatusAsync({}, timeout ? { timeout } : {});
  };
  const fault = (f: Record<string, unknown>) => admin.addRule({ match: { operation: 'GetStatus' }, times: 1, fault: f as never });

  it('reset: the soap client sees ECONNRESET', async () => {
    const c = await client();
    await fault({ type: 'reset' });
    await assert.rejects(callGetStatus(c), (e: { code?: string }) => e.code === 'ECONNRESET');
    await callGetStatus(c); // times: 1, so the next call is fine
  });

  it('empty: the connection closes with no response', async () => {
    const c = await client();
    await fault({ type: 'empty' });
    await assert.rejects(callGetStatus(c), (e: { code?: string; message?: string }) => e.code === 'ECONNRESET' || /socket hang up/.test(e.message ?? ''));
  });

  it('noResponse: the client gives up with its own timeout', async () => {
    const c = await client();
    await fault({ type: 'noResponse' });
    await assert.rejects(callGetStatus(c, '1', 300), (e: { code?: string; message?: string }) => /timeout|ECONNABORTED/i.test(`${e.code} ${e.message}`));
  });

  it('malformed: 200 whose XML does not parse', async () => {
    const c = await client();
    await fault({ type: 'malformed' });
    // The soap client reports an answer it cannot parse as a fault of its own making.
    await assert.rejects(callGetStatus(c), (e: { Fault?: { faultstring?: string }; response?: { status?: number } }) => {
      assert.equal(e.Fault?.faultstring, 'Invalid XML');
      assert.equal(e.response?.status, 200);
      return true;
    });
    await fault({ type: 'malformed' });
    const r = await soapPost(mock, '1.1', 'GetStatus', envelope('1.1', `<GetStatus xmlns="${API_NS}"/>`, metadataHeader('1')));
    assert.equal(r.status, 200);
    const { DOMParser } = await import('@xmldom/xmldom');
    const errors: string[] = [];
    try {
      new DOMParser({ onError: (level, msg) => void (level !== 'warning' && errors.push(msg)) }).parseFromString(r.body, 'text/xml');
    } catch (err) {
      errors.push(String(err));
    }
    assert.ok(errors.length > 0, 'the body must not parse');
  });

  it('truncated: fewer bytes than Content-Length, then close', async () => {
    await fault({ type: 'truncated', bytes: 40 });
    const got = await new Promise<{ length: number; received: number; error: string }>((resolve) => {
      const req = http.request(mock.serviceUrl, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' } }, (res) => {
        let received = 0;
        res.on('data', (c: Buffer) => (received += c.length));
        res.on('error', (e) => resolve({ length: Number(res.headers['content-length']), received, error: e.message }));
        res.on('end', () => resolve({ length: Number(res.headers['content-length']), received, error: '' }));
      });
      req.end(envelope('1.1', `<GetStatus xmlns="${API_NS}"/>`));
    });
    assert.equal(got.received, 40);
    assert.ok(got.length > 40);
    assert.match(got.error, /aborted/);
  });

  it('delay: the answer comes late, but the state change happened on arrival', async () => {
    await admin.addRule({ match: { operation: 'FileBatch' }, times: 1, fault: { type: 'delay', ms: 400 } });
    const started = Date.now();
    let answered = false;
    const pending = submit(mock).finally(() => (answered = true));
    const seen = await waitFor(
      async () => {
        const page = await admin.listBatches();
        return page.stored > 0 ? { page, answered } : null;
      },
      { what: 'the batch to be created' },
    );
    assert.equal(seen.answered, false, 'the batch exists before its answer is sent');
    assert.equal(seen.page.stored, 1);
    const id = await pending;
    assert.ok(Date.now() - started >= 390);
    assert.equal(seen.page.items[0]!.id, id);
  });

  // A delay range draws each delay from the rule's own seeded stream (README: "a seeded stream per
  // rule, so a random rule repeats exactly"): minMs + (maxMs - minMs) * draw, rounded. Only a lower
  // bound on the time an answer takes is safe to assert (a busy machine adds to any delay).
  /** Timers may fire up to a millisecond early by performance.now(): libuv's clock has ms steps. */
  const TIMER_SLACK_MS = 2;
  const drawDelay = (random: () => number, minMs: number, maxMs: number) => Math.round(minMs + (maxMs - minMs) * random());

  it('delay range: each delay is the seeded stream\'s next draw, within bounds', async () => {
    const [minMs, maxMs, seed] = [50, 120, 5];
    await admin.addRule({ match: { operation: 'GetStatus' }, times: 3, seed, fault: { type: 'delay', minMs, maxMs } });
    const random = seededRandom(seed);
    for (let i = 0; i < 3; i++) {
      const expected = drawDelay(random, minMs, maxMs);
      assert.ok(expected >= minMs && expected <= maxMs, `draw ${expected} within [${minMs}, ${maxMs}]`);
      const t = performance.now();
      await status(mock, '1');
      const took = performance.now() - t;
      assert.ok(took >= expected - TIMER_SLACK_MS && took < 1000, `request ${i + 1}: took ${took.toFixed(1)} ms for a drawn delay of ${expected} ms`);
    }
  });

  it('a seeded chance of a delay range: the same seed delays the same requests by the same draws on every fresh run; another seed differs', async () => {
    const [minMs, maxMs, probability, requests] = [30, 150, 0.5, 12];
    /** The rule's stream: one draw per match for the chance, one more per delay for its length. */
    const predict = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: requests }, () => (random() < probability ? drawDelay(random, minMs, maxMs) : null));
    };
    async function run(seed: number) {
      await admin.reset();
      const rule = await admin.addRule({ match: { operation: 'GetStatus' }, probability, seed, fault: { type: 'delay', minMs, maxMs } });
      const took: number[] = [];
      for (let i = 0; i < requests; i++) {
        const t = performance.now();
        await status(mock, '1');
        took.push(performance.now() - t);
      }
      const journal = (await admin.requests({ operation: 'GetStatus' })).items;
      assert.equal(journal.length, requests);
      return { delayed: journal.map((e) => e.transportFault === 'delay' && e.ruleIds.includes(rule.id)), took };
    }
    const runs = [
      { seed: 42, ...(await run(42)) },
      { seed: 42, ...(await run(42)) },
      { seed: 7, ...(await run(7)) },
    ] as const;
    assert.deepEqual(runs[1].delayed, runs[0].delayed, 'the same seed delays the same requests');
    assert.notDeepEqual(runs[2].delayed, runs[0].delayed, 'another seed delays others');
    for (const r of runs) {
      const expected = predict(r.seed);
      assert.deepEqual(r.delayed, expected.map((ms) => ms !== null), `seed ${r.seed}: the requests the stream picks are delayed`);
      assert.ok(r.delayed.includes(true) && r.delayed.includes(false), `seed ${r.seed}: some requests delayed, some not`);
      expected.forEach((ms, i) => {
        if (ms === null) return;
        assert.ok(ms >= minMs && ms <= maxMs, `draw ${ms} within [${minMs}, ${maxMs}]`);
        assert.ok(r.took[i]! >= ms - TIMER_SLACK_MS, `seed ${r.seed}, request ${i + 1}: took ${r.took[i]!.toFixed(1)} ms for a drawn delay of ${ms} ms`);
      });
    }
  });

  it('reset behind a pipelined request: the earlier answer still arrives, then the connection ends', { timeout: 10_000 }, async () => {
    await admin.addRule({ match: { operation: 'FileBatch' }, times: 1, fault: { type: 'reset' } });
    const post = (op: string, body: string) =>
      `POST ${new URL(mock.serviceUrl).pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\n` +
      `SOAPAction: "${API_NS}${op}"\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const first = post('GetStatus', envelope('1.1', `<GetStatus xmlns="${API_NS}"/>`));
    const second = post('FileBatch', envelope('1.1', `<FileBatch xmlns="${API_NS}"><TimeOut>1</TimeOut><OCRProfile>p</OCRProfile><PutModel>m</PutModel></FileBatch>`));
    const received = await new Promise<{ data: string; error: string | undefined }>((resolve) => {
      const socket = net.connect(Number(new URL(mock.origin).port), '127.0.0.1', () => socket.write(first + second));
      let data = '';
      let error: string | undefined;
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (data += d));
      socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
      socket.on('close', () => resolve({ data, error }));
    });
    assert.match(received.data, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(received.data.includes('<Status>NotFound</Status>'), received.data);
    // One answer, then the connection ends (reset, or closed if the reset raced the write).
    assert.equal(received.data.match(/HTTP\/1\.1/g)?.length, 1);
    assert.ok(received.error === undefined || received.error === 'ECONNRESET', received.error);
  });

  it('reset on FileBatch: the client never learns the id, but the batch was created', async () => {
    await admin.addRule({ match: { operation: 'FileBatch' }, times: 1, fault: { type: 'reset' } });
    await assert.rejects(submit(mock), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET');
    const j = await admin.requests({ operation: 'FileBatch' });
    assert.equal(j.items[0]!.transportFault, 'reset');
    assert.equal((await admin.listBatches()).stored, 1);
  });

  it('dribble: the whole answer arrives, slowly', async () => {
    const c = await client();
    await fault({ type: 'dribble', chunkBytes: 64, intervalMs: 20 });
    const t = Date.now();
    const [res] = await callGetStatus(c);
    assert.equal(res.Output.Status, 'NotFound');
    assert.ok(Date.now() - t >= 100);
  });

  it('httpStatus: the client sees the status and body; nothing runs', async () => {
    await admin.addRule({ match: { operation: 'FileBatch' }, times: 1, fault: { type: 'httpStatus', status: 503, body: 'Service Unavailable', contentType: 'text/html' } });
    const r = await soapPost(mock, '1.1', 'FileBatch', envelope('1.1', `<FileBatch xmlns="${API_NS}"><TimeOut>1</TimeOut><OCRProfile>p</OCRProfile><PutModel>m</PutModel></FileBatch>`));
    assert.equal(r.status, 503);
    assert.equal(r.body, 'Service Unavailable');
    assert.equal(r.headers['content-type'], 'text/html');
    assert.equal((await admin.listBatches()).stored, 0);
  });

  it('an answer that cannot be written (a header no HTTP can carry) is a 500, and the others still go out', { timeout: 10_000 }, async () => {
    // The admin API refuses such a Content-Type (see admin.test.ts); here it is put in behind its back,
    // as a bug elsewhere might, to check the write path itself.
    mock.app.control.defaultWorld.addRule({ match: { operation: 'FileBatch' }, times: 1, fault: { type: 'httpStatus', status: 503, contentType: 'text/plain\r\nX-Injected: 1' } });
    const body = envelope('1.1', `<FileBatch xmlns="${API_NS}"><TimeOut>1</TimeOut><OCRProfile>p</OCRProfile><PutModel>m</PutModel></FileBatch>`);
    const [bad, good] = await Promise.all([soapPost(mock, '1.1', 'FileBatch', body), soapPost(mock, '1.1', 'GetStatus', envelope('1.1', `<GetStatus xmlns="${API_NS}"/>`))]);
    assert.equal(bad.status, 500);
    assert.equal(bad.headers['x-injected'], undefined);
    assert.equal(good.status, 200);
    assert.equal((await admin.listBatches()).stored, 0);
  });

  for (const v of ['1.1', '1.2'] as const) {
    it(`soapFault: shaped for SOAP ${v}, Client or Server`, async () => {
      await admin.addRule({ match: { operation: 'GetStatus' }, times: 1, fault: { type: 'soapFault', code: 'Client', message: 'bad header' } });
      const r = await soapPost(mock, v, 'GetStatus', envelope(v, `<GetStatus xmlns="${API_NS}"/>`));
      assert.equal(r.status, 500);
      assert.equal(r.headers['content-type'], v === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8');
      if (v === '1.1') assert.ok(r.body.includes('<faultcode>soap:Client</faultcode><faultstring>bad header</faultstring>'));
      else assert.ok(r.body.includes('<soap:Value>soap:Sender</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">bad header</soap:Text>'));
    });
  }

  it('the soap client sees a scripted Server fault as an error with the ASMX text', async () => {
    const c = await client();
    await fault({ type: 'soapFault', message: 'robot exploded' });
    await assert.rejects(callGetStatus(c), (e: { root?: { Envelope: { Body: { Fault: { faultstring: string } } } } }) => {
      assert.equal(e.root!.Envelope.Body.Fault.faultstring, 'Server was unable to process request. ---> robot exploded');
      return true;
    });
  });

  it('HTTP GET answers a scripted fault as ASMX text/plain', async () => {
    await fault({ type: 'soapFault', message: 'nope' });
    const r = await raw(`${mock.serviceUrl}/GetStatus`);
    assert.equal(r.status, 500);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(r.body, /nope/);
  });
});
