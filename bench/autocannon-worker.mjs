// Autocannon load in its own process (so it shares no event loop with anything measured).
// Usage: node bench/autocannon-worker.mjs '<json options>'; prints one line "BENCHJSON {...}".
// Options: { url, kind, path, idLo, idHi, connections, duration }
import autocannon from 'autocannon';

const o = JSON.parse(process.argv[2]);
const API = 'http://genpact.com/cora/orchestration/ocr/1.0.0/api/';
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const envelope = (ns, header, body) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ns}">${header}<soap:Body>${body}</soap:Body></soap:Envelope>`;
const meta = (id) =>
  `<soap:Header><ActivityMetadata xmlns="${API}"><MasterWorkflowInstanceId>${id}</MasterWorkflowInstanceId></ActivityMetadata></soap:Header>`;
const GET_STATUS = `<GetStatus xmlns="${API}" />`;
const randomId = () => o.idLo + Math.floor(Math.random() * (o.idHi - o.idLo + 1));

let request;
switch (o.kind) {
  case 'filebatch':
    request = {
      method: 'POST',
      path: o.path,
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${API}FileBatch"` },
      body: envelope(
        SOAP11,
        '',
        `<FileBatch xmlns="${API}"><TimeOut>300</TimeOut><ExternalContext>bench</ExternalContext><InputFile><Connection>c</Connection>` +
          '<RelativeLocation>r</RelativeLocation><FileName>f.pdf</FileName></InputFile><OCRProfile>P</OCRProfile><OutputFile>' +
          '<Connection>c</Connection><RelativeLocation>r</RelativeLocation><FileName>o.xml</FileName></OutputFile>' +
          '<PutModel>Replace</PutModel></FileBatch>',
      ),
    };
    break;
  case 'httpget':
    request = {
      method: 'GET',
      setupRequest: (req) => ({ ...req, path: `${o.path}/GetStatus?MasterWorkflowInstanceId=${randomId()}` }),
    };
    break;
  case 'soap12':
    request = {
      method: 'POST',
      path: o.path,
      headers: { 'content-type': `application/soap+xml; charset=utf-8; action="${API}GetStatus"` },
      setupRequest: (req) => ({ ...req, body: envelope(SOAP12, meta(randomId()), GET_STATUS) }),
    };
    break;
  case 'soap11ns':
    // Spread over 100 namespaces by path prefix: /ns/bench-{id % 100}/SequenceServices/...
    request = {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${API}GetStatus"` },
      setupRequest: (req) => {
        const id = randomId();
        return { ...req, path: `/ns/bench-${id % 100}${o.path}`, body: envelope(SOAP11, meta(id), GET_STATUS) };
      },
    };
    break;
  default:
    request = {
      method: 'POST',
      path: o.path,
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${API}GetStatus"` },
      setupRequest: (req) => ({ ...req, body: envelope(SOAP11, meta(randomId()), GET_STATUS) }),
    };
}

const r = await autocannon({ url: o.url, connections: o.connections, duration: o.duration, requests: [request] });
const out = {
  requests: r.requests.total,
  durationUs: Math.round(r.duration * 1e6),
  p50Us: Math.round(r.latency.p50 * 1000),
  p90Us: Math.round(r.latency.p90 * 1000),
  p99Us: Math.round(r.latency.p99 * 1000),
  maxUs: Math.round(r.latency.max * 1000),
  meanUs: r.latency.mean * 1000,
  non2xx: r.non2xx,
  errors: r.errors,
  timeout: r.timeouts,
};
process.stdout.write(`BENCHJSON ${JSON.stringify(out)}\n`);
