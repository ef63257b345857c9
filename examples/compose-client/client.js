#!/usr/bin/env node
// Example client for cora-ocr-mock: plain Node (>= 18, global fetch), no dependencies.
//
// Submits one FileBatch over raw SOAP 1.1, then polls GetStatus every 250 ms until a
// terminal status (Completed, Failed, Aborted, NotFound) or 60 s, printing each change.
// Exit code: 0 when the batch Completed, 1 otherwise.
//
//   MOCK_URL=http://127.0.0.1:8080 node examples/compose-client/client.js
'use strict';

const MOCK_URL = (process.env.MOCK_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const ENDPOINT = `${MOCK_URL}/SequenceServices/coraOcrIntegration_v1.0.0.asmx`;
const NS = 'http://genpact.com/cora/orchestration/ocr/1.0.0/api/';
const POLL_MS = 250;
const DEADLINE_MS = 60_000;
const TERMINAL = new Set(['Completed', 'Failed', 'Aborted', 'NotFound']);

const envelope = (header, body) =>
  '<?xml version="1.0" encoding="utf-8"?>\n' +
  '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"' +
  ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
  ' xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
  (header ? `<soap:Header>${header}</soap:Header>` : '') +
  `<soap:Body>${body}</soap:Body></soap:Envelope>`;

const escapeXml = (s) =>
  String(s).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);

// Text of the first element with this local name (any or no namespace prefix).
function xmlText(xml, name) {
  const m = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${name}>`).exec(xml);
  return m ? m[1].trim() : undefined;
}

async function soap(action, header, body) {
  const res = await fetch(ENDPOINT, {
    method: 'POST',
    headers: {
      'Content-Type': 'text/xml; charset=utf-8',
      SOAPAction: `"${NS}${action}"`,
    },
    body: envelope(header, body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const fault = xmlText(text, 'faultstring');
  if (!res.ok || fault !== undefined) {
    throw new Error(`${action}: HTTP ${res.status}${fault !== undefined ? ` fault: ${fault}` : ''}\n${text.slice(0, 500)}`);
  }
  return text;
}

async function fileBatch(context) {
  const body =
    `<FileBatch xmlns="${NS}">` +
    '<TimeOut>300</TimeOut>' +
    `<ExternalContext>${escapeXml(context)}</ExternalContext>` +
    '<InputFile><Connection>OcrShare</Connection><RelativeLocation>in</RelativeLocation>' +
    '<FileName>invoice-0001.pdf</FileName></InputFile>' +
    '<OCRProfile>InvoiceProfile</OCRProfile>' +
    '<OutputFile><Connection>OcrShare</Connection><RelativeLocation>out</RelativeLocation>' +
    '<FileName>invoice-0001.xml</FileName></OutputFile>' +
    '<PutModel>Replace</PutModel>' +
    '</FileBatch>';
  const xml = await soap('FileBatch', '', body);
  const id = xmlText(xml, 'MasterWorkflowInstanceId');
  if (!id || !/^\d+$/.test(id)) throw new Error(`FileBatch: no MasterWorkflowInstanceId in response\n${xml.slice(0, 500)}`);
  return id;
}

async function getStatus(id) {
  const header = `<ActivityMetadata xmlns="${NS}"><MasterWorkflowInstanceId>${id}</MasterWorkflowInstanceId></ActivityMetadata>`;
  const xml = await soap('GetStatus', header, `<GetStatus xmlns="${NS}"/>`);
  const status = xmlText(xml, 'Status');
  if (!status) throw new Error(`GetStatus: no Status in response\n${xml.slice(0, 500)}`);
  return { status, errorCode: xmlText(xml, 'ErrorCode') };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(2)}s`;
  console.log(`cora-ocr-mock example client -> ${ENDPOINT}`);

  const id = await fileBatch(`compose-example-${process.pid}-${started}`);
  console.log(`[${elapsed()}] FileBatch accepted: MasterWorkflowInstanceId=${id}`);

  let last;
  while (Date.now() - started < DEADLINE_MS) {
    const { status, errorCode } = await getStatus(id);
    if (status !== last) {
      console.log(`[${elapsed()}] status ${status}${errorCode ? ` (ErrorCode ${errorCode})` : ''}`);
      last = status;
    }
    if (TERMINAL.has(status)) {
      return status === 'Completed' ? 0 : 1;
    }
    await sleep(POLL_MS);
  }
  console.error(`[${elapsed()}] gave up: no terminal status within ${DEADLINE_MS / 1000}s (last: ${last})`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`error: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
