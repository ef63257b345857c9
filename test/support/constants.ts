// The service's names as the contract spells them, written once for every suite. Deliberately not
// imported from server/: the tests keep their own copy, so a change on the server side shows up.
export const API_NS = 'http://genpact.com/cora/orchestration/ocr/1.0.0/api/';
export const SERVICE_PATH = '/SequenceServices/coraOcrIntegration_v1.0.0.asmx';
export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD = 'http://www.w3.org/2001/XMLSchema';

export type SoapVersion = '1.1' | '1.2';
export const SOAP_VERSIONS: readonly SoapVersion[] = ['1.1', '1.2'];
/** The envelope namespace of each SOAP version. */
export const ENVELOPE_NS = { '1.1': SOAP11, '1.2': SOAP12 } as const;
/** The Content-Type of each SOAP version (ASMX sends and expects exactly these). */
export const CONTENT_TYPE = { '1.1': 'text/xml; charset=utf-8', '1.2': 'application/soap+xml; charset=utf-8' } as const;
