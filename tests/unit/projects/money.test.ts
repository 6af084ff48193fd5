import { expect } from 'chai';
import fc from 'fast-check';
import { ValidationError } from '../../../app/errors/app-errors.js';
import { fromCents, toCents } from '../../../app/projects/money.js';

describe('money', () => {
  it('when an amount has at most 2 decimals, then it converts to exact cents', () => {
    expect(toCents(0.29, 'b')).to.equal(29);
    expect(toCents(0.07, 'b')).to.equal(7);
    expect(toCents(1234.5, 'b')).to.equal(123450);
    expect(toCents(1_000_000_000_000, 'b')).to.equal(100_000_000_000_000);
    expect(toCents(0, 'b')).to.equal(0);
  });

  it('when an amount has more than 2 decimals, then it is a validation error naming the path', () => {
    for (const bad of [10.005, 0.001, 1e-7, 1.999]) {
      expect(() => toCents(bad, 'body.budget')).to.throw(ValidationError, /body\.budget/);
    }
  });

  it('then cents round-trip through the JSON number for every 2-decimal amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000_000_000 }), (cents) => {
        const amount = fromCents(cents);
        return toCents(JSON.parse(JSON.stringify(amount)) as number, 'b') === cents;
      }),
    );
  });
});
