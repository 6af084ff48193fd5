import { expect } from 'chai';
import { createAdaptiveLimit } from '../../../app/concurrency/adaptive-limit.js';

describe('adaptive in-flight limit', () => {
  it('when answers come back within the target, then the limit stays at its maximum', () => {
    const limit = createAdaptiveLimit(32, 500, 1);
    for (let t = 0; t < 1000; t += 10) limit.observe(100, t);
    expect(limit.current()).to.equal(32);
  });

  it('when a burst of answers is slower than the target, then the limit is cut by a fifth once per target period, never below the minimum', () => {
    const limit = createAdaptiveLimit(32, 500, 1);
    for (let i = 0; i < 50; i += 1) limit.observe(900, 1000 + i); // one burst, one cut
    expect(limit.current()).to.equal(25);
    for (let t = 1500; t < 20000; t += 100) limit.observe(900, t);
    expect(limit.current()).to.equal(1);
  });

  it('when answers are fast again after a cut, then the limit climbs back by about one per round of answers', () => {
    const limit = createAdaptiveLimit(32, 500, 1);
    for (let t = 0; t < 5000; t += 500) limit.observe(900, t);
    const low = limit.current();
    expect(low).to.be.below(5);
    for (let i = 0; i < low * 3; i += 1) limit.observe(50, 6000 + i);
    expect(limit.current()).to.be.within(low + 2, low + 3);
  });
});
