import { expect } from 'chai';
import fc from 'fast-check';
import { ValidationError } from '../../../app/errors/app-errors.js';
import { fingerprintOf, parseIdempotencyKey } from '../../../app/projects/idempotency-key.js';

describe('idempotency keys', () => {
  it('when no key is sent, then there is none', () => {
    expect(parseIdempotencyKey(undefined)).to.equal(undefined);
  });

  it('when a key is 1–255 visible ASCII characters, then it is taken as sent', () => {
    for (const key of ['a', '8e03978e-40d5-43e8-bc93-6894a57f9324', '"quoted"', '!~'.repeat(127)]) {
      expect(parseIdempotencyKey(key)).to.equal(key);
    }
  });

  it('when a key is empty, too long, has a space or a non-ASCII character, or is sent twice, then it is a 400 naming the header', () => {
    for (const bad of ['', 'x'.repeat(256), 'a b', 'clé', 'tab\there', ['a', 'b']]) {
      expect(() => parseIdempotencyKey(bad))
        .to.throw(ValidationError)
        .with.property('extras')
        .that.deep.equals({
          errors: [
            {
              path: 'header.Idempotency-Key',
              message: 'must be 1–255 visible ASCII characters (! to ~, no spaces)',
            },
          ],
        });
    }
  });

  it('when a body only reorders its fields, then its fingerprint is the same', () => {
    const one = fingerprintOf({ name: 'Pier', budget: 10, status: 'planning' });
    const two = fingerprintOf({ status: 'planning', budget: 10, name: 'Pier' });
    expect(one)
      .to.equal(two)
      .and.to.match(/^[0-9a-f]{64}$/);
  });

  it('when any value of a body changes, then its fingerprint changes', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        return fingerprintOf({ name: a, budget: 1 }) !== fingerprintOf({ name: b, budget: 1 });
      }),
    );
    expect(fingerprintOf({ name: 'x', budget: 1 })).not.to.equal(
      fingerprintOf({ name: 'x', budget: 1, location: 'y' }),
    );
  });
});
