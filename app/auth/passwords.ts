import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt cost: N = 2^15, r = 8, p = 1 needs 32 MiB and a few tens of milliseconds per
 * hash — expensive for an offline guesser, affordable for a replica that signs in a
 * few people a second. The parameters travel inside each hash, so raising them later
 * only changes new hashes; old ones still verify with the values they were made with.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const SCHEME = 'scrypt';

// A stored hash is ours, but bound what one can make verify() allocate all the same.
const MAX_N = 2 ** 20;
const MAX_MEMORY = 256 * 1024 * 1024;

interface Params {
  N: number;
  r: number;
  p: number;
}

/** `scrypt$N$r$p$salt$key`, salt and key in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST, KEY_BYTES);
  return [
    SCHEME,
    COST.N,
    COST.r,
    COST.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/** True when the password matches; false for a mismatch or an unreadable hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parse(encoded);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  // Constant-time, so how much of the key matched does not show in the response time.
  return timingSafeEqual(key, parsed.key);
}

function parse(encoded: string): { params: Params; salt: Buffer; key: Buffer } | undefined {
  const [scheme, n, r, p, salt, key, ...rest] = encoded.split('$');
  if (scheme !== SCHEME || rest.length > 0 || salt === undefined || key === undefined) {
    return undefined;
  }
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const sane =
    Number.isSafeInteger(params.N) &&
    params.N > 1 &&
    params.N <= MAX_N &&
    (params.N & (params.N - 1)) === 0 &&
    Number.isSafeInteger(params.r) &&
    params.r >= 1 &&
    params.r <= 32 &&
    Number.isSafeInteger(params.p) &&
    params.p >= 1 &&
    params.p <= 16;
  const keyBytes = Buffer.from(key, 'base64url');
  if (!sane || keyBytes.length < 16) return undefined;
  return { params, salt: Buffer.from(salt, 'base64url'), key: keyBytes };
}

function derive(password: string, salt: Buffer, params: Params, keyBytes: number): Promise<Buffer> {
  // NFKC so that the same passphrase typed on two keyboards (composed vs decomposed
  // accents, full-width digits) is the same password.
  const secret = password.normalize('NFKC');
  // Node refuses to use more than 32 MiB unless told; scrypt needs 128·N·r bytes.
  const options: ScryptOptions = {
    ...params,
    maxmem: Math.min(MAX_MEMORY, 2 * 128 * params.N * params.r),
  };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyBytes, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/**
 * A hash of a random password nobody knows. Login verifies against it when the
 * username does not exist, so an unknown user costs the same scrypt run as a wrong
 * password and the response time does not tell which one it was.
 */
export function createDummyHash(): Promise<string> {
  return hashPassword(randomBytes(24).toString('base64url'));
}
