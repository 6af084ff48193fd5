import { expect } from 'chai';
import { randomBytes, scryptSync } from 'node:crypto';
import { createDummyHash, hashPassword, verifyPassword } from '../../../app/auth/passwords.js';

describe('passwords', () => {
  const password = 'correct horse battery staple';

  it('when a password is hashed, then the hash names scrypt and its parameters and hides the password', async () => {
    const hash = await hashPassword(password);
    expect(hash).to.match(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.to.include(password);
  });

  it('when the same password is hashed twice, then the salts and hashes differ', async () => {
    const [a, b] = await Promise.all([hashPassword(password), hashPassword(password)]);
    expect(a).not.to.equal(b);
    expect(a.split('$')[4]).not.to.equal(b.split('$')[4]);
  });

  it('when the right password is verified, then true; a wrong one, then false', async () => {
    const hash = await hashPassword(password);
    expect(await verifyPassword(password, hash)).to.be.true;
    expect(await verifyPassword(`${password}!`, hash)).to.be.false;
    expect(await verifyPassword('', hash)).to.be.false;
  });

  it('when a passphrase is typed in another Unicode form, then it still verifies', async () => {
    const composed = 'caf\u00e9 au lait, s\u2019il vous pla\u00eet';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.to.equal(composed);
    expect(await verifyPassword(decomposed, await hashPassword(composed))).to.be.true;
  });

  it('when a hash was made with other scrypt parameters, then it verifies with its own', async () => {
    // A cheaper hash, as an older release might have stored it.
    const salt = randomBytes(16);
    const key = scryptSync(password, salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const older = [
      'scrypt',
      2 ** 14,
      8,
      1,
      salt.toString('base64url'),
      key.toString('base64url'),
    ].join('$');
    expect(await verifyPassword(password, older)).to.be.true;
    expect(await verifyPassword(password, older.replace('$16384$', '$32768$'))).to.be.false;
  });

  for (const [what, stored] of [
    ['is empty', ''],
    ['uses another scheme', 'bcrypt$2b$10$abc'],
    ['misses parts', 'scrypt$32768$8$1$salt'],
    ['has an N that is not a power of two', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(43)],
    ['has an N too large', `scrypt$${2 ** 24}$8$1$c2FsdHNhbHRzYWx0$${'A'.repeat(43)}`],
    ['has a short key', 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0$AAAA'],
    ['has extra parts', `scrypt$32768$8$1$c2FsdA$${'A'.repeat(43)}$more`],
  ] as const) {
    it(`when the stored hash ${what}, then verification is false, not an error`, async () => {
      expect(await verifyPassword(password, stored)).to.be.false;
    });
  }

  it('when the dummy hash is verified, then no guess matches it', async () => {
    const dummy = await createDummyHash();
    expect(dummy).to.match(/^scrypt\$/);
    expect(await verifyPassword(password, dummy)).to.be.false;
  });
});
