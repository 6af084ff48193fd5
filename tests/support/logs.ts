import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger } from '../../app/logging/logger.js';

/** The production logger (same format), its lines landing in `lines` instead of stdout. */
export function capturingLogger(lines: string[]): winston.Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return createLogger('info', new winston.transports.Stream({ stream }));
}

/** The line logged for a request id, with its two varying values replaced by names. */
export function requestLine(lines: string[], requestId: string): string {
  const line = lines.find((l) => l.includes(`"requestId":${JSON.stringify(requestId)}`));
  if (line === undefined) throw new Error(`no log line for request ${requestId}`);
  return line
    .replace(/"durationMs":[0-9.e-]+/, '"durationMs":<ms>')
    .replace(/"timestamp":"[^"]+"/, '"timestamp":"<time>"');
}
