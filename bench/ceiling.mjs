// The ceiling: a constant-response node:http server, the fastest any Node HTTP server can answer.
// It answers every request with the same ~450-byte SOAP 1.1 GetStatus response (200, text/xml).
// Run by bench/run.ts in its own process: `node bench/ceiling.mjs PORT [HOST]`.
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? '127.0.0.1';
const body = Buffer.from(
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>' +
    '<GetStatusResponse xmlns="http://genpact.com/cora/orchestration/ocr/1.0.0/api/"><Output><Status>Completed</Status>' +
    '<ErrorCode>NoError</ErrorCode><ExternalContext>bench</ExternalContext></Output></GetStatusResponse></soap:Body></soap:Envelope>',
);
const headers = {
  'Content-Type': 'text/xml; charset=utf-8',
  'Cache-Control': 'private, max-age=0',
  'Content-Length': body.length,
};

const server = http.createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(port, host, () => {
  const addr = server.address();
  process.stdout.write(JSON.stringify({ msg: 'listening', port: typeof addr === 'object' && addr ? addr.port : port }) + '\n');
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
