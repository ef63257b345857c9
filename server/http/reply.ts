// A finished HTTP answer and the one way it is written: status, the two headers ASMX varies,
// and the body in a single write.
import type { ServerResponse } from 'node:http';

/** A finished HTTP answer, before any scripted delivery fault is applied to it. */
export interface Reply {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  body: string;
}

export function headersOf(reply: Reply, length: number): Record<string, string | number> {
  const h: Record<string, string | number> = { 'Content-Length': length };
  if (reply.contentType) h['Content-Type'] = reply.contentType;
  if (reply.cacheControl) h['Cache-Control'] = reply.cacheControl;
  if (reply.status === 413) h['Connection'] = 'close';
  return h;
}

export function writeReply(res: ServerResponse, reply: Reply, head = false): void {
  res.writeHead(reply.status, headersOf(reply, Buffer.byteLength(reply.body, 'utf8')));
  // A string body lets node send headers and body in one write (a Buffer would take a writev).
  res.end(head ? undefined : reply.body, 'utf8');
}

export const plainText = (status: number, body: string): Reply => ({ status, contentType: 'text/plain; charset=utf-8', cacheControl: null, body });
