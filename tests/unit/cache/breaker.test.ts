import { expect } from 'chai';
import sinon from 'sinon';
import { createBreaker } from '../../../app/cache/breaker.js';
import { useFakeClock } from '../../support/fake-clock.js';

describe('cache breaker', () => {
  const clock = useFakeClock();

  function breaker(probe: () => Promise<void>) {
    const events: string[] = [];
    const b = createBreaker({
      failures: 3,
      cooldownMs: 1000,
      probe,
      onOpen: () => events.push('open'),
      onClose: () => events.push('close'),
    });
    return { b, events };
  }

  it('when failures come three in a row, then it opens', () => {
    const { b, events } = breaker(() => Promise.resolve());
    b.failure();
    b.failure();
    expect(b.isClosed).to.equal(true);
    b.failure();
    expect(b.isClosed).to.equal(false);
    expect(events).to.deep.equal(['open']);
  });

  it('when a success comes between failures, then the count starts again', () => {
    const { b } = breaker(() => Promise.resolve());
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.isClosed).to.equal(true);
  });

  it('when open, then it probes after the cooldown and closes if the probe succeeds', async () => {
    const probe = sinon.stub().resolves();
    const { b, events } = breaker(probe);
    b.trip();
    await clock.tickAsync(999);
    expect(probe.called).to.equal(false);
    await clock.tickAsync(1);
    expect(b.isClosed).to.equal(true);
    expect(events).to.deep.equal(['open', 'close']);
  });

  it('when the probe fails, then it stays open and probes again a cooldown later', async () => {
    const probe = sinon.stub().rejects(new Error('still down'));
    const { b } = breaker(probe);
    b.trip();
    await clock.tickAsync(1000);
    expect(b.isClosed).to.equal(false);
    probe.resolves();
    await clock.tickAsync(1000);
    expect(probe.callCount).to.equal(2);
    expect(b.isClosed).to.equal(true);
  });

  it('when stopped, then it never probes again', async () => {
    const probe = sinon.stub().resolves();
    const { b } = breaker(probe);
    b.trip();
    b.stop();
    await clock.tickAsync(5000);
    expect(probe.called).to.equal(false);
  });
});
