import { RateLimiterRes } from 'rate-limiter-flexible';
import { UnavailableError } from '../errors/app-errors.js';
import { rateLimited, type NamedLimiter } from './consume.js';
import { DAY, HOUR, MINUTE, sharedLimiter, type LimitSpec, type LimiterDeps } from './limiters.js';

// Ten wrong passwords in a row for one name from one address is a forgotten password
// or a guesser; either way a 15-minute pause costs a person little and a guesser a lot.
// Failures are remembered for an hour (the per-account count below keeps the day), so
// the keys one address can leave behind are bounded by its failures in an hour.
export const LOGIN_LOCKOUT_SECONDS = 15 * MINUTE;
export const LOGIN_FAILURES_PER_USERNAME_IP: LimitSpec = {
  name: 'login_username_ip',
  points: 10,
  duration: HOUR,
  blockDuration: LOGIN_LOCKOUT_SECONDS,
};

// Per account, whatever the addresses: ten failures a day are free (a person who
// forgot which of two passwords it was, on two devices); after that each attempt
// must wait for the one before by a pause that doubles from 1 s up to 5 minutes. A
// botnet then gets about 12 guesses an hour at one account (under 300 a day, against
// passwords of at least 12 characters), while the owner waits at most 5 minutes.
export const LOGIN_FAILURES_PER_USERNAME: LimitSpec = {
  name: 'login_username',
  points: 10,
  duration: DAY,
};
export const LOGIN_BACKOFF_FIRST_SECONDS = 1;
export const LOGIN_BACKOFF_MAX_SECONDS = 5 * MINUTE;
const BACKOFF: LimitSpec = { name: 'login_username_backoff', points: 1, duration: 1 };

// Per address, across names: 20 failures in 10 minutes is more than an office behind
// one NAT mistypes on a Monday morning, and it holds a password sprayer there to two
// guesses a minute. When an attacker shares the address, the people behind it wait
// out 10 minutes at worst, never a day; and their successful sign-ins cost nothing.
export const LOGIN_FAILURES_PER_IP: LimitSpec = {
  name: 'login_ip',
  points: 20,
  duration: 10 * MINUTE,
};

// Successful sign-ins per address: each makes a session that the state Redis keeps
// for SESSION_TTL_SECONDS (12 h). 600 in 12 h (a large office's morning behind one NAT)
// is at most 600 live sessions, about 0.2 MB: under 0.1 % of the state Redis's 256 MB,
// whatever one address does (stack/README.md, "What one address can store").
export const SIGNINS_PER_IP: LimitSpec = { name: 'signin_ip', points: 600, duration: 12 * HOUR };

// A device the owner signed in from before (a device cookie, app/auth/device-cookie.ts)
// skips the per-account pause a guesser elsewhere set off, so it keeps a count of its
// own: ten wrong passwords an hour is a forgetful owner; past that, the cookie was
// likely stolen and the device waits 15 minutes like any pair.
export const LOGIN_FAILURES_PER_DEVICE: LimitSpec = {
  name: 'login_device',
  points: 10,
  duration: HOUR,
  blockDuration: 15 * MINUTE,
};

/** One sign-in attempt, already counted as a failure. */
export interface LoginAttempt {
  /** The password was right: forget this name's failures and take back this one. */
  succeeded(): Promise<void>;
  /** The check never happened (MongoDB failed): take back what the attempt counted. */
  abandon(): Promise<void>;
}

/** Brute-force protection for login; the auth service begins an attempt before scrypt. */
export interface LoginLimiter {
  /**
   * Counts the attempt as a failure before the password is checked, so that guesses
   * sent in parallel cannot overtake the count; throws the 429 when it may not be made.
   * A name that is no account (`exists` false) gets no per-account count: a day-long
   * key per made-up name would let one address fill Redis. A `device` the owner signed
   * in from before is counted per device instead of per account.
   */
  begin(username: string, ip: string, exists: boolean, device?: string): Promise<LoginAttempt>;
}

export function createLoginLimiter({ redis, metrics, scale = 1 }: LimiterDeps): LoginLimiter {
  const pair = sharedLimiter(redis, LOGIN_FAILURES_PER_USERNAME_IP, scale);
  const address = sharedLimiter(redis, LOGIN_FAILURES_PER_IP, scale);
  const account = sharedLimiter(redis, LOGIN_FAILURES_PER_USERNAME, scale);
  // One point whose window is the pause: of attempts racing for it, one gets through.
  const backoff = sharedLimiter(redis, BACKOFF, 1);
  const signins = sharedLimiter(redis, SIGNINS_PER_IP, scale);
  const devices = sharedLimiter(redis, LOGIN_FAILURES_PER_DEVICE, scale);
  // JSON keeps "a_b" + "c" and "a" + "b_c" apart whatever characters a name holds.
  const pairKey = (username: string, ip: string) => JSON.stringify([username, ip]);

  /** Takes a point; the number now used, or the 429 when past the limit. */
  async function take({ name, limiter }: NamedLimiter, key: string, seconds?: number) {
    try {
      const options = seconds === undefined ? {} : { customDuration: seconds };
      return (await limiter.consume(key, 1, options)).consumedPoints;
    } catch (err) {
      if (err instanceof RateLimiterRes) throw rateLimited(name, err.msBeforeNext, metrics);
      throw new UnavailableError('The rate limiter is unavailable; retry shortly');
    }
  }

  /** Failures past the free ones wait their turn, one attempt per pause. */
  async function takeAccount(username: string): Promise<void> {
    let used: number;
    try {
      used = (await account.limiter.consume(username)).consumedPoints;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw new UnavailableError();
      used = err.consumedPoints;
    }
    const beyond = used - account.limiter.points;
    if (beyond <= 0) return;
    try {
      await take(backoff, username, pauseSeconds(beyond));
    } catch (err) {
      // A refused attempt was never checked: it must not lengthen the next pause.
      await giveBack(account, username);
      throw err;
    }
  }

  /** Takes back one point; a key left at nothing is deleted, so it does not outlive the attempt. */
  async function giveBack({ limiter }: NamedLimiter, key: string): Promise<void> {
    const left = await limiter.reward(key, 1);
    if (left.consumedPoints <= 0) await limiter.delete(key);
  }

  return {
    async begin(username, ip, exists, device) {
      const key = pairKey(username, ip);
      const taken: [NamedLimiter, string][] = [];
      const refund = () => Promise.all(taken.map(([limiter, k]) => giveBack(limiter, k)));
      try {
        // Read, not taken: only a sign-in that succeeds spends one.
        const made = await signins.limiter.get(ip).catch(() => null);
        if (made && made.remainingPoints <= 0) {
          throw rateLimited(signins.name, made.msBeforeNext, metrics);
        }
        // The address first: once it is refused, no per-name key is written at all.
        await take(address, ip);
        taken.push([address, ip]);
        // Made-up names lock out per address like real ones (else the 11th try would
        // tell which names exist); that key lives an hour and only within the address's
        // own limit. The per-account count (a day, whatever the address) is for accounts.
        await take(pair, key);
        taken.push([pair, key]);
        if (exists && device !== undefined) {
          await take(devices, device);
          taken.push([devices, device]);
        } else if (exists) {
          await takeAccount(username);
        }
      } catch (err) {
        // Refused attempts are not failures: an honest user retrying while the address
        // is slowed must not lock their own name.
        await refund().catch(() => undefined);
        throw err;
      }
      return {
        abandon: async () => {
          await refund().catch(() => undefined);
          if (exists && device === undefined) {
            await giveBack(account, username).catch(() => undefined);
          }
        },
        async succeeded() {
          await Promise.all([
            pair.limiter.delete(key),
            giveBack(address, ip),
            // The owner's device leaves the account's count to the guessers it counts.
            ...(device === undefined
              ? [account.limiter.delete(username), backoff.limiter.delete(username)]
              : [devices.limiter.delete(device)]),
            // Racing sign-ins may overshoot by a few; the read above stops the rest.
            signins.limiter.consume(ip).catch(() => undefined),
          ]);
        },
      };
    },
  };
}

/** The pause after the n-th failure beyond the free ones: 1 s, 2 s, 4 s, … 5 min. */
export function pauseSeconds(beyond: number): number {
  const doubled = LOGIN_BACKOFF_FIRST_SECONDS * 2 ** Math.min(beyond - 1, 30);
  return Math.min(LOGIN_BACKOFF_MAX_SECONDS, doubled);
}
