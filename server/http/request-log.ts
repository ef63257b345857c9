// The log line of one request to the service.
import type { Exchange } from '../control/exchange';

export function requestLine(ex: Exchange): Record<string, unknown> {
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
  return line;
}
