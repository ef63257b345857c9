// Serving a request to the service: the adapter turns it into an Exchange with its Reply; then,
// in this order, the control core journals it, the log gets its line, and delivery writes the
// reply (or spoils it, as a rule scripted).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Exchange } from '../control/exchange';
import { elapsedMs, startTimer } from '../elapsed';
import type { Delivery } from './delivery';
import type { Handler, RequestTarget } from './listener';
import type { Reply } from './reply';

/** An exchange and the answer its adapter wrote for it (one object: this runs for every request). */
export interface Served extends Exchange {
  reply: Reply;
}

export interface ExchangeOptions {
  /** Turns one request into its exchange (reads the body, decides, runs the operation). */
  serve(req: IncomingMessage, target: RequestTarget, rest: string): Promise<Served>;
  record(ex: Exchange, method: string, path: string): void;
  log(ex: Exchange, method: string, path: string): void;
  delivery: Delivery;
  onError(res: ServerResponse, err: unknown): void;
}

export function exchangeHandler(opts: ExchangeOptions): Handler {
  const { delivery } = opts;
  return (req, res, target, rest) => {
    const startedAt = startTimer();
    opts
      .serve(req, target, rest)
      .then((ex) => {
        ex.durationMs = elapsedMs(startedAt);
        const method = req.method ?? '';
        const path = req.url ?? '';
        opts.record(ex, method, path);
        opts.log(ex, method, path);
        delivery.deliver(res, ex.reply, ex.decision?.delivery, req.method === 'HEAD');
      })
      .catch((err: unknown) => opts.onError(res, err));
  };
}
