// The HTTP adapter for everything under the .asmx path: WSDL, disco, help page, SOAP 1.1/1.2, the
// HTTP GET/POST bindings, and ASMX's refusals (faults, text/plain errors, ASP.NET's error pages for
// verbs and paths no protocol takes). It translates wire <-> domain and nothing more.
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
  CONTENT_TYPE_HTML,
  CONTENT_TYPE_SOAP11,
  CONTENT_TYPE_SOAP12,
  CONTENT_TYPE_TEXT,
  Operation,
  SERVICE_PATH,
  SERVICE_PATH_LOWER,
  SoapVersion,
} from './constants';
import { ValueError, parseInt64 } from './decode';
import { CustomErrors, DotNetException, FRAMES, T, argumentMessage, dotnetException, errorText } from './dotnet';
import { SoapRequestInfo, parseMediaType, readSoapRequest, scriptHandlerRefusal } from './envelope';
import { exceptionPage, unrecognizedRequestPage } from './errorpage';
import { BodyTooLarge, ErrorPageError, HttpStatusError, SoapFault, VersionedFault, methodException, operationFault, renderFault } from './faults';
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
  /**
   * ASP.NET's customErrors as the caller sees it: 'On' (the default) is what a remote caller gets,
   * 'Off' what a local caller of a development server gets (exception types and stack traces).
   */
  customErrors?: CustomErrors;
}

/** A request answered without reaching an operation (refused, or a document like the WSDL). */
const answered = (reply: Reply, error: string | null = null): Ending => ({ reply, decision: null, resultStatus: null, error });
const xmlOk = (contentType: string, body: string): Reply => ({ status: 200, contentType, cacheControl: CACHE_OK, body });
const soapContentType = (v: SoapVersion) => (v === '1.1' ? CONTENT_TYPE_SOAP11 : CONTENT_TYPE_SOAP12);
/** ASMX's bare 400 or 415: no body, but the Content-Type of the SOAP version it was handling. */
const emptyReply = (status: number, v: SoapVersion): Reply => ({ status, contentType: soapContentType(v), cacheControl: CACHE_ERROR, body: '' });

/** The operations the HTTP GET and POST bindings offer (FileBatch takes complex types: SOAP only). */
const HTTP_OPERATIONS: readonly Operation[] = ['GetStatus'];

/** The service path with every slash standing for one or more (IIS takes /SequenceServices//x.asmx). */
const SERVICE_PATH_LOOSE = new RegExp(
  '^' +
    SERVICE_PATH.split('/')
      .filter((s) => s !== '')
      .map((s) => '/+' + s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join(''),
  'i',
);

/** Whether a URL path belongs to the service; returns the part after `.asmx` ('' for the service itself). */
export function matchServicePath(pathname: string): string | null {
  const lower = pathname.toLowerCase();
  let end = SERVICE_PATH_LOWER.length;
  if (!lower.startsWith(SERVICE_PATH_LOWER)) {
    // Repeated slashes before the .asmx still reach the service (checked only when the plain form fails).
    const loose = pathname.includes('//') ? SERVICE_PATH_LOOSE.exec(pathname) : null;
    if (!loose) return null;
    end = loose[0].length;
  }
  const rest = pathname.slice(end);
  if (rest === '' || rest.startsWith('/')) return rest;
  return null;
}

/** ASP.NET's PathInfo is URL-decoded. */
function decodePath(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** HttpUtility.UrlDecode of a query part ('+' is a space; a bad escape stays as written). */
function decodeQueryPart(s: string): string {
  const t = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  return decodePath(t);
}

/**
 * What a GET of the .asmx asks for, read as DiscoveryServerProtocol reads ASP.NET's query
 * collection: a `schema` key, then a `wsdl` key (each with any value, even empty: no such extra
 * document exists here), then the parts without `=` joined by commas, compared with wsdl and disco
 * in any letter case. Anything else is the help page.
 */
function documentAsked(search: string): 'wsdl' | 'disco' | 'wsdlId' | 'schemaId' | null {
  if (search === '') return null;
  const bare: string[] = [];
  let wsdlKey = false;
  let schemaKey = false;
  for (const part of search.slice(1).split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      bare.push(decodeQueryPart(part));
      continue;
    }
    const key = decodeQueryPart(part.slice(0, eq)).toLowerCase();
    if (key === 'schema') schemaKey = true;
    else if (key === 'wsdl') wsdlKey = true;
  }
  if (schemaKey) return 'schemaId';
  if (wsdlKey) return 'wsdlId';
  const q = bare.join(',').toLowerCase();
  return q === 'wsdl' ? 'wsdl' : q === 'disco' ? 'disco' : null;
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
  const customErrors: CustomErrors = opts.customErrors ?? 'On';

  /** ASMX's text/plain error: every message HTML-encoded, and a line end (StreamWriter.WriteLine). */
  const textError = (e: DotNetException, cacheControl: string, status = 500): Reply => ({
    status,
    contentType: CONTENT_TYPE_TEXT,
    cacheControl,
    body: errorText(e, customErrors, true) + '\r\n',
  });
  const faultReply = (v: SoapVersion, f: SoapFault, cacheControl: string): Reply => ({
    status: 500,
    contentType: soapContentType(v),
    cacheControl,
    body: renderFault(v, f.code, errorText(f.exception, customErrors, false), f.detail),
  });
  const tooLarge = () =>
    answered(textError(dotnetException(T.http, 'Maximum request length exceeded.', null), CACHE_ERROR, 413), 'body too large');

  function serviceUrl(req: IncomingMessage, pathname: string, rest: string): string {
    const host = req.headers.host ?? `localhost:${req.socket.localPort ?? 80}`;
    // The path exactly as requested (letter case and repeated slashes kept), as ASMX writes it.
    return `http://${host}${pathname.slice(0, pathname.length - rest.length)}`;
  }

  /** Runs an understood request through the rules and the domain. */
  function perform(sr: ServiceRequest, version: SoapVersion | null): Ending | Promise<Ending> {
    let world: World;
    try {
      world = opts.enter(sr);
    } catch (err) {
      return refusedFor(err, version, null, sr.operation!);
    }
    const decision = world.decide(sr);
    const refusal = decision.refuse;
    const op = sr.operation!;
    if (refusal?.kind === 'httpStatus') {
      const reply: Reply = { status: refusal.status, contentType: refusal.contentType, cacheControl: CACHE_ERROR, body: refusal.body };
      return { reply, decision, resultStatus: `http ${refusal.status}`, error: null };
    }
    // A scripted fault is what the web method throws: ASMX has chosen the method and set its cache policy.
    if (refusal?.kind === 'soapFault') {
      const thrown = dotnetException(refusal.code === 'Client' ? T.soap : T.exception, refusal.message, FRAMES.operation(op));
      const reply = version ? faultReply(version, operationFault(refusal.code, thrown), CACHE_OK) : textError(thrown, CACHE_OK);
      return { reply, decision, resultStatus: 'fault', error: null };
    }
    const refused = (err: unknown) => refusedFor(err, version, decision, op);
    try {
      if (op === 'FileBatch') {
        // Answered once the batch's group commit is durable; a failed commit is this request's fault.
        return world.batches.submitGrouped(sr.fileBatch!, sr.metadata, decision.effects).then((id): Ending => {
          sr.batchId = id;
          return { reply: xmlOk(soapContentType(version!), fileBatchResponse(version!, id)), decision, resultStatus: 'created', error: null };
        }, refused);
      }
      const status = world.batches.status(sr.batchId);
      const reply = version
        ? xmlOk(soapContentType(version), getStatusResponse(version, status))
        : xmlOk(CONTENT_TYPE_SOAP11, batchOutputDocument(status));
      const ending: Ending = { reply, decision, resultStatus: status.status, resultErrorCode: status.errorCode, error: null };
      // Transitions this read recorded are committed before it is answered.
      return status.recorded ? status.recorded.then(() => ending) : ending;
    } catch (err) {
      return refused(err);
    }
  }

  /** The core's typed errors, as the web method would report them; anything else is a 500. */
  function refusedFor(err: unknown, version: SoapVersion | null, decision: Decision | null, op: Operation): Ending {
    const thrown = methodException(err, op);
    if (!thrown) throw err;
    if (!version) return { reply: textError(thrown.exception, CACHE_OK), decision, resultStatus: 'fault', error: thrown.exception.message };
    const fault = operationFault(thrown.code, thrown.exception);
    return { reply: faultReply(version, fault, CACHE_OK), decision, resultStatus: 'fault', error: fault.message };
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
      if (err instanceof BodyTooLarge) return tooLarge();
      if (err instanceof HttpStatusError) return answered(emptyReply(err.status, err.version), err.message);
      if (err instanceof VersionedFault) {
        // MustUnderstand is raised after the method is chosen, when ASMX has set its cache policy.
        const cache = err.fault.code === 'MustUnderstand' ? CACHE_OK : CACHE_ERROR;
        return answered(faultReply(err.version, err.fault, cache), err.message);
      }
      if (err instanceof ErrorPageError) return answered(exceptionPage(err.status, err.exception, customErrors), 'application/json: ASP.NET script handler');
      throw err;
    }
  }

  /** HTTP GET/POST `/{name}`: the method name is checked first, case-sensitively, as HttpServerProtocol does. */
  function methodNameRefusal(name: string): Ending {
    const lower = name.toLowerCase();
    const real = HTTP_OPERATIONS.find((op) => op.toLowerCase() === lower);
    if (real === undefined) {
      const e = dotnetException(T.invalidOperation, `${name} Web Service method name is not valid.`, FRAMES.httpInitialize);
      return answered(textError(e, CACHE_ERROR), 'unknown method name');
    }
    const message = argumentMessage(
      `Invalid method name '${name}',  method names are case sensitive.   The method name '${real}' with the same name but different casing was found.`,
      'methodName',
    );
    return answered(textError(dotnetException(T.argument, message, FRAMES.httpInitialize), CACHE_ERROR), 'method name in the wrong letter case');
  }

  async function handleHttpMethod(
    req: IncomingMessage,
    name: string,
    query: URLSearchParams,
    sr: ServiceRequest,
  ): Promise<Ending> {
    const post = req.method === 'POST';
    sr.protocol = post ? 'httppost' : 'httpget';
    const media = post ? parseMediaType(req.headers['content-type']) : null;
    if (media?.type === 'application/json') return answered(exceptionPage(500, scriptHandlerRefusal().exception, customErrors), 'application/json: ASP.NET script handler');
    if (name !== 'GetStatus') return methodNameRefusal(name);
    sr.operation = 'GetStatus';
    let params = query;
    if (post) {
      let body: Buffer;
      try {
        body = await readBody(req, opts.bodyLimitBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) return tooLarge();
        throw err;
      }
      // HTTP POST reads parameters from a form only; GetStatus takes none, so any other body
      // (text/xml, none at all) is simply not read.
      params = new URLSearchParams(media?.type === 'application/x-www-form-urlencoded' ? body.toString('utf8') : '');
    }
    // Mock extension: real ASMX cannot carry the SOAP header over HTTP GET/POST, so the id may come as a parameter.
    const raw = params.get('MasterWorkflowInstanceId');
    if (raw !== null && raw !== '') {
      try {
        sr.batchId = parseInt64(raw);
      } catch (err) {
        if (!(err instanceof ValueError)) throw err;
        const e = dotnetException(
          T.argument,
          argumentMessage(`Cannot convert ${raw} to System.Int64.`, 'type'),
          FRAMES.httpReadParameters,
          dotnetException(err.type, err.message, err.frames),
        );
        return answered(textError(e, CACHE_ERROR), 'bad id parameter');
      }
    }
    return perform(sr, null);
  }

  /** GET of the .asmx: the WSDL, the discovery document, a missing extra document, or the help page. */
  function describe(req: IncomingMessage, url: RequestTarget): Ending {
    const asked = documentAsked(url.search);
    if (asked === 'wsdl' || asked === 'disco') {
      const base = serviceUrl(req, url.pathname, '');
      return answered(xmlOk(CONTENT_TYPE_SOAP11, asked === 'wsdl' ? description.wsdl(base) : description.disco(base)));
    }
    if (asked !== null) {
      // DiscoveryServerProtocol fails while writing its answer: after the method call (max-age=0).
      const message = asked === 'wsdlId' ? 'XML Web service description was not found.' : 'Schema not found.';
      return answered(textError(dotnetException(T.invalidOperation, message, FRAMES.discovery), CACHE_OK), message);
    }
    const op = url.searchParams.get('op');
    return answered({
      status: 200,
      contentType: CONTENT_TYPE_HTML,
      cacheControl: CACHE_OK,
      body: helpPage(req.headers.host ?? 'localhost', url.pathname, op),
    });
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

    // As WebServiceHandlerFactory tries its protocols: SOAP (POST to the .asmx), HTTP GET/POST
    // (a method name after it), discovery and documentation (GET of the .asmx; any other verb
    // there is a 405); nothing else takes the request.
    const method = req.method;
    if (rest === '') {
      if (method === 'POST') outcome = await handleSoap(req, sr);
      else if (method === 'GET') outcome = describe(req, url);
      else outcome = answered(unrecognizedRequestPage('', customErrors), `method ${method} not allowed`);
    } else if (rest.length > 1 && (method === 'GET' || method === 'POST')) {
      outcome = await handleHttpMethod(req, decodePath(rest.slice(1)), url.searchParams, sr);
    } else {
      outcome = answered(unrecognizedRequestPage(decodePath(rest), customErrors), `unrecognized request format (${method} ${rest})`);
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
