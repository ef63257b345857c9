// Runs the built server (dist/) as a separate process, as users start it: the one way every suite
// spawns it.
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after } from 'node:test';
import { SERVICE_PATH } from './constants';

const MAIN = path.resolve(__dirname, '../../dist/server/main.js');

/** Upper bound for start-up; a server that has not said "listening" by then is killed. */
const START_TIMEOUT_MS = 20_000;
/** Upper bound for a signalled server to exit by itself before it is killed (its exit code is then null). */
const STOP_TIMEOUT_MS = 15_000;
/** output() keeps the last few MB of what the process wrote. */
const OUTPUT_CAP = 4 * 1024 * 1024;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  /** The port the server reported in its "listening" line. */
  port: number;
  origin: string;
  serviceUrl: string;
  /** Everything the process wrote (stdout + stderr), capped at the last few MB. */
  output(): string;
  /** Log lines at level error or fatal (pino 50/60), kept whole even when output() is capped. */
  errorLines(): string[];
  alive(): boolean;
  exited: Promise<Exit>;
  /**
   * Sends `signal` (SIGTERM by default) and resolves with the exit code: null when the process
   * died of a signal, e.g. of the SIGKILL sent when it had not exited `killAfterMs` later.
   */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | null>;
}

/** Server processes still running; whatever a failed test left behind is killed when the file ends. */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** The environment for a server: quiet defaults (any free port, no fixtures); `undefined` removes a variable. */
function serverEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, PORT: '0', LOG_LEVEL: 'info', FIXTURES_DIR: 'none', ...env })) {
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function start(env: Record<string, string | undefined>, args: string[]): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [MAIN, ...args], { env: serverEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  // 'close', not 'exit': by then everything the process wrote has been read, so output() is whole.
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exited };
}

/** Starts `node dist/server/main.js` (on a free port unless `env` or `args` say otherwise) and waits for its "listening" line. */
export function spawnServer(env: Record<string, string | undefined>, args: string[] = []): Promise<ServerProcess> {
  const { child, exited } = start(env, args);
  let out = '';
  let partial = '';
  const errors: string[] = [];
  let listening = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${out}`));
    }, START_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      const text = d.toString();
      out += text;
      if (out.length > OUTPUT_CAP) out = out.slice(out.length - OUTPUT_CAP / 2);
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (/"level":(50|60)/.test(line) && errors.length < 1000) errors.push(line);
        if (listening) continue;
        const m = /"port":(\d+).*"msg":"listening"/.exec(line);
        if (!m) continue;
        listening = true;
        clearTimeout(timer);
        const port = Number(m[1]);
        const origin = `http://127.0.0.1:${port}`;
        resolve({
          child,
          pid: child.pid!,
          port,
          origin,
          serviceUrl: origin + SERVICE_PATH,
          output: () => out,
          errorLines: () => errors,
          alive: () => child.exitCode === null && child.signalCode === null,
          exited,
          stop: (signal = 'SIGTERM', killAfterMs = STOP_TIMEOUT_MS) => {
            if (child.exitCode !== null || child.signalCode !== null) return exited.then((e) => e.code);
            child.kill(signal);
            const guard = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
            return exited.then((e) => {
              clearTimeout(guard);
              return e.code;
            });
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      if (listening) return;
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

/** Runs the server expecting it to refuse to start; resolves with its exit code (null if it was killed after 20 s) and output. */
export async function runToExit(env: Record<string, string | undefined>, args: string[] = []): Promise<{ code: number | null; output: string }> {
  const { child, exited } = start(env, args);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  const { code } = await exited;
  clearTimeout(timer);
  return { code, output };
}

/** A TCP port that was free a moment ago (listened on and closed again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
