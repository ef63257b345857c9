// The HTTP adapter for everything under the .asmx path: WSDL, disco, help page, SOAP 1.1/1.2 and
// the HTTP GET/POST bindings. It translates wire <-> domain and nothing more.
import type { IncomingMessage } from 'node:http';
import type { Decision, Exchange, ServiceRequest } from '../control/exchange';
import type { World } from '../control/world';
import type { Served } from '../http/exchanges';
import type { RequestTarget } from '../http/listener';
import { namespaceOf } from '../http/namespaces';
import type { Reply } from '../http/reply';
import {
  CACHE_ERROR,
  CACHE_OK,
  CONTENT_TYPE_SOAP11,
  CONTENT_TYPE_SOAP12,
  CONTENT_TYPE_TEXT,
  SERVICE_PATH_LOWER,
  SoapVersion,
} from './constants';
import { parseInt64 } from './decode';
import { SoapRequestInfo, parseMediaType, readSoapRequest } from './envelope';
import { BodyTooLarge, HttpStatusError, SoapFault, VersionedFault, faultForError, processingFailed, renderFault } from './faults';
import { helpPage } from './help';
import { batchOutputDocument, fileBatchResponse, getStatusResponse } from './responses';
import { ServiceDescription } from './wsdl';

/** How a request ended, before it becomes an Exchange. */
type Ending = Pick<Served, 'reply' | 'decision' | 'resultStatus' | 'error'> & { resultErrorCode?: string };

export interface AsmxOptions {
  description: ServiceDescription;
  bodyLimitBytes: number;
  /** The control core: the namespace (world) an understood request runs in. */
  enter(req: ServiceRequest): World;
}

/** A request answered without reaching an operation (refused, or a document like the WSDL). */
const answered = (reply: Reply, error: string | null = null): Ending => ({ reply, decision: null, resultStatus: null, error });
const emptyReply = (status: number): Reply => ({ status, contentType: null, cacheControl: CACHE_ERROR, body: '' });
const textError = (message: string, status = 500): Reply => ({
  status,
  contentType: CONTENT_TYPE_TEXT,
  cacheControl: CACHE_ERROR,
  body: `System.InvalidOperationException: ${message}`,
});
const xmlOk = (contentType: string, body: string): Reply => ({ status: 200, contentType, cacheControl: CACHE_OK, body });
const soapContentType = (v: SoapVersion) => (v === '1.1' ? CONTENT_TYPE_SOAP11 : CONTENT_TYPE_SOAP12);
const faultReply = (v: SoapVersion, f: SoapFault): Reply => ({
  status: 500,
  contentType: soapContentType(v),
  cacheControl: CACHE_ERROR,
  body: renderFault(v, f.code, f.message, f.detail),
});

/** Whether a URL path belongs to the service; returns the part after `.asmx` ('' for the service itself). */
export function matchServicePath(pathname: string): string | null {
  const lower = pathname.toLowerCase();
  if (!lower.startsWith(SERVICE_PATH_LOWER)) return null;
  const rest = pathname.slice(SERVICE_PATH_LOWER.length);
  if (rest === '' || rest.startsWith('/')) return rest;
  return null;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    // One chunk is the common case (a small body arrives with its headers): no copy then.
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** The adapter: one request under the .asmx path in, its Exchange and Reply out (nothing written). */
export function createAsmxHandler(opts: AsmxOptions) {
  const { description } = opts;

  function serviceUrl(req: IncomingMessage, pathname: string, rest: string): string {
    const host = req.headers.host ?? `localhost:${req.socket.localPort ?? 80}`;
    return `http://${host}${pathname.slice(0, pathname.length - rest.length)}`;
  }

  /** Runs an understood request through the rules and the domain. */
  function perform(sr: ServiceRequest, version: SoapVersion | null): Ending {
    let world: World;
    try {
      world = opts.enter(sr);
    } catch (err) {
      return refusedFor(err, version, null);
    }
    const decision = world.decide(sr);
    const refusal = decision.refuse;
    if (refusal?.kind === 'httpStatus') {
      const reply: Reply = { status: refusal.status, contentType: refusal.contentType, cacheControl: CACHE_ERROR, body: refusal.body };
      return { reply, decision, resultStatus: `http ${refusal.status}`, error: null };
    }
    if (refusal?.kind === 'soapFault') {
      const fault = refusal.code === 'Server' ? processingFailed(refusal.message) : new SoapFault('Client', refusal.message);
      return { reply: version ? faultReply(version, fault) : textError(fault.message), decision, resultStatus: 'fault', error: null };
    }
    try {
      if (sr.operation === 'FileBatch') {
        const id = world.batches.submit(sr.fileBatch!, sr.metadata, decision.effects);
        sr.batchId = id;
        return { reply: xmlOk(soapContentType(version!), fileBatchResponse(version!, id)), decision, resultStatus: 'created', error: null };
      }
      const status = world.batches.status(sr.batchId);
      const reply = version
        ? xmlOk(soapContentType(version), getStatusResponse(version, status))
        : xmlOk(CONTENT_TYPE_SOAP11, batchOutputDocument(status));
      return { reply, decision, resultStatus: status.status, resultErrorCode: status.errorCode, error: null };
    } catch (err) {
      return refusedFor(err, version, decision);
    }
  }

  /** The core's typed errors, as the web method would report them; anything else is a 500. */
  function refusedFor(err: unknown, version: SoapVersion | null, decision: Decision | null): Ending {
    const fault = faultForError(err);
    if (!fault) throw err;
    return { reply: version ? faultReply(version, fault) : textError(fault.message), decision, resultStatus: 'fault', error: fault.message };
  }

  async function handleSoap(req: IncomingMessage, sr: ServiceRequest): Promise<Ending> {
    const info: SoapRequestInfo = {};
    try {
      const body = await readBody(req, opts.bodyLimitBytes);
      const call = readSoapRequest(req.headers['content-type'], req.headers['soapaction'] as string | undefined, body, info);
      sr.protocol = call.version === '1.1' ? 'soap11' : 'soap12';
      sr.operation = call.operation;
      sr.soapAction = info.soapAction ?? null;
      sr.metadata = call.metadata;
      sr.fileBatch = call.fileBatch;
      if (call.operation === 'GetStatus') {
        const id = call.metadata?.MasterWorkflowInstanceId;
        sr.batchId = id === undefined ? null : BigInt(id);
      }
      return perform(sr, call.version);
    } catch (err) {
      sr.protocol = info.version === '1.2' ? 'soap12' : info.version === '1.1' ? 'soap11' : sr.protocol;
      sr.operation = info.operation ?? null;
      sr.soapAction = info.soapAction ?? null;
      sr.metadata = info.metadata ?? null;
      if (err instanceof BodyTooLarge) return answered(textError('Maximum request length exceeded.', 413), 'body too large');
      if (err instanceof HttpStatusError) return answered(emptyReply(err.status), err.message);
      if (err instanceof VersionedFault) return answered(faultReply(err.version, err.fault), err.message);
      throw err;
    }
  }

  async function handleHttpMethod(
    req: IncomingMessage,
    method: string,
    query: URLSearchParams,
    sr: ServiceRequest,
  ): Promise<Ending> {
    sr.protocol = req.method === 'POST' ? 'httppost' : 'httpget';
    if (method !== 'GetStatus') return answered(textError(`${method} Web Service method name is not valid.`), 'unknown method');
    sr.operation = 'GetStatus';
    let params = query;
    if (req.method === 'POST') {
      let body: Buffer;
      try {
        body = await readBody(req, opts.bodyLimitBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) return answered(textError('Maximum request length exceeded.', 413), 'body too large');
        throw err;
      }
      const media = parseMediaType(req.headers['content-type']);
      if (media && media.type !== 'application/x-www-form-urlencoded') {
        return answered(textError(`Request format is invalid: ${req.headers['content-type']}.`), 'bad content type');
      }
      if (!media && body.length > 0) return answered(textError('Request format is invalid: .'), 'no content type');
      params = new URLSearchParams(body.toString('utf8'));
    }
    // Mock extension: real ASMX cannot carry the SOAP header over HTTP GET/POST, so the id may come as a parameter.
    const raw = params.get('MasterWorkflowInstanceId');
    if (raw !== null && raw !== '') {
      try {
        sr.batchId = parseInt64(raw);
      } catch {
        return answered(textError(`Cannot convert ${raw} to System.Int64.`), 'bad id parameter');
      }
    }
    return perform(sr, null);
  }

  return async function serveAsmx(req: IncomingMessage, url: RequestTarget, rest: string): Promise<Served> {
    // Created with every field, so its shape never changes as it is filled in.
    const sr: ServiceRequest & Omit<Exchange, keyof ServiceRequest> & { reply: Reply | undefined } = {
      namespace: namespaceOf(req, url.pathname),
      protocol: null,
      operation: null,
      soapAction: null,
      metadata: null,
      batchId: null,
      fileBatch: null,
      httpStatus: 0,
      decision: null,
      resultStatus: null,
      resultErrorCode: null,
      error: null,
      durationMs: 0,
      reply: undefined,
    };
    let outcome: Ending;

    if (rest === '' && (req.method === 'GET' || req.method === 'HEAD')) {
      const q = url.search.slice(1).toLowerCase();
      const base = serviceUrl(req, url.pathname, rest);
      if (q === 'wsdl' || q.startsWith('wsdl=')) outcome = answered(xmlOk(CONTENT_TYPE_SOAP11, description.wsdl(base)));
      else if (q === 'disco') outcome = answered(xmlOk(CONTENT_TYPE_SOAP11, description.disco(base)));
      else {
        const op = url.searchParams.get('op');
        outcome = answered({
          status: 200,
          contentType: 'text/html; charset=utf-8',
          cacheControl: CACHE_OK,
          body: helpPage(req.headers.host ?? 'localhost', url.pathname, op),
        });
      }
    } else if (rest === '' && req.method === 'POST') {
      outcome = await handleSoap(req, sr);
    } else if (rest !== '' && (req.method === 'GET' || req.method === 'POST')) {
      outcome = await handleHttpMethod(req, rest.slice(1), url.searchParams, sr);
    } else {
      outcome = answered(textError(`Request format is unrecognized for method ${req.method}.`, 405), 'method not allowed');
    }
    // Filled in place (no spread copies): this runs for every request.
    const ex = sr as Served;
    ex.reply = outcome.reply;
    ex.httpStatus = outcome.reply.status;
    ex.decision = outcome.decision;
    ex.resultStatus = outcome.resultStatus;
    ex.resultErrorCode = outcome.resultErrorCode ?? null;
    ex.error = outcome.error;
    return ex;
  };
}
