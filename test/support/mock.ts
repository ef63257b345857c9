// Starts a real mock on a real port for a test file, and speaks raw HTTP to it.
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { App, buildApp } from '../../server/app';
import { Config, loadConfig } from '../../server/config';
import { createLogger } from '../../server/log/logger';
import { API_NS, CONTENT_TYPE, ENVELOPE_NS, SERVICE_PATH, SoapVersion, XSD, XSI } from './constants';

// The names live in ./constants; re-exported here so one import line serves a suite.
export * from './constants';

export interface RunningMock {
  app: App;
  origin: string;
  serviceUrl: string;
  close(): Promise<void>;
}

export async function startMock(env: Record<string, string> = {}): Promise<RunningMock> {
  const config: Config = loadConfig({ DB_PATH: ':memory:', LOG_LEVEL: 'silent', FIXTURES_DIR: 'none', ...env });
  const app = await buildApp(config, createLogger(config));
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const port = (app.server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return { app, origin, serviceUrl: origin + SERVICE_PATH, close: () => app.close() };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly the headers given (fetch would add a content type of its own). */
export function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export const soapAction = (op: string) => `"${API_NS}${op}"`;

export interface FileBatchFields {
  TimeOut?: string;
  ExternalContext?: string;
  FileName?: string;
  OCRProfile?: string;
  PutModel?: string;
}

export function fileBatchBody(f: FileBatchFields = {}): string {
  const ctx = f.ExternalContext === undefined ? '' : `<ExternalContext>${f.ExternalContext}</ExternalContext>`;
  return (
    `<FileBatch xmlns="${API_NS}"><TimeOut>${f.TimeOut ?? '300'}</TimeOut>${ctx}` +
    `<InputFile><Connection>OcrShare</Connection><RelativeLocation>in/2024</RelativeLocation><FileName>${
      f.FileName ?? 'invoice-0001.pdf'
    }</FileName></InputFile>` +
    `<OCRProfile>${f.OCRProfile ?? 'InvoiceProfile'}</OCRProfile>` +
    `<OutputFile><Connection>OcrShare</Connection><RelativeLocation>out/2024</RelativeLocation><FileName>invoice-0001.xml</FileName></OutputFile>` +
    `<PutModel>${f.PutModel ?? 'Replace'}</PutModel></FileBatch>`
  );
}

export const metadataHeader = (id: string | bigint | number) =>
  `<ActivityMetadata xmlns="${API_NS}"><MasterWorkflowInstanceId>${id}</MasterWorkflowInstanceId></ActivityMetadata>`;

export function envelope(version: SoapVersion, body: string, header?: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ENVELOPE_NS[version]}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}">` +
    (header === undefined ? '' : `<soap:Header>${header}</soap:Header>`) +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

export function soapPost(mock: Pick<RunningMock, 'serviceUrl'>, version: SoapVersion, op: string | null, env: string) {
  const headers: Record<string, string> =
    version === '1.1'
      ? { 'Content-Type': CONTENT_TYPE['1.1'], ...(op ? { SOAPAction: soapAction(op) } : {}) }
      : { 'Content-Type': `${CONTENT_TYPE['1.2']}${op ? `; action="${API_NS}${op}"` : ''}` };
  return raw(mock.serviceUrl, { method: 'POST', headers, body: env });
}

/** Submits a batch over SOAP 1.1 and returns its id as a string. */
export async function submit(mock: Pick<RunningMock, 'serviceUrl'>, fields: FileBatchFields = {}): Promise<string> {
  const r = await soapPost(mock, '1.1', 'FileBatch', envelope('1.1', fileBatchBody(fields)));
  const m = /<MasterWorkflowInstanceId>(\d+)<\/MasterWorkflowInstanceId>/.exec(r.body);
  if (r.status !== 200 || !m) throw new Error(`FileBatch failed: ${r.status} ${r.body}`);
  return m[1]!;
}

/** GetStatus over SOAP 1.1; returns Status, ErrorCode and ExternalContext (undefined when omitted). */
export async function status(mock: Pick<RunningMock, 'serviceUrl'>, id: string | bigint) {
  const r = await soapPost(mock, '1.1', 'GetStatus', envelope('1.1', `<GetStatus xmlns="${API_NS}" />`, metadataHeader(id)));
  if (r.status !== 200) throw new Error(`GetStatus failed: ${r.status} ${r.body}`);
  const pick = (n: string) => new RegExp(`<${n}>([^<]*)</${n}>`).exec(r.body)?.[1];
  return { status: pick('Status'), errorCode: pick('ErrorCode'), externalContext: pick('ExternalContext') };
}
