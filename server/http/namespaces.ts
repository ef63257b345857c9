// How an HTTP request names its namespace: a path prefix `/ns/{name}` in front of the service or
// admin path, or the header below. The path wins over the header (a generated client keeps the
// prefix of the WSDL it was made from; the header may come from a shared HTTP client's defaults).
import type { IncomingMessage } from 'node:http';

export const NAMESPACE_HEADER = 'x-cora-mock-namespace';
const PREFIX = '/ns/';

/** Splits `/ns/{name}/rest` into the name and `/rest`; null when the path has no such prefix. */
export function splitNamespacePath(pathname: string): { namespace: string; pathname: string } | null {
  if (!pathname.startsWith(PREFIX)) return null;
  const end = pathname.indexOf('/', PREFIX.length);
  if (end <= PREFIX.length) return null;
  return { namespace: pathname.slice(PREFIX.length, end), pathname: pathname.slice(end) };
}

/** The namespace a request names, path prefix first, then header; null when it names none. */
export function namespaceOf(req: IncomingMessage, pathname: string): string | null {
  if (pathname.startsWith(PREFIX)) {
    const split = splitNamespacePath(pathname);
    if (split) return split.namespace;
  }
  const header = req.headers[NAMESPACE_HEADER];
  return typeof header === 'string' && header !== '' ? header : null;
}

/** A route matcher that also accepts its paths behind a `/ns/{name}` prefix. */
export function withNamespacePrefix(match: (pathname: string) => string | null): (pathname: string) => string | null {
  return (pathname) => {
    const direct = match(pathname);
    if (direct !== null || !pathname.startsWith(PREFIX)) return direct;
    const split = splitNamespacePath(pathname);
    return split ? match(split.pathname) : null;
  };
}
