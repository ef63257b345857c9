// The dashboard at /__admin/ui, in a real browser: Debian's chromium driven by playwright-core,
// against the built mock as `npm start` runs it. If the browser cannot start, these tests fail
// (CHROMIUM_PATH names another binary): they never skip.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Browser, Page, chromium } from 'playwright-core';
import { API_NS, CONTENT_TYPE, envelope, fileBatchBody, metadataHeader, raw, soapAction } from './support/mock';
import { ServerProcess, spawnServer } from './support/process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = path.resolve(__dirname, '../docs/dashboard.png');
/** Upper bound for what the page must show; playwright waits for the condition, never this long unless it fails. */
const SHOWN_MS = 15_000;

let browser: Browser;

before(async () => {
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  } catch (err) {
    throw new Error(`cannot start Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH): ${(err as Error).message}`);
  }
});
after(async () => {
  await browser?.close();
});

const servers: ServerProcess[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function server(env: Record<string, string> = {}): Promise<ServerProcess> {
  const s = await spawnServer({ DB_PATH: ':memory:', ...env });
  servers.push(s);
  return s;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function soap(s: ServerProcess, op: string, body: string, header?: string): Promise<string> {
  const r = await raw(s.serviceUrl, { method: 'POST', headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: soapAction(op) }, body: envelope('1.1', body, header) });
  assert.equal(r.status, 200, r.body);
  return r.body;
}

async function fileBatch(s: ServerProcess, fields: Parameters<typeof fileBatchBody>[0] = {}, header?: string): Promise<string> {
  const body = await soap(s, 'FileBatch', fileBatchBody(fields), header);
  const m = /<MasterWorkflowInstanceId>(\d+)<\/MasterWorkflowInstanceId>/.exec(body);
  assert.ok(m, body);
  return m[1]!;
}

async function getStatus(s: ServerProcess, id: string): Promise<{ status: string; errorCode: string }> {
  const body = await soap(s, 'GetStatus', `<GetStatus xmlns="${API_NS}" />`, metadataHeader(id));
  const pick = (n: string) => new RegExp(`<${n}>([^<]*)</${n}>`).exec(body)?.[1] ?? '';
  return { status: pick('Status'), errorCode: pick('ErrorCode') };
}

interface Opened {
  page: Page;
  /** Console errors, uncaught page errors and dialogs so far (each a line). */
  problems: string[];
}

/** A fresh browser context (its own sessionStorage) on the dashboard, watching for anything wrong. */
async function open(s: ServerProcess): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog ${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  after(() => context.close());
  const r = await page.goto(`${s.origin}/__admin/ui`);
  assert.equal(r?.status(), 200);
  return { page, problems };
}

const row = (id: string, status?: string) => `[data-testid=batch-row][data-id="${id}"]${status ? `[data-status="${status}"]` : ''}`;
const shown = (page: Page, selector: string) => page.waitForSelector(selector, { timeout: SHOWN_MS });
const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent()) ?? '';

/** Brings the journal on screen: the page reads a live panel only while it is in view. */
async function showJournal(page: Page): Promise<void> {
  await page.locator('[data-testid=journal]').scrollIntoViewIfNeeded();
}

async function live(page: Page): Promise<void> {
  await shown(page, '[data-testid=live]:text("live")');
}

/** Advances the virtual clock from the page by one of its steps. */
async function advance(page: Page, ms: number): Promise<void> {
  await page.selectOption('[data-testid=clock-step]', String(ms));
  await page.click('[data-testid=clock-advance]');
}

async function freeze(page: Page): Promise<void> {
  await page.click('[data-testid=clock-freeze]');
  await shown(page, '[data-testid=clock-state]:text("frozen")');
}

describe('the dashboard in a real browser', () => {
  it('loads with no console errors, under a strict CSP, its assets cached', async () => {
    const s = await server({ FIXTURES_DIR: path.resolve(__dirname, '../fixtures') });
    const { page, problems } = await open(s);
    await live(page);
    // The seeded batches, the magic rules, health and version are shown.
    await shown(page, row('1', 'Completed'));
    await shown(page, '[data-testid=rule-row]');
    assert.match(await text(page, '[data-testid=health]'), /^ok/);
    assert.match(await text(page, '[data-testid=version]'), /^v\d+\.\d+\.\d+/);

    const html = await raw(`${s.origin}/__admin/ui`);
    const csp = html.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    // The one inline script is the import map (allowed by its hash); the code comes from files.
    const scripts = html.body.match(/<script[^>]*>/g) ?? [];
    assert.deepEqual(scripts, ['<script type="importmap">', '<script type="module" src="ui/app.js">']);
    // The vendored modules: versioned names, cached for a year; the page's own files revalidated.
    const vendor = /"preact":"\.\/(ui\/vendor\/preact-[0-9.]+\.js)"/.exec(html.body);
    assert.ok(vendor, html.body);
    const v = await raw(`${s.origin}/__admin/${vendor[1]}`);
    assert.equal(v.status, 200);
    assert.match(v.headers['content-type'] as string, /^text\/javascript/);
    assert.match(v.headers['cache-control'] as string, /max-age=31536000/);
    const app = await raw(`${s.origin}/__admin/ui/app.js`);
    assert.equal(app.headers['cache-control'], 'no-cache');
    const again = await raw(`${s.origin}/__admin/ui/app.js`, { headers: { 'If-None-Match': app.headers['etag'] as string } });
    assert.equal(again.status, 304);
    assert.equal((await raw(`${s.origin}/__admin/ui/nothing.js`)).status, 404);

    assert.deepEqual(problems, []);
  });

  it('shows a FileBatch sent over SOAP live, and the clock advanced from the page takes it through every stage to Completed, with no reload', async () => {
    const s = await server();
    const { page, problems } = await open(s);
    await live(page);
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    await freeze(page);

    const id = await fileBatch(s, { ExternalContext: 'order-42', FileName: 'invoice-0001.pdf' });
    await shown(page, row(id, 'Queued'));
    assert.equal(await text(page, `${row(id)} [data-testid=batch-context]`), 'order-42');
    assert.equal(await text(page, `${row(id)} [data-testid=batch-file]`), 'invoice-0001.pdf');
    // Default stages: 2 s queued, 3 s processing input, 5 s waiting for output.
    await advance(page, 2000);
    await shown(page, row(id, 'ProcessingInput'));
    await advance(page, 2000);
    await advance(page, 1000);
    await shown(page, row(id, 'WaitingForOutput'));
    await advance(page, 5000);
    await shown(page, row(id, 'Completed'));
    assert.deepEqual(await getStatus(s, id), { status: 'Completed', errorCode: 'NoError' });

    // The request of that FileBatch (and the GetStatus) reached the journal panel live too.
    await showJournal(page);
    await shown(page, '[data-testid=journal] [data-testid=journal-row]');
    assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'the page was reloaded');
    assert.deepEqual(problems, []);
  });

  it('moves a batch on its own with a running clock: the page reads it again when its next status is due', async () => {
    const s = await server({ QUEUED_MS: '300', PROCESSING_INPUT_MS: '300', WAITING_FOR_OUTPUT_MS: '300' });
    const { page, problems } = await open(s);
    await live(page);
    const id = await fileBatch(s);
    await shown(page, row(id));
    // No request and no event happens from here on: only time passes.
    await shown(page, row(id, 'Completed'));
    assert.deepEqual(problems, []);
  });

  it('a rule created from a template makes the next FileBatch fail with that ErrorCode at that stage', async () => {
    const s = await server();
    const { page, problems } = await open(s);
    await live(page);
    await page.selectOption('[data-testid=tpl-template]', 'fail');
    await page.selectOption('[data-testid=tpl-errorCode]', 'FailedToPutInputFile');
    await page.selectOption('[data-testid=tpl-at]', 'WaitingForOutput');
    await page.fill('[data-testid=tpl-times]', '1');
    await page.click('[data-testid=tpl-create]');
    await shown(page, '[data-testid=rule-row]');
    const rules = JSON.parse((await raw(`${s.origin}/__admin/rules`)).body) as { items: { match: unknown; times: number; outcome: unknown }[] };
    assert.equal(rules.items.length, 1);
    assert.deepEqual(rules.items[0]!.outcome, { status: 'Failed', errorCode: 'FailedToPutInputFile', at: 'WaitingForOutput' });

    await freeze(page);
    const failing = await fileBatch(s);
    const next = await fileBatch(s);
    await shown(page, row(failing, 'Queued'));
    await shown(page, `[data-testid=rule-row] [data-testid=rule-fired]:text("1")`);
    await advance(page, 2000);
    await shown(page, row(failing, 'ProcessingInput'));
    await advance(page, 2000);
    await advance(page, 1000);
    // On reaching WaitingForOutput it fails instead.
    await shown(page, row(failing, 'Failed'));
    assert.equal(await text(page, `${row(failing)} [data-testid=batch-error]`), 'FailedToPutInputFile');
    assert.deepEqual(await getStatus(s, failing), { status: 'Failed', errorCode: 'FailedToPutInputFile' });
    const history = (JSON.parse((await raw(`${s.origin}/__admin/batches/${failing}`)).body) as { history: { status: string }[] }).history.map((h) => h.status);
    assert.deepEqual(history, ['Queued', 'ProcessingInput', 'Failed']);
    // times 1: the FileBatch after it was left alone.
    await shown(page, row(next, 'WaitingForOutput'));
    assert.deepEqual(problems, []);
  });

  it('creating a rule from raw JSON shows the API validation message as it stands', async () => {
    const s = await server();
    const { page } = await open(s);
    await live(page);
    await page.fill('[data-testid=raw-json]', '{"match":{"operation":"Nope"},"fault":{"type":"reset"}}');
    await page.click('[data-testid=raw-create]');
    const direct = JSON.parse(
      (await raw(`${s.origin}/__admin/rules`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"match":{"operation":"Nope"},"fault":{"type":"reset"}}' })).body,
    ) as { detail: string };
    await shown(page, '[data-testid=rules-error]');
    const shownError = await text(page, '[data-testid=rules-error]');
    assert.ok(shownError.includes(direct.detail), `${shownError} / ${direct.detail}`);
  });

  it('forcing a status from the page is what SOAP GetStatus answers', async () => {
    const s = await server();
    const { page, problems } = await open(s);
    await live(page);
    const id = await fileBatch(s);
    await page.click(row(id));
    await shown(page, `[data-testid=batch-detail][data-id="${id}"]`);
    await page.selectOption('[data-testid=force-status]', 'Failed');
    await page.selectOption('[data-testid=force-code]', 'InputFileExists');
    await page.click('[data-testid=force]');
    await shown(page, row(id, 'Failed'));
    await shown(page, '[data-testid=detail-status]:text("Failed")');
    assert.deepEqual(await getStatus(s, id), { status: 'Failed', errorCode: 'InputFileExists' });

    // And deleting it from the page: GetStatus then answers NotFound.
    await page.click('[data-testid=delete-batch]');
    await page.click('[data-testid=delete-batch]');
    await page.waitForSelector(row(id), { state: 'detached', timeout: SHOWN_MS });
    assert.deepEqual(await getStatus(s, id), { status: 'NotFound', errorCode: 'NoError' });
    assert.deepEqual(problems, []);
  });

  it('shows hostile ExternalContext, FileName and metadata literally, and runs none of it', async () => {
    const s = await server();
    const { page, problems } = await open(s);
    await live(page);
    const hostile = {
      context: `<script>window.pwned='context'</script>`,
      file: `<img src=x onerror="window.pwned='file'">.pdf`,
      workflow: `javascript:window.pwned='metadata'`,
      activity: `<img src=x onerror=alert(1)><a href="javascript:alert(2)">x</a>`,
    };
    const header =
      `<ActivityMetadata xmlns="${API_NS}"><WorkflowName>${xml(hostile.workflow)}</WorkflowName>` +
      `<ActivityName>${xml(hostile.activity)}</ActivityName></ActivityMetadata>`;
    const id = await fileBatch(s, { ExternalContext: xml(hostile.context), FileName: xml(hostile.file) }, header);
    await shown(page, row(id));
    assert.equal(await text(page, `${row(id)} [data-testid=batch-context]`), hostile.context);
    assert.equal(await text(page, `${row(id)} [data-testid=batch-file]`), hostile.file);
    await page.click(row(id));
    await shown(page, '[data-testid=detail-metadata]');
    const metadata = await text(page, '[data-testid=detail-metadata]');
    assert.ok(metadata.includes(hostile.workflow), metadata);
    assert.ok(metadata.includes(hostile.activity), metadata);
    assert.equal(await text(page, '[data-testid="detail-ExternalContext"]'), hostile.context);
    // The journal entry's expanded view shows the metadata as the request carried it.
    await showJournal(page);
    await page.click('[data-testid=journal] [data-testid=journal-row]');
    await shown(page, '[data-testid=journal] [data-testid=journal-detail]');
    assert.ok((await text(page, '[data-testid=journal] [data-testid=journal-detail]')).includes(hostile.activity));

    // Nothing became markup: no element from the payloads, no link, nothing ran.
    assert.equal(await page.locator('#app img, #app script, #app a').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: string }).pwned), undefined);
    assert.deepEqual(problems, []);
  });

  it('with ADMIN_TOKEN, refuses to work without the token and works with it; the stream needs it too', async () => {
    const token = 'qa-secret-token';
    const s = await server({ ADMIN_TOKEN: token });
    const unauthorized = await raw(`${s.origin}/__admin/events`);
    assert.equal(unauthorized.status, 401);
    assert.equal((await raw(`${s.origin}/__admin/events?token=${token}`)).status, 401);
    const { page, problems } = await open(s);
    const id = await fileBatch(s, { ExternalContext: 'secret-order' });

    await shown(page, '[data-testid=token-form]');
    assert.equal(await page.locator('[data-testid=batches]').count(), 0);
    assert.equal(await page.getByText('secret-order').count(), 0);
    await page.fill('[data-testid=token-input]', 'wrong');
    await page.click('[data-testid=token-submit]');
    await shown(page, '[data-testid=token-error]');
    assert.equal(await page.locator('[data-testid=batches]').count(), 0);

    await page.fill('[data-testid=token-input]', token);
    await page.click('[data-testid=token-submit]');
    await live(page);
    await shown(page, row(id));
    assert.equal(await page.evaluate(() => sessionStorage.getItem('cora-ocr-mock.adminToken')), token);
    // Live over the authenticated stream.
    const second = await fileBatch(s);
    await shown(page, row(second));
    // The only errors are the browser's notes of the refused (401) calls.
    assert.deepEqual(problems.filter((p) => !/status of 401/.test(p)), []);
  });

  it('sets and resumes the clock, filters the journal, resets with and without batches', async () => {
    const s = await server();
    const { page, problems } = await open(s);
    await live(page);
    const id = await fileBatch(s);
    await getStatus(s, id);
    await shown(page, row(id));
    await page.fill('[data-testid=clock-set-input]', '2030-01-01T00:00:00Z');
    await page.click('[data-testid=clock-set]');
    await shown(page, '[data-testid=clock-now]:text("2030-01-01")');
    await freeze(page);
    await page.click('[data-testid=clock-resume]');
    await shown(page, '[data-testid=clock-state]:text("running")');

    await showJournal(page);
    await shown(page, '[data-testid=journal] [data-testid=journal-row] >> nth=1');
    await page.selectOption('[data-testid=journal-operation]', 'GetStatus');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=journal] [data-testid=journal-row]').length === 1, undefined, { timeout: SHOWN_MS });
    assert.match(await text(page, '[data-testid=journal] [data-testid=journal-row]'), /GetStatus/);

    // Keep batches: the batch stays, the journal empties.
    await page.check('[data-testid=reset-keep]');
    await page.click('[data-testid=reset]');
    await page.click('[data-testid=reset]');
    await page.waitForSelector('[data-testid=journal] [data-testid=journal-row]', { state: 'detached', timeout: SHOWN_MS });
    await shown(page, row(id));
    await page.uncheck('[data-testid=reset-keep]');
    await page.click('[data-testid=reset]');
    await page.click('[data-testid=reset]');
    await page.waitForSelector(row(id), { state: 'detached', timeout: SHOWN_MS });
    assert.deepEqual(problems, []);
  });

  it('switches namespaces once there are some, and works inside one under /ns/{name}', async () => {
    const s = await server();
    const { page, problems } = await open(s);
    await live(page);
    const mine = await fileBatch(s);
    await shown(page, row(mine));
    const r = await raw(`${s.origin}/ns/worker-3${'/SequenceServices/coraOcrIntegration_v1.0.0.asmx'}`, {
      method: 'POST',
      headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: soapAction('FileBatch') },
      body: envelope('1.1', fileBatchBody({ ExternalContext: 'in-worker-3' })),
    });
    const theirs = /<MasterWorkflowInstanceId>(\d+)</.exec(r.body)![1]!;
    await shown(page, '[data-testid=namespace]');
    await page.selectOption('[data-testid=namespace]', 'worker-3');
    await shown(page, row(theirs));
    assert.equal(await page.locator(row(mine)).count(), 0);

    const inside = await browser.newPage();
    after(() => inside.close());
    await inside.goto(`${s.origin}/ns/worker-3/__admin/ui`);
    await inside.waitForSelector('[data-testid=namespace-fixed]:text("worker-3")', { timeout: SHOWN_MS });
    await inside.waitForSelector(row(theirs), { timeout: SHOWN_MS });
    assert.equal(await inside.locator(row(mine)).count(), 0);
    assert.deepEqual(problems, []);
  });

  it('writes the README screenshot (docs/dashboard.png)', async () => {
    const s = await server({ FIXTURES_DIR: path.resolve(__dirname, '../fixtures') });
    const { page, problems } = await open(s);
    await live(page);
    const meta = `<ActivityMetadata xmlns="${API_NS}"><WorkflowSpaceName>Finance</WorkflowSpaceName><WorkflowName>Invoices</WorkflowName><ActivityName>OCR invoice</ActivityName><CallerId>7</CallerId></ActivityMetadata>`;
    const ids = [];
    for (const [ctx, file] of [
      ['order-1001', 'invoice-1001.pdf'],
      ['order-1002', 'invoice-1002.InternalError.pdf'],
      ['order-1003', 'invoice-1003.pdf'],
    ] as const) {
      ids.push(await fileBatch(s, { ExternalContext: ctx, FileName: file }, meta));
    }
    await getStatus(s, ids[0]!);
    await page.click(row(ids[0]!));
    await shown(page, `[data-testid=batch-detail][data-id="${ids[0]}"]`);
    await shown(page, '[data-testid=detail-journal] [data-testid=journal-row]');
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(fs.statSync(SCREENSHOT).size > 10_000);
    assert.deepEqual(problems, []);
  });
});
