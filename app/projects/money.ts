import { ValidationError } from '../errors/app-errors.js';

/**
 * Money is kept as integer cents. A JSON number arrives as a double; its shortest
 * decimal form (what String() gives) is exactly what the client wrote for any amount
 * with at most 15 significant digits, so reading the digits from that string converts
 * to cents without the rounding that `Math.round(x * 100)` would hide.
 */
export function toCents(amount: number, path: string): number {
  const text = String(amount);
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) {
    throw new ValidationError(`${path}: must have at most 2 decimals`, [
      { path, message: 'must have at most 2 decimals' },
    ]);
  }
  const [, whole = '0', fraction = ''] = match;
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Cents back to a JSON number; exact in its decimal text below 2^53 / 100. */
export function fromCents(cents: number | bigint): number {
  return Number(cents) / 100;
}
