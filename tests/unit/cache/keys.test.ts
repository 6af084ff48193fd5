import { expect } from 'chai';
import { dataPrefix, guardKey, queryHash } from '../../../app/cache/keys.js';

describe('cache keys', () => {
  it('when two queries differ only in parameter order or absent values, then they share a key', () => {
    expect(queryHash({ status: 'planning', limit: 20 })).to.equal(
      queryHash({ limit: 20, q: undefined, status: 'planning' }),
    );
  });

  it('when two queries differ in a value, then their keys differ', () => {
    expect(queryHash({ limit: 20 })).not.to.equal(queryHash({ limit: 21 }));
  });

  it('when the epoch moves on, then every key is in a new namespace', () => {
    expect(guardKey(1, 'all')).not.to.equal(guardKey(2, 'all'));
    expect(dataPrefix(1, 'p:x')).not.to.equal(dataPrefix(2, 'p:x'));
  });
});
