// Writes an answer to the wire, or deliberately fails to: delays, resets, empty or truncated
// answers, malformed XML, silence, and slow dribbles, as scripted by transport-fault rules.
// The operation has already run when these apply: the state change happened, only delivery fails.
import type { ServerResponse } from 'node:http';
import type { ScriptedDelivery } from '../control/exchange';
import { Reply, headersOf, writeReply } from './reply';

/** Corrupts an XML answer so that no parser accepts it, keeping it plausible on the wire. */
function malform(body: string): string {
  const cut = body.lastIndexOf('</');
  return cut > 0 ? `${body.slice(0, cut)}<unclosed attr="x>&bogus;</broken>` : `${body}<`;
}

type OnWriteError = (res: ServerResponse, err: unknown) => void;

/**
 * Writes `reply` from a timer or the check phase, i.e. outside the request's own call stack: a
 * client that has gone is skipped, and a write that throws goes to `onError` rather than escaping
 * as an uncaught exception (one bad answer must not cost the others, or the process).
 */
function writeLater(res: ServerResponse, reply: Reply, head: boolean, onError: OnWriteError): void {
  if (res.destroyed) return;
  try {
    writeReply(res, reply, head);
  } catch (err) {
    try {
      onError(res, err);
    } catch {
      res.destroy();
    }
  }
}

/**
 * Answers finished during one event-loop turn, written back to back at the end of it (the check
 * phase). Why: a write to a socket whose peer sleeps in epoll wakes that peer, and a cross-CPU
 * wake-up costs more than the rest of the request (measured on a 2-core VM: 20 µs of kernel time
 * per GetStatus). Written in a burst, a client's event loop collects many answers per wake-up.
 * The delay is bounded by the turn itself: under light load a turn holds one request.
 */
class Outbox {
  constructor(private readonly onError: OnWriteError) {}

  private responses: ServerResponse[] = [];
  private replies: Reply[] = [];
  private heads: boolean[] = [];
  private scheduled = false;

  add(res: ServerResponse, reply: Reply, head: boolean): void {
    this.responses.push(res);
    this.replies.push(reply);
    this.heads.push(head);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes what is queued now (also called before a fault destroys a socket, to keep answers in order). */
  readonly flush = (): void => {
    const { responses, replies, heads } = this;
    this.responses = [];
    this.replies = [];
    this.heads = [];
    this.scheduled = false;
    for (let i = 0; i < responses.length; i++) writeLater(responses[i]!, replies[i]!, heads[i]!, this.onError);
  };
}

/** Responses held open (noResponse, dribble, delay), so shutdown can end them at once. */
export class Delivery {
  private readonly pending = new Set<ServerResponse>();
  private readonly outbox: Outbox;

  constructor(
    /** Called when an answer cannot be written (it answers 500, or ends the connection). */
    private readonly onError: OnWriteError,
  ) {
    this.outbox = new Outbox(onError);
  }

  private track(res: ServerResponse): void {
    this.pending.add(res);
    res.on('close', () => this.pending.delete(res));
  }

  /** Writes `reply`, spoiled as `scripted` says when a rule scripted a delivery fault. */
  deliver(res: ServerResponse, reply: Reply, scripted: ScriptedDelivery | undefined, head: boolean): void {
    if (!scripted) {
      this.outbox.add(res, reply, head);
      return;
    }
    const { fault } = scripted;
    // Answers still queued go out first: a fault below may destroy a socket that a pipelined,
    // earlier answer is waiting to use. Faults are rare; an early flush costs nothing.
    this.outbox.flush();
    // A pipelined request's response gets its socket only once the answers before it are done.
    const socket = res.socket ?? res.req.socket;
    switch (fault.type) {
      case 'delay': {
        const ms = scripted.delayMs ?? 0;
        this.track(res);
        const timer = setTimeout(() => writeLater(res, reply, head, this.onError), ms);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'reset':
        // RST instead of FIN: the client sees ECONNRESET.
        socket?.resetAndDestroy();
        return;
      case 'empty':
        // The connection closes without a byte of response: "socket hang up" / empty reply.
        socket?.destroy();
        return;
      case 'truncated': {
        const body = Buffer.from(reply.body, 'utf8');
        const keep = Math.min(fault.bytes ?? Math.floor(body.length / 2), Math.max(body.length - 1, 0));
        res.writeHead(reply.status, headersOf(reply, body.length));
        res.write(body.subarray(0, keep), () => socket?.destroy());
        return;
      }
      case 'malformed': {
        writeReply(res, { ...reply, body: malform(reply.body) }, head);
        return;
      }
      case 'noResponse':
        // Read everything, answer nothing, until the client gives up (or the mock shuts down).
        this.track(res);
        return;
      case 'dribble': {
        const body = Buffer.from(reply.body, 'utf8');
        const chunk = Math.max(1, fault.chunkBytes ?? 16);
        const interval = Math.max(0, fault.intervalMs ?? 100);
        this.track(res);
        res.writeHead(reply.status, headersOf(reply, body.length));
        res.flushHeaders();
        let offset = 0;
        const timer = setInterval(() => {
          if (res.destroyed) {
            clearInterval(timer);
            return;
          }
          const next = body.subarray(offset, offset + chunk);
          offset += next.length;
          if (offset >= body.length) {
            clearInterval(timer);
            res.end(next);
          } else res.write(next);
        }, interval);
        res.on('close', () => clearInterval(timer));
        return;
      }
    }
  }

  /** Ends every held answer now (shutdown, reset). */
  abortAll(): void {
    for (const res of this.pending) res.destroy();
    this.pending.clear();
  }

  get held(): number {
    return this.pending.size;
  }
}
