// Names fixed by the vendor contract and by SOAP itself.
import { OPERATIONS, Operation } from '../batches/model';

export const API_NS = 'http://genpact.com/cora/orchestration/ocr/1.0.0/api/';
/** The IIS application the service lives in (ASP.NET's error pages name it). */
export const APPLICATION_PATH = '/SequenceServices';
export const SERVICE_PATH = `${APPLICATION_PATH}/coraOcrIntegration_v1.0.0.asmx`;
/** IIS paths are case-insensitive. */
export const SERVICE_PATH_LOWER = SERVICE_PATH.toLowerCase();

export const SOAP11_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENV = 'http://www.w3.org/2003/05/soap-envelope';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
/** Reserved by Namespaces in XML: the namespaces of the xmlns and xml prefixes. */
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export { OPERATIONS } from '../batches/model';
export type { Operation, Protocol } from '../batches/model';
export const isOperation = (v: string): v is Operation => (OPERATIONS as readonly string[]).includes(v);
export const soapActionOf = (op: Operation): string => API_NS + op;

export type SoapVersion = '1.1' | '1.2';

export const CONTENT_TYPE_SOAP11 = 'text/xml; charset=utf-8';
export const CONTENT_TYPE_SOAP12 = 'application/soap+xml; charset=utf-8';
export const CONTENT_TYPE_TEXT = 'text/plain; charset=utf-8';
export const CONTENT_TYPE_HTML = 'text/html; charset=utf-8';
/** Once the request reached the method call: successes, documents, faults the operation throws, MustUnderstand. */
export const CACHE_OK = 'private, max-age=0';
/** Refusals before the method call (routing, media type, unreadable XML, method names, error pages). */
export const CACHE_ERROR = 'private';
