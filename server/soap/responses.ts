// Successful response bodies, byte for byte as ASMX's XmlSerializer writes them.
import { API_NS, SoapVersion, XSD_NS, XSI_NS } from './constants';
import { ENVELOPE_CLOSE, envelopeOpen } from './faults';
import { escapeXml } from './xml';

export interface BatchOutput {
  status: string;
  errorCode: string;
  externalContext: string | null;
}

/** null is omitted; an empty string is written as an empty element, as XmlSerializer does. */
function externalContext(v: string | null, indent = ''): string {
  if (v === null) return '';
  return v === '' ? `${indent}<ExternalContext />` : `${indent}<ExternalContext>${escapeXml(v)}</ExternalContext>`;
}

export function fileBatchResponse(version: SoapVersion, id: bigint): string {
  return `${envelopeOpen(version)}<FileBatchResponse xmlns="${API_NS}"><MasterWorkflowInstanceId>${id}</MasterWorkflowInstanceId></FileBatchResponse>${ENVELOPE_CLOSE}`;
}

export function getStatusResponse(version: SoapVersion, out: BatchOutput): string {
  return `${envelopeOpen(version)}<GetStatusResponse xmlns="${API_NS}"><Output><Status>${out.status}</Status><ErrorCode>${
    out.errorCode
  }</ErrorCode>${externalContext(out.externalContext)}</Output></GetStatusResponse>${ENVELOPE_CLOSE}`;
}

/** HTTP GET/POST answer: an indented document whose root is BatchOutput. */
export function batchOutputDocument(out: BatchOutput): string {
  const ctx = externalContext(out.externalContext, '  ');
  return (
    '<?xml version="1.0" encoding="utf-8"?>\r\n' +
    `<BatchOutput xmlns:xsd="${XSD_NS}" xmlns:xsi="${XSI_NS}" xmlns="${API_NS}">\r\n` +
    `  <Status>${out.status}</Status>\r\n` +
    `  <ErrorCode>${out.errorCode}</ErrorCode>\r\n` +
    (ctx ? `${ctx}\r\n` : '') +
    '</BatchOutput>'
  );
}
