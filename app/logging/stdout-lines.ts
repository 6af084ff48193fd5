import TransportStream from 'winston-transport';

const MESSAGE = Symbol.for('message');

/**
 * A winston transport writing formatted lines to stdout, one write per event-loop
 * turn instead of one per line. On Linux a write to stdout (a pipe under Docker, a
 * file or /dev/null elsewhere) is a synchronous system call; at thousands of requests
 * a second, batching the access-log lines of one turn costs a fraction of that
 * (stack/MEASURED.md, "Benchmark", has the figures). A line waits at most until the current turn
 * ends; lines still pending when the process exits are written on 'exit', which
 * runs for process.exit() and for a normal end alike. Only a SIGKILL can lose them.
 *
 * It also skips what winston's Console transport does per line and nobody here
 * uses: a setImmediate to emit 'logged', and the stderr level routing.
 */
export class StdoutLines extends TransportStream {
  private pending: string[] = [];
  private scheduled = false;
  private readonly flush = () => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    process.stdout.write(text);
  };

  constructor(options: TransportStream.TransportStreamOptions = {}) {
    super(options);
    process.once('exit', this.flush);
  }

  override log(info: Record<symbol, unknown>, done: () => void): void {
    this.pending.push(info[MESSAGE] as string);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    done();
  }

  override close(): void {
    this.flush();
    process.removeListener('exit', this.flush);
  }
}
