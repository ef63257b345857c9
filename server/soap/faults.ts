// SOAP faults exactly as ASMX writes them, for SOAP 1.1 and 1.2.
import { MockError } from '../errors';
import { SOAP11_ENV, SOAP12_ENV, SoapVersion, XSD_NS, XSI_NS } from './constants';
import { escapeXml } from './xml';

/** The SOAP 1.1 code names; SOAP 1.2 renames two of them. */
export type FaultCode = 'Client' | 'Server' | 'MustUnderstand' | 'VersionMismatch';

const SOAP12_CODE: Record<FaultCode, string> = {
  Client: 'Sender',
  Server: 'Receiver',
  MustUnderstand: 'MustUnderstand',
  VersionMismatch: 'VersionMismatch',
};

/** A fault the adapter answers with; `detail` is false only where ASMX writes no detail element. */
export class SoapFault extends Error {
  constructor(
    readonly code: FaultCode,
    message: string,
    readonly detail = true,
  ) {
    super(message);
  }
}

/** A fault to be answered in a given SOAP version. */
export class VersionedFault extends Error {
  constructor(
    readonly version: SoapVersion,
    readonly fault: SoapFault,
  ) {
    super(fault.message);
  }
}

/** A request answered by a bare HTTP status and an empty body, as ASMX does for 400 and 415. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** The request body is over BODY_LIMIT. */
export class BodyTooLarge extends Error {}

/**
 * The core's typed errors (errors.ts) as the web method would report them: what the caller got
 * wrong is a Client fault, anything else a Server fault in ASMX's "unable to process" wording.
 * Null for anything untyped, which stays a 500 (a bug, not an answer).
 */
export function faultForError(err: unknown): SoapFault | null {
  if (!(err instanceof MockError)) return null;
  return err.kind === 'invalid' ? new SoapFault('Client', err.message) : processingFailed(err.message);
}

/** ASMX's wording when the request cannot be deserialized. */
export const unreadable = (inner: string): SoapFault =>
  new SoapFault('Client', `Server was unable to read request. ---> ${inner}`);

/** ASMX's wording when deserialization fails at a position in the document. */
export const unreadableAt = (line: number, col: number, inner: string): SoapFault =>
  unreadable(`There is an error in XML document (${line}, ${col}). ---> ${inner}`);

/** ASMX's wording when the web method throws. */
export const processingFailed = (inner: string): SoapFault =>
  new SoapFault('Server', `Server was unable to process request. ---> ${inner}`);

export function envelopeOpen(version: SoapVersion): string {
  const env = version === '1.1' ? SOAP11_ENV : SOAP12_ENV;
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${env}" xmlns:xsi="${XSI_NS}" xmlns:xsd="${XSD_NS}"><soap:Body>`;
}
export const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

export function renderFault(version: SoapVersion, code: FaultCode, message: string, detail: boolean): string {
  const text = escapeXml(message);
  if (version === '1.1') {
    return `${envelopeOpen(version)}<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${text}</faultstring>${
      detail ? '<detail />' : ''
    }</soap:Fault>${ENVELOPE_CLOSE}`;
  }
  return `${envelopeOpen(version)}<soap:Fault><soap:Code><soap:Value>soap:${SOAP12_CODE[code]}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${text}</soap:Text></soap:Reason>${
    detail ? '<soap:Detail />' : ''
  }</soap:Fault>${ENVELOPE_CLOSE}`;
}
