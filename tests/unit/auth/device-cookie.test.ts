import { expect } from 'chai';
import { createDeviceCookies, DEVICE_COOKIE_SECONDS } from '../../../app/auth/device-cookie.js';

describe('device cookies (signed, per account)', () => {
  const cookies = createDeviceCookies('a key for this test');
  const user = '0123456789abcdef01234567';
  const other = 'fedcba9876543210fedcba98';

  it('when a cookie was issued for an account, then it names a device of that account only', () => {
    const value = cookies.issue(user);
    const device = cookies.verify(value, user);
    expect(device).to.match(/^[A-Za-z0-9_-]{22}$/);
    expect(cookies.verify(value, other)).to.equal(undefined);
    expect(cookies.verify(cookies.issue(user), user)).to.not.equal(device);
  });

  it('when a cookie is altered, signed with another key, expired or malformed, then it names no device', () => {
    const now = Date.now();
    const value = cookies.issue(user, now);
    const [id, device, expires, signature] = value.split('.') as [string, string, string, string];
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    for (const forged of [
      `${id}.${device}.${expires}.${flipped}`,
      `${id}.${device}.${Number(expires) + 1}.${signature}`,
      createDeviceCookies('another key').issue(user, now),
      'garbage',
      '',
    ]) {
      expect(cookies.verify(forged, user, now), forged).to.equal(undefined);
    }
    expect(cookies.verify(undefined, user)).to.equal(undefined);
    expect(cookies.verify(value, user, now + DEVICE_COOKIE_SECONDS * 1000 + 1000)).to.equal(
      undefined,
    );
  });
});
