// Where log lines go: stdout, written asynchronously in batches, and dropped for good once stdout
// is gone. pino's own destination (sonic-boom) retries a failed synchronous flush forever when the
// reader has closed the pipe (EPIPE), which kept the process from ever exiting on SIGTERM.
import fs from 'node:fs';

export class LogSink {
  private chunks: string[] = [];
  private size = 0;
  private writing = false;
  private broken = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly fd = 1,
    /** Lines wait at most this long before they are written. */
    private readonly maxDelayMs = 50,
    /** ...or until this many characters are waiting. */
    private readonly highWater = 16384,
  ) {}

  write(line: string): boolean {
    if (this.broken) return true;
    this.chunks.push(line);
    this.size += line.length;
    if (this.size >= this.highWater) this.flushAsync();
    else this.arm();
    return true;
  }

  /** Makes sure what waits is written within maxDelayMs. */
  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushAsync();
    }, this.maxDelayMs);
    this.timer.unref();
  }

  private take(): Buffer | null {
    if (this.size === 0) return null;
    const data = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.size = 0;
    return data;
  }

  private flushAsync(): void {
    if (this.writing || this.broken) return;
    const data = this.take();
    if (!data) return;
    this.writing = true;
    const writeFrom = (buf: Buffer) =>
      fs.write(this.fd, buf, 0, buf.length, null, (err, written) => {
        if (err) {
          this.writing = false;
          this.broken = true;
          this.chunks = [];
          this.size = 0;
          return;
        }
        if (written < buf.length) return writeFrom(buf.subarray(written));
        this.writing = false;
        // What came meanwhile waits for a full batch or the timer, as any line does: writing it
        // at once would make every completion a new small write, a thread-pool round trip each
        // (under load that was a sixth of a GetStatus's CPU, measured with --profile).
        if (this.size >= this.highWater) this.flushAsync();
        else if (this.size > 0) this.arm();
      });
    writeFrom(data);
  }

  /** Writes what is waiting, now; gives up (never loops) if stdout cannot take it. */
  flushSync(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.broken) return;
    const data = this.take();
    if (!data) return;
    let offset = 0;
    for (let attempts = 0; offset < data.length && attempts < 100; attempts++) {
      try {
        offset += fs.writeSync(this.fd, data, offset);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.broken = true;
          return;
        }
      }
    }
  }
}
