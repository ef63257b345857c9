// The log line of one request to the service.
import type { Exchange } from '../control/exchange';

/**
 * A SOAP request's line names its protocol, operation and batch; any other request (the WSDL,
 * disco, the help page, the HTTP GET/POST bindings, a refused request) names its method and path
 * too, which is what tells them apart.
 */
export function requestLine(ex: Exchange, method: string, path: string): Record<string, unknown> {
  const line: Record<string, unknown> = {
    protocol: ex.protocol,
    operation: ex.operation,
    batchId: ex.batchId === null ? null : ex.batchId.toString(),
    status: ex.resultStatus,
    http: ex.httpStatus,
    durationMs: ex.durationMs,
  };
  const decision = ex.decision;
  if (decision?.ruleIds.length) line['rules'] = decision.ruleIds;
  if (decision?.delivery) line['transportFault'] = decision.delivery.fault.type;
  if (ex.error) line['error'] = ex.error;
  if (ex.protocol !== 'soap11' && ex.protocol !== 'soap12') {
    line['method'] = method;
    line['path'] = path;
  }
  return line;
}

/** The line of a request no route serves (404). */
export function notFoundLine(method: string, path: string): Record<string, unknown> {
  return { method, path, http: 404 };
}
