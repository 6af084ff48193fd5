import { makeValidator, str } from 'envalid';

export const positiveInt = makeValidator<number>((input) => {
  const n = Number(input);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error('must be a non-negative integer');
  return n;
});

export const positiveNumber = makeValidator<number>((input) => {
  const n = Number(input);
  if (!Number.isFinite(n) || n <= 0) throw new Error('must be a positive number');
  return n;
});

export const mongoUrl = makeValidator<string>((input) => {
  if (!/^mongodb(\+srv)?:\/\/[^\s]+$/.test(input)) throw new Error('must be a mongodb:// URL');
  return input;
});

export const optionalSecret = (desc: string) => str({ default: undefined, desc });
