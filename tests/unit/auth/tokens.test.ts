import { expect } from 'chai';
import { isWellFormedToken, newToken, tokenHash } from '../../../app/auth/sessions.js';

describe('session tokens', () => {
  it('when a token is made, then it is 256 random bits as 43 base64url characters', () => {
    const token = newToken();
    expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).to.have.length(32);
    expect(isWellFormedToken(token)).to.be.true;
  });

  it('when many tokens are made, then none repeats', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => newToken()));
    expect(tokens.size).to.equal(1000);
  });

  it('when a token is hashed, then the hash is stable SHA-256 hex and differs from the token', () => {
    const token = newToken();
    expect(tokenHash(token)).to.match(/^[0-9a-f]{64}$/);
    expect(tokenHash(token)).to.equal(tokenHash(token));
    expect(tokenHash(token)).not.to.equal(tokenHash(newToken()));
  });

  for (const [what, token] of [
    ['is empty', ''],
    ['is too short', 'A'.repeat(42)],
    ['is too long', 'A'.repeat(44)],
    ['is padded base64', `${'A'.repeat(42)}=`],
    ['has standard base64 characters', `${'A'.repeat(41)}+/`],
    ['has whitespace', ` ${'A'.repeat(42)}`],
    ['holds a Redis key pattern', `${'A'.repeat(42)}*`],
  ] as const) {
    it(`when a token ${what}, then it is not well-formed`, () => {
      expect(isWellFormedToken(token)).to.be.false;
    });
  }
});
