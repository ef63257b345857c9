// Every admin error leaves as one shape: application/problem+json (RFC 9457).
import type { ErrorRequestHandler, Response } from 'express';
import { ErrorKind, MockError } from '../errors';

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly pointer?: string,
    /** Extension members (RFC 9457 section 3.2), e.g. the batch a timed-out wait found. */
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, pointer?: string) => new Problem(400, 'Bad Request', detail, pointer);
export const notFound = (detail: string) => new Problem(404, 'Not Found', detail);

export function sendProblem(res: Response, p: Problem): void {
  if (p.status === 503) res.setHeader('Retry-After', '1');
  res
    .status(p.status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: 'about:blank',
        title: p.title,
        status: p.status,
        detail: p.message,
        ...(p.pointer !== undefined ? { pointer: p.pointer } : {}),
        ...p.extra,
      }),
    );
}

const BY_KIND: Record<ErrorKind, { status: number; title: string }> = {
  invalid: { status: 400, title: 'Bad Request' },
  notFound: { status: 404, title: 'Not Found' },
  conflict: { status: 409, title: 'Conflict' },
  // A capacity the mock was configured with, not a fault of the request's form.
  limit: { status: 409, title: 'Conflict' },
  // The database volume is full: nothing was written; retry once space is freed.
  storeFull: { status: 507, title: 'Insufficient Storage' },
  // A capacity that frees up again (open waits end): worth a retry.
  busy: { status: 503, title: 'Service Unavailable' },
};

/** Maps the core's typed errors (and body-parser's) to problems; anything else is a logged 500. */
export function toProblem(err: unknown): Problem | null {
  if (err instanceof Problem) return err;
  if (err instanceof MockError) {
    const { status, title } = BY_KIND[err.kind];
    return new Problem(status, title, err.message, err.pointer, err.details);
  }
  const e = err as { type?: string; status?: number; message?: string };
  // The pointer '' is the whole body (RFC 6901).
  if (e.type === 'entity.parse.failed') return badRequest(`invalid JSON: ${e.message}`, '');
  if (e.type === 'entity.too.large') return new Problem(413, 'Content Too Large', 'request body too large');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new Problem(415, 'Unsupported Media Type', e.message ?? '');
  return null;
}

export function problemHandler(onUnexpected: (err: unknown) => void): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const p = toProblem(err);
    if (p) return sendProblem(res, p);
    onUnexpected(err);
    sendProblem(res, new Problem(500, 'Internal Server Error', 'unexpected error; see the mock log'));
  };
}
