import sinon from 'sinon';

/** Sinon's fake timers around each test of the enclosing describe block: time moves only when told. */
export function useFakeClock(): Pick<sinon.SinonFakeTimers, 'tick' | 'tickAsync'> {
  let clock: sinon.SinonFakeTimers | undefined;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => {
    clock?.restore();
  });
  return {
    tick: (ms) => clock!.tick(ms),
    tickAsync: (ms) => clock!.tickAsync(ms),
  };
}
