import TransportStream from 'winston-transport';

const MESSAGE = Symbol.for('message');

/**
 * A winston transport writing stdout once per event-loop turn instead of once per line
 * (each write is a system call); lines still pending are written on 'exit'.
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
