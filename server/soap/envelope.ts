// Reads a SOAP request the way ASMX's SoapServerProtocol does: content type, envelope version,
// routing by SOAPAction (1.1) or the action parameter (1.2), headers, then the body element.
import { ActivityMetadata, FileBatchRequest } from '../batches/model';
import { API_NS, Operation, SOAP11_ENV, SOAP12_ENV, SoapVersion, isOperation, soapActionOf } from './constants';
import { absentFileBatch, decodeActivityMetadata, decodeFileBatch } from './decode';
import { FRAMES, T, dotnetException } from './dotnet';
import { ErrorPageError, HttpStatusError, SoapFault, VersionedFault, processingFailed, soapException, unreadable } from './faults';
import { XmlElement, XmlSyntaxError, attr, parseXml } from './xml';

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

/** Parses `type/subtype; a=b; c="d"` (RFC 9110), lower-casing the type and parameter names. */
export function parseMediaType(header: string | undefined): MediaType | null {
  if (!header) return null;
  const m = /^\s*([^;\s]+)\s*(.*)$/s.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))\s*/gy;
  const rest = m[2]!;
  re.lastIndex = 0;
  let p: RegExpExecArray | null;
  while ((p = re.exec(rest)) !== null) {
    const key = p[1]!.toLowerCase();
    if (!(key in params)) params[key] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return { type: m[1]!.toLowerCase(), params };
}

/** What the adapter learnt about a request, filled in as reading goes on (also for the journal). */
export interface SoapRequestInfo {
  version?: SoapVersion;
  soapAction?: string;
  operation?: Operation;
  metadata?: ActivityMetadata | null;
}

export interface SoapCall {
  version: SoapVersion;
  operation: Operation;
  metadata: ActivityMetadata | null;
  fileBatch: FileBatchRequest | null;
}

const TRANSPORT_VERSION: Record<string, SoapVersion> = { 'text/xml': '1.1', 'application/soap+xml': '1.2' };

const decoders = new Map<string, InstanceType<typeof TextDecoder>>();

/** The body as text; `version` is the SOAP version being handled (a refusal carries its Content-Type). */
function decodeBody(body: Buffer, charset: string | undefined, version: SoapVersion): string {
  let label = (charset ?? 'utf-8').toLowerCase();
  if (label === 'us-ascii' || label === 'ascii') label = 'utf-8';
  let decoder = decoders.get(label);
  if (!decoder) {
    try {
      // ignoreBOM: the parser sees the BOM and allows exactly one, as a conformant reader does.
      decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
    } catch {
      throw new HttpStatusError(415, version, `unsupported charset ${charset}`);
    }
    if (decoders.size < 32) decoders.set(label, decoder);
  }
  try {
    return decoder.decode(body);
  } catch {
    throw new HttpStatusError(400, version, `body is not valid ${label}`);
  }
}

const ACTION_TO_OPERATION = new Map<string, Operation>([
  [soapActionOf('FileBatch'), 'FileBatch'],
  [soapActionOf('GetStatus'), 'GetStatus'],
]);

function unrecognizedAction(value: string): SoapFault {
  return soapException('Client', `Server did not recognize the value of HTTP Header SOAPAction: ${value}.`, FRAMES.route11);
}

const ACTION_REQUIRED = 'Unable to handle request without a valid action parameter. Please supply a valid soap action.';

/**
 * Routing as ASMX's protocol helpers do it. SOAP 1.1: a SOAPAction header must match exactly;
 * without one the first body element decides. SOAP 1.2: the action parameter if it matches,
 * else the body element.
 */
function route(transport: SoapVersion, action: string | undefined, bodyElement: XmlElement | undefined): Operation {
  const byAction = action === undefined ? undefined : ACTION_TO_OPERATION.get(action);
  if (byAction) return byAction;
  if (transport === '1.1' && action !== undefined) throw unrecognizedAction(action);
  if (bodyElement && bodyElement.ns === API_NS && isOperation(bodyElement.local)) return bodyElement.local;
  if (action === undefined) throw soapException('Client', ACTION_REQUIRED, FRAMES.route12);
  throw soapException('Client', `Unable to handle request. The action '${action}' was not recognized.`, FRAMES.route12);
}

/** The SOAPAction header's value, quotes removed (ASMX accepts it quoted or bare). */
export function soapActionFromHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const v = header.trim();
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

const truthy = (v: string | undefined): boolean => v === '1' || v === 'true';

const SCRIPT_SERVICE_ONLY = 'Only Web services with a [ScriptService] attribute on the class definition can be called from script.';

/** ASP.NET's script handler takes JSON before ASMX sees it, and refuses a service not marked [ScriptService]. */
export const scriptHandlerRefusal = (): ErrorPageError =>
  new ErrorPageError(500, dotnetException(T.invalidOperation, SCRIPT_SERVICE_ONLY, FRAMES.scriptHandler));

/** The answer to a POST whose Content-Type is no SOAP one (off the success path). */
function notSoap(media: MediaType | null, contentType: string | undefined, soapActionHeader: string | undefined, body: Buffer): Error {
  if (media?.type === 'application/json') return scriptHandlerRefusal();
  // Without a SOAPAction header ASMX handles the request as SOAP 1.2 and routes it by the body
  // element before it looks at the media type: an empty body has none.
  if (body.length === 0 && soapActionHeader === undefined) {
    return new VersionedFault('1.2', processingFailed(dotnetException(T.xml, 'Root element is missing.', FRAMES.requestElement)));
  }
  return new HttpStatusError(415, '1.1', `unsupported content type ${contentType ?? '(none)'}`);
}

export function readSoapRequest(
  contentType: string | undefined,
  soapActionHeader: string | undefined,
  body: Buffer,
  info: SoapRequestInfo,
): SoapCall {
  const media = parseMediaType(contentType);
  const transport = media ? TRANSPORT_VERSION[media.type] : undefined;
  if (!media || !transport) throw notSoap(media, contentType, soapActionHeader, body);
  const action = transport === '1.1' ? soapActionFromHeader(soapActionHeader) : media.params['action'];
  if (action !== undefined) info.soapAction = action;
  if (body.length === 0) throw new HttpStatusError(400, transport, 'empty body');

  let root: XmlElement;
  try {
    root = parseXml(decodeBody(body, media.params['charset'], transport));
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new HttpStatusError(400, transport, `malformed XML: ${err.message}`);
    throw err;
  }

  const envNs = root.ns;
  const version: SoapVersion | undefined = envNs === SOAP11_ENV ? '1.1' : envNs === SOAP12_ENV ? '1.2' : undefined;
  if (root.local !== 'Envelope' || !version) {
    const v: SoapVersion = transport;
    const expected = v === '1.1' ? SOAP11_ENV : SOAP12_ENV;
    throw new VersionedFault(
      v,
      soapException(
        'VersionMismatch',
        `Possible SOAP version mismatch: Envelope namespace ${envNs} was unexpected. Expecting ${expected}.`,
        FRAMES.versionMismatch,
      ),
    );
  }
  // A 1.1 envelope cannot travel as application/soap+xml (ASMX: 415, answered as SOAP 1.1, the
  // version it read); a 1.2 envelope sent as text/xml is answered in 1.2, the version of the envelope.
  if (transport === '1.2' && version === '1.1') throw new HttpStatusError(415, '1.1', 'SOAP 1.1 envelope sent as application/soap+xml');
  info.version = version;

  try {
    const header = root.children.find((c) => c.ns === envNs && c.local === 'Header');
    const bodyEl = root.children.find((c) => c.ns === envNs && c.local === 'Body');
    if (!bodyEl) throw unreadable(dotnetException(T.invalidOperation, 'The SOAP message has no Body element.', FRAMES.readParameters));
    const first = bodyEl.children[0];
    const operation = route(transport, action, first);
    info.operation = operation;

    let metadata: ActivityMetadata | null = null;
    for (const h of header?.children ?? []) {
      if (h.ns === API_NS && h.local === 'ActivityMetadata') {
        if (metadata === null) metadata = decodeActivityMetadata(h);
      } else if (truthy(attr(h, envNs, 'mustUnderstand'))) {
        const e = dotnetException(T.soapHeader, `SOAP header ${h.qname} was not understood.`, FRAMES.mustUnderstand);
        throw new SoapFault('MustUnderstand', e, false);
      }
    }
    info.metadata = metadata;

    if (operation === 'GetStatus') return { version, operation, metadata, fileBatch: null };
    // An action that chose the operation wins over the body element: XmlSerializer skips any other
    // element, so FileBatch then runs with every parameter absent.
    const own = first !== undefined && first.local === operation && first.ns === API_NS;
    return { version, operation, metadata, fileBatch: own ? decodeFileBatch(first) : absentFileBatch() };
  } catch (err) {
    if (err instanceof SoapFault) throw new VersionedFault(version, err);
    throw err;
  }
}
