import { Swarm } from './swarm.js';

// A Swarm holds only names and commands, so each file can hold the suite's one before
// the stack is up; the first before hook that asks brings it up.
const suiteSwarm = new Swarm();
let shared: Promise<Swarm> | undefined;
let started: Swarm | undefined;

/** One stack for the whole e2e suite, brought up by the first test file that asks. */
function sharedSwarm(): Promise<Swarm> {
  shared ??= (async () => {
    const swarm = suiteSwarm;
    await swarm.ownership('check');
    started = swarm;
    try {
      const output = await swarm.up();
      console.log(`      ${output.split('\n').find((line) => line.startsWith('swarm: ')) ?? ''}`);
    } finally {
      // Even a stack that never converged is the tests' own: the next run may remove it.
      await swarm.ownership('mark').catch(() => undefined);
    }
    return swarm;
  })();
  return shared;
}

export interface UseSwarmOptions {
  /** A service that must run all its tasks, with no update under way, before the tests. */
  converged?: string;
  /** The before hook's budget; the default leaves room for the first file's deploy. */
  timeoutMs?: number;
}

/**
 * The shared stack for the enclosing describe block. One before hook brings it up,
 * waits for `converged`, then runs the file's own `prepare`: one hook and one budget,
 * as when each file wrote it. The tests read the returned Swarm once the hook has run.
 */
export function useSwarm(options: UseSwarmOptions = {}, prepare?: () => Promise<void>): Swarm {
  before(async function (this: Mocha.Context) {
    this.timeout(options.timeoutMs ?? 900000);
    await sharedSwarm();
    if (options.converged !== undefined) await suiteSwarm.converged(options.converged);
    await prepare?.();
  });
  return suiteSwarm;
}

// Root-level hook (this module is imported by spec files): after the last test, the
// stack and its volumes and secrets go, whatever failed. E2E_KEEP_SWARM=1 keeps it
// for a look after a failure (`make swarm-down` removes it then).
after(async function removeSharedSwarm(this: Mocha.Context) {
  this.timeout(300000);
  const swarm = started;
  started = undefined;
  if (!swarm) return;
  if (process.env.E2E_KEEP_SWARM !== undefined) {
    console.log('      E2E_KEEP_SWARM: the stack is left running; make swarm-down removes it');
    return;
  }
  await swarm.down();
  await swarm.ownership('unmark');
});
