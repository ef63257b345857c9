// The HTML help page ASMX serves on GET of the .asmx: the operations, each with sample requests.
import { API_NS, Operation, OPERATIONS, SOAP11_ENV, SOAP12_ENV, XSD_NS, XSI_NS, soapActionOf } from './constants';
import { escapeXml } from './xml';

const HEADER = `    <ActivityMetadata xmlns="${API_NS}">
      <WorkflowSpaceId>guid</WorkflowSpaceId>
      <WorkflowSpaceName>string</WorkflowSpaceName>
      <WorkflowId>guid</WorkflowId>
      <WorkflowName>string</WorkflowName>
      <WorkflowInstanceId>long</WorkflowInstanceId>
      <ActivityId>guid</ActivityId>
      <ActivityName>string</ActivityName>
      <ActivityInstanceId>long</ActivityInstanceId>
      <CallerId>int</CallerId>
      <MasterWorkflowInstanceId>long</MasterWorkflowInstanceId>
    </ActivityMetadata>`;

const fileRef = (name: string) => `      <${name}>
        <Connection>string</Connection>
        <RelativeLocation>string</RelativeLocation>
        <FileName>string</FileName>
      </${name}>`;

const BODIES: Record<Operation, { request: string; response: string }> = {
  FileBatch: {
    request: `    <FileBatch xmlns="${API_NS}">
      <TimeOut>int</TimeOut>
      <ExternalContext>string</ExternalContext>
${fileRef('InputFile')}
      <OCRProfile>string</OCRProfile>
${fileRef('OutputFile')}
      <PutModel>string</PutModel>
    </FileBatch>`,
    response: `    <FileBatchResponse xmlns="${API_NS}">
      <MasterWorkflowInstanceId>long</MasterWorkflowInstanceId>
    </FileBatchResponse>`,
  },
  GetStatus: {
    request: `    <GetStatus xmlns="${API_NS}" />`,
    response: `    <GetStatusResponse xmlns="${API_NS}">
      <Output>
        <Status>Queued or ProcessingInput or WaitingForOutput or Completed or Aborted or Failed or NotFound</Status>
        <ErrorCode>NoError or TimedOut or InputFileNotFound or InputFileExists or FailedToPutInputFile or OutputFileExists or FailedToPutOutputFile or RobotProfileNotFound or InternalError</ErrorCode>
        <ExternalContext>string</ExternalContext>
      </Output>
    </GetStatusResponse>`,
  },
};

function envelope(prefix: string, ns: string, header: string | null, body: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<${prefix}:Envelope xmlns:xsi="${XSI_NS}" xmlns:xsd="${XSD_NS}" xmlns:${prefix}="${ns}">
${header === null ? '' : `  <${prefix}:Header>\n${header}\n  </${prefix}:Header>\n`}  <${prefix}:Body>
${body.replace(/^/gm, '  ')}
  </${prefix}:Body>
</${prefix}:Envelope>`;
}

function samples(op: Operation, host: string, path: string): string {
  const b = BODIES[op];
  const soap11 = `POST ${path} HTTP/1.1
Host: ${host}
Content-Type: text/xml; charset=utf-8
Content-Length: length
SOAPAction: "${soapActionOf(op)}"

${envelope('soap', SOAP11_ENV, HEADER, b.request)}`;
  const soap11Out = `HTTP/1.1 200 OK
Content-Type: text/xml; charset=utf-8
Content-Length: length

${envelope('soap', SOAP11_ENV, null, b.response)}`;
  const soap12 = `POST ${path} HTTP/1.1
Host: ${host}
Content-Type: application/soap+xml; charset=utf-8
Content-Length: length

${envelope('soap12', SOAP12_ENV, HEADER, b.request)}`;
  const soap12Out = `HTTP/1.1 200 OK
Content-Type: application/soap+xml; charset=utf-8
Content-Length: length

${envelope('soap12', SOAP12_ENV, null, b.response)}`;
  const parts = [
    ['SOAP 1.1', 'The following is a sample SOAP 1.1 request and response.', soap11, soap11Out],
    ['SOAP 1.2', 'The following is a sample SOAP 1.2 request and response.', soap12, soap12Out],
  ];
  if (op === 'GetStatus') {
    const out = `HTTP/1.1 200 OK
Content-Type: text/xml; charset=utf-8
Content-Length: length

<?xml version="1.0" encoding="utf-8"?>
<BatchOutput xmlns="${API_NS}">
  <Status>Queued or ProcessingInput or WaitingForOutput or Completed or Aborted or Failed or NotFound</Status>
  <ErrorCode>NoError or TimedOut or InputFileNotFound or InputFileExists or FailedToPutInputFile or OutputFileExists or FailedToPutOutputFile or RobotProfileNotFound or InternalError</ErrorCode>
  <ExternalContext>string</ExternalContext>
</BatchOutput>`;
    parts.push(['HTTP GET', 'The following is a sample HTTP GET request and response.', `GET ${path}/GetStatus? HTTP/1.1\nHost: ${host}`, out]);
    parts.push([
      'HTTP POST',
      'The following is a sample HTTP POST request and response.',
      `POST ${path}/GetStatus HTTP/1.1\nHost: ${host}\nContent-Type: application/x-www-form-urlencoded\nContent-Length: length\n`,
      out,
    ]);
  }
  return parts
    .map(
      ([title, intro, req, res]) =>
        `<h3>${title}</h3><p>${intro}</p><pre>${escapeXml(req!)}</pre><pre>${escapeXml(res!)}</pre>`,
    )
    .join('\n');
}

const PAGE_STYLE =
  'body{font-family:Verdana,sans-serif;margin:0;color:#000}#content{margin:1em 2em}h1{background:#003366;color:#fff;' +
  'padding:.5em 1em;margin:0;font-size:1.4em}pre{background:#e5e5cc;padding:.5em;overflow:auto}.note{color:#555}';

/** The service page (no `op`) or one operation's page. */
export function helpPage(host: string, path: string, op: string | null): string {
  const title = 'CoraOcrIntegration Web Service';
  let content: string;
  if (op !== null && (OPERATIONS as readonly string[]).includes(op)) {
    content = `<p><a href="${escapeXml(path)}">Click here</a> for a complete list of operations.</p>
<h2>${op}</h2>
<p class="note">This is cora-ocr-mock, a test double of Genpact Cora SeQuence's OCR integration service.</p>
${samples(op as Operation, host, path)}`;
  } else {
    content = `<p>The following operations are supported. For a formal definition, please review the
<a href="${escapeXml(path)}?WSDL">Service Description</a>.</p>
<ul>${OPERATIONS.map((o) => `<li><a href="${escapeXml(path)}?op=${o}">${o}</a></li>`).join('')}</ul>
<p class="note">This is cora-ocr-mock, a test double of Genpact Cora SeQuence's OCR integration service
(namespace ${escapeXml(API_NS)}). Its QA control plane is at <code>/__admin</code>.</p>`;
  }
  return `<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>${title}</title><style>${PAGE_STYLE}</style></head>
<body><h1>${title}</h1><div id="content">
${content}
</div></body>
</html>`;
}
