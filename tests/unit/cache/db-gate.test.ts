import { expect } from 'chai';
import { MongoNetworkError } from 'mongodb';
import sinon from 'sinon';
import { createDbGate, isMongoUnavailable } from '../../../app/cache/db-gate.js';
import { UnavailableError, ValidationError } from '../../../app/errors/app-errors.js';
import { useFakeClock } from '../../support/fake-clock.js';

describe('cache MongoDB gate', () => {
  const clock = useFakeClock();

  const down = () => Promise.reject(new MongoNetworkError('connection closed'));

  it('when a read fails because MongoDB is unreachable, then reads get a 503 without trying until the cooldown passes', async () => {
    const gate = createDbGate(1000);
    await gate.run(down).catch(() => undefined);
    const read = sinon.stub().resolves('value');
    const error: unknown = await gate.run(read).catch((err: unknown) => err);
    expect(error).to.be.instanceOf(UnavailableError);
    expect(read.called).to.equal(false);
    clock.tick(1000);
    expect(await gate.run(read)).to.equal('value');
  });

  it('when the cooldown has passed, then one trial read goes through while the others still get 503', async () => {
    const gate = createDbGate(1000);
    await gate.run(down).catch(() => undefined);
    clock.tick(1000);
    let finish!: (v: string) => void;
    const trial = gate.run(() => new Promise<string>((done) => (finish = done)));
    const other: unknown = await gate.run(() => Promise.resolve('x')).catch((err: unknown) => err);
    expect(other).to.be.instanceOf(UnavailableError);
    finish('ok');
    expect(await trial).to.equal('ok');
    expect(await gate.run(() => Promise.resolve('open'))).to.equal('open');
  });

  it('when the driver sees no MongoDB, then every read is a 503 at once, trials too, until it sees it again', async () => {
    const listeners: ((reachable: boolean) => void)[] = [];
    const driver = {
      reachable: true,
      onChange: (listener: (reachable: boolean) => void) => listeners.push(listener),
    };
    const gate = createDbGate(1000, driver);
    const flip = (reachable: boolean) => {
      driver.reachable = reachable;
      for (const listener of listeners) listener(reachable);
    };
    await gate.run(down).catch(() => undefined);
    flip(false);
    clock.tick(5000);
    const read = sinon.stub().resolves('value');
    const error: unknown = await gate.run(read).catch((err: unknown) => err);
    expect(error).to.be.instanceOf(UnavailableError);
    expect(read.called, 'no trial while the driver sees no server').to.equal(false);
    flip(true);
    expect(await gate.run(read)).to.equal('value');
  });

  it('when a read fails for another reason, then the gate stays open and the error is not covered', async () => {
    const gate = createDbGate(1000);
    const bad = new ValidationError('bad cursor');
    const error: unknown = await gate.run(() => Promise.reject(bad)).catch((err: unknown) => err);
    expect(error).to.equal(bad);
    expect(isMongoUnavailable(bad)).to.equal(false);
    expect(await gate.run(() => Promise.resolve(1))).to.equal(1);
  });
});
