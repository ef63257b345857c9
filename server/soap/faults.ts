// SOAP faults exactly as ASMX writes them, for SOAP 1.1 and 1.2.
import { MockError } from '../errors';
import { Operation, SOAP11_ENV, SOAP12_ENV, SoapVersion, XSD_NS, XSI_NS } from './constants';
import { DotNetException, FRAMES, T, dotnetException, messageChain } from './dotnet';
import { escapeXml } from './xml';

/** The SOAP 1.1 code names; SOAP 1.2 renames two of them. */
export type FaultCode = 'Client' | 'Server' | 'MustUnderstand' | 'VersionMismatch';

const SOAP12_CODE: Record<FaultCode, string> = {
  Client: 'Sender',
  Server: 'Receiver',
  MustUnderstand: 'MustUnderstand',
  VersionMismatch: 'VersionMismatch',
};

/**
 * A fault the adapter answers with: its code and the .NET exception ASMX would write (the remote
 * text is the exception's chain of messages; `detail` is false only where ASMX writes no detail
 * element).
 */
export class SoapFault extends Error {
  constructor(
    readonly code: FaultCode,
    readonly exception: DotNetException,
    readonly detail = true,
  ) {
    super(messageChain(exception));
  }
}

/** A fault raised by ASMX itself (a SoapException thrown at `frames`). */
export const soapException = (code: FaultCode, message: string, frames: readonly string[]): SoapFault =>
  new SoapFault(code, dotnetException(T.soap, message, frames));

/** A fault to be answered in a given SOAP version. */
export class VersionedFault extends Error {
  constructor(
    readonly version: SoapVersion,
    readonly fault: SoapFault,
  ) {
    super(fault.message);
  }
}

/**
 * A request answered by a bare HTTP status and an empty body, as ASMX does for 400 and 415, with
 * the Content-Type of the SOAP version it was handling.
 */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly version: SoapVersion,
    reason: string,
  ) {
    super(reason);
  }
}

/** A request ASP.NET answers with its HTML error page (the exception is what the page reports). */
export class ErrorPageError extends Error {
  constructor(
    readonly status: number,
    readonly exception: DotNetException,
  ) {
    super(exception.message);
  }
}

/** The request body is over BODY_LIMIT. */
export class BodyTooLarge extends Error {}

/**
 * What the web method throws for one of the core's typed errors (errors.ts): a SoapException with
 * code Client for what the caller got wrong, any other exception for the rest (ASMX then wraps it
 * in its "unable to process" wording). Null for anything untyped, which stays a 500 (a bug, not
 * an answer).
 */
export function methodException(err: unknown, op: Operation): { code: 'Client' | 'Server'; exception: DotNetException } | null {
  if (!(err instanceof MockError)) return null;
  return err.kind === 'invalid'
    ? { code: 'Client', exception: dotnetException(T.soap, err.message, FRAMES.operation(op)) }
    : { code: 'Server', exception: dotnetException(T.exception, err.message, FRAMES.operation(op)) };
}

/** The fault ASMX answers when the web method throws `exception`. */
export const operationFault = (code: 'Client' | 'Server', exception: DotNetException): SoapFault =>
  code === 'Client' ? new SoapFault('Client', exception) : processingFailed(exception);

/** ASMX's wording when the request cannot be deserialized. */
export const unreadable = (inner: DotNetException): SoapFault =>
  new SoapFault('Client', dotnetException(T.soap, 'Server was unable to read request.', FRAMES.readParameters, inner));

/** ASMX's wording when deserialization fails at a position in the document. */
export const unreadableAt = (line: number, col: number, inner: DotNetException): SoapFault =>
  unreadable(dotnetException(T.invalidOperation, `There is an error in XML document (${line}, ${col}).`, FRAMES.deserialize, inner));

/** ASMX's wording when the web method (or routing) throws: the SoapException is made, never thrown, so it has no stack. */
export const processingFailed = (inner: DotNetException): SoapFault =>
  new SoapFault('Server', dotnetException(T.soap, 'Server was unable to process request.', null, inner));

export function envelopeOpen(version: SoapVersion): string {
  const env = version === '1.1' ? SOAP11_ENV : SOAP12_ENV;
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${env}" xmlns:xsi="${XSI_NS}" xmlns:xsd="${XSD_NS}"><soap:Body>`;
}
export const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

/** The fault envelope; `text` is the fault string (the remote or the local form of the exception). */
export function renderFault(version: SoapVersion, code: FaultCode, faultString: string, detail: boolean): string {
  const text = escapeXml(faultString);
  if (version === '1.1') {
    return `${envelopeOpen(version)}<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${text}</faultstring>${
      detail ? '<detail />' : ''
    }</soap:Fault>${ENVELOPE_CLOSE}`;
  }
  return `${envelopeOpen(version)}<soap:Fault><soap:Code><soap:Value>soap:${SOAP12_CODE[code]}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${text}</soap:Text></soap:Reason>${
    detail ? '<soap:Detail />' : ''
  }</soap:Fault>${ENVELOPE_CLOSE}`;
}
