import winston from 'winston';
import type TransportStream from 'winston-transport';
import { StdoutLines } from './stdout-lines.js';

/**
 * One JSON object per line on stdout, as `docker service logs` shows it. Callers pass
 * structured fields; nothing here ever formats a secret, because no caller passes one.
 * Tests pass another transport to read the very lines production writes.
 */
export function createLogger(
  level: string,
  transport: TransportStream = new StdoutLines(),
): winston.Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
}

/** A logger that drops everything, for tests that do not read logs. */
export function createSilentLogger(): winston.Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}
