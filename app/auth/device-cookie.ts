import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The cookie a successful sign-in sets; sent back, it marks a device the owner used. */
export const DEVICE_COOKIE = 'gw_device';
/** A month: a device the owner has not signed in from for that long is a new one. */
export const DEVICE_COOKIE_SECONDS = 30 * 24 * 3600;
const FORMAT = /^([0-9a-f]{24})\.([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * OWASP's device cookies: a signed value naming the account and a random device id,
 * given on a successful sign-in. A sign-in that presents one for its account is the
 * owner's device, so the per-account lock a guesser elsewhere has set off does not
 * apply to it (its own per-device count does). Signed with DEVICE_KEY (a Swarm secret),
 * so every replica can check it and nobody can make one.
 */
export interface DeviceCookies {
  issue(userId: string, nowMs?: number): string;
  /** The device id when `value` is a live cookie of `userId`'s, else undefined. */
  verify(value: string | undefined, userId: string, nowMs?: number): string | undefined;
}

export function createDeviceCookies(key: string): DeviceCookies {
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    issue(userId, nowMs = Date.now()) {
      const device = randomBytes(16).toString('base64url');
      const expires = Math.floor(nowMs / 1000) + DEVICE_COOKIE_SECONDS;
      const payload = `${userId}.${device}.${expires}`;
      return `${payload}.${sign(payload)}`;
    },
    verify(value, userId, nowMs = Date.now()) {
      const match = FORMAT.exec(value ?? '');
      if (!match) return undefined;
      const [, owner, device, expires, signature] = match as unknown as [
        string,
        string,
        string,
        string,
        string,
      ];
      if (owner !== userId || Number(expires) * 1000 <= nowMs) return undefined;
      const expected = Buffer.from(sign(`${owner}.${device}.${expires}`));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given)
        ? device
        : undefined;
    },
  };
}
