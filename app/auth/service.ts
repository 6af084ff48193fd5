import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { Logger } from 'winston';
import type { Config } from '../config/config.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from '../errors/app-errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { createLoginLimiter } from '../rate-limit/login-limiter.js';
import { createDeviceCookies } from './device-cookie.js';
import { createDummyHash, hashPassword, verifyPassword } from './passwords.js';
import { createSessions } from './sessions.js';
import type { AuthService, PublicUser } from './types.js';
import { createUsersRepository, type UserRecord } from './users-repository.js';

export const ADMIN_USERNAME = 'admin';

// The first admin's name stays the first admin's: nobody may register it, even before
// the admin exists (e.g. when ADMIN_PASSWORD is not set yet).
const RESERVED_USERNAMES = new Set([ADMIN_USERNAME]);

// One message for an unknown user and a wrong password, so the answer does not tell
// which usernames exist.
const BAD_CREDENTIALS = 'The username or password is wrong';

export interface AuthServiceDeps {
  db: Db;
  redis: Redis;
  config: Config;
  metrics: Metrics;
  logger: Logger;
}

export function createAuthService({
  db,
  redis,
  config,
  metrics,
  logger,
}: AuthServiceDeps): AuthService {
  const users = createUsersRepository(db, config.MONGO_MAX_TIME_MS);
  const sessions = createSessions(
    redis,
    config.SESSION_TTL_SECONDS,
    config.REDIS_RECONNECT_WAIT_MS,
    config.MAX_SESSIONS_PER_USER,
  );
  const loginLimiter = createLoginLimiter({ redis, metrics, scale: config.RATE_LIMIT_SCALE });
  // Made once per process, in the background; the first unknown-user login waits for it.
  const dummyHash = createDummyHash();
  // Without a key (a replica run by hand) no device is trusted: every sign-in is counted
  // per account, as before device cookies.
  const devices =
    config.DEVICE_KEY !== undefined && config.DEVICE_KEY !== ''
      ? createDeviceCookies(config.DEVICE_KEY)
      : undefined;

  /**
   * A counted attempt (login-limiter.ts): the user when the password is right. scrypt
   * runs exactly once whether or not the user exists (a dummy hash otherwise), so the
   * answer's timing does not tell which names exist; only existing names are counted
   * per name.
   */
  async function checkedAttempt(
    username: string,
    password: string,
    ip: string,
    deviceCookie?: string,
  ): Promise<UserRecord | undefined> {
    const found = await users.findByUsername(username);
    const device = found && devices?.verify(deviceCookie, found.id);
    const attempt = await loginLimiter.begin(username, ip, found !== undefined, device);
    let matches: boolean;
    try {
      matches = await verifyPassword(password, found?.passwordHash ?? (await dummyHash));
    } catch (err) {
      await attempt.abandon();
      throw err;
    }
    if (found && matches) {
      await attempt.succeeded();
      return found;
    }
    return undefined;
  }

  return {
    async register({ username, password }) {
      if (RESERVED_USERNAMES.has(username)) {
        throw new ConflictError(`The username "${username}" is taken`);
      }
      const passwordHash = await hashPassword(password);
      const user = await users.insert({ username, passwordHash, role: 'member' });
      logger.info('user registered', { userId: user.id });
      return toPublic(user);
    },

    async login({ username, password }, ip, deviceCookie) {
      const user = await checkedAttempt(username, password, ip, deviceCookie);
      if (!user) throw new UnauthorizedError(BAD_CREDENTIALS);
      const session = await sessions.create(user.id, user.sessionEpoch);
      // A fresh cookie on every sign-in: a month from the last one the owner made.
      return devices ? { ...session, deviceCookie: devices.issue(user.id) } : session;
    },

    async logout(token) {
      await sessions.end(token);
    },

    async authenticate(token) {
      if (token === undefined || token === '') {
        throw new UnauthorizedError('A bearer token is required');
      }
      const session = await sessions.find(token);
      // The user is read on every request: a deleted user (the admin reset), a new
      // role or a new session generation counts from the next request, on every replica.
      const user = await users.findById(session.userId);
      if (user?.sessionEpoch !== session.epoch) {
        throw new UnauthorizedError('The session was ended; sign in again');
      }
      return { ...toPublic(user), token };
    },

    async changePassword(signedIn, { currentPassword, newPassword }, ip) {
      // The current password is guessed through here as through login, so it is
      // counted the same way: a stolen token must not become a password oracle.
      const user = await checkedAttempt(signedIn.username, currentPassword, ip);
      if (user?.id !== signedIn.id) throw new ForbiddenError('The current password is wrong');
      const session = await sessions.find(signedIn.token);
      const epoch = await users.newSessionEpoch(user.id, await hashPassword(newPassword));
      if (epoch === undefined) throw new UnauthorizedError('The session was ended; sign in again');
      // Every session of the old generation is over; this one moves to the new.
      await sessions.carryOver(signedIn.token, session, epoch);
      logger.info('password changed; other sessions ended', { userId: user.id });
    },

    async endSessions(userId) {
      const epoch = await users.newSessionEpoch(userId);
      if (epoch === undefined) throw new NotFoundError(`No user ${userId}`);
      logger.info('sessions ended by an admin', { userId });
    },

    async ensureAdmin(password) {
      const existing = await users.findByUsername(ADMIN_USERNAME);
      if (existing) {
        if (existing.role !== 'admin') {
          logger.warn('user "admin" exists but is not an admin; no admin was created');
        }
        return;
      }
      try {
        const passwordHash = await hashPassword(password);
        await users.insert({ username: ADMIN_USERNAME, passwordHash, role: 'admin' });
        logger.info('first admin created', { username: ADMIN_USERNAME });
      } catch (err) {
        // Another replica starting at the same moment created it first: that is fine.
        if (!(err instanceof ConflictError)) throw err;
      }
    },
  };
}

function toPublic({ id, username, role }: UserRecord): PublicUser {
  return { id, username, role };
}
