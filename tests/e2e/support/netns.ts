import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sh } from '../../support/commands.js';
import { waitUntil } from '../../support/wait-until.js';
import type { AgentJob } from './netns-agent.js';

/**
 * Test client hosts with addresses of their own, all inside this machine: one network
 * namespace per client, joined by a veth pair to a bridge this module owns.
 *
 * Why not 127.0.0.x: Docker delivers loopback traffic to a host-mode port through
 * docker-proxy or a masquerade rule, so every loopback client reaches nginx as the
 * gateway's address (172.18.0.1), one client. Traffic that arrives on an interface
 * (here the bridge) is only DNATed to nginx, so nginx sees the namespace's own address,
 * as it sees a real client's.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
const AGENT = 'tests/e2e/support/netns-agent.ts';
const BRIDGE = 'gwtest0';
/** Namespaces are named `gwtest-<n>`, their host-side veth ends `gwtest-<n>h`. */
const PREFIX = 'gwtest-';
const SUBNET = '10.77.0';
/** The host's address on the bridge: the published port answers here too. */
export const BRIDGE_IP = `${SUBNET}.1`;

export interface TestHost {
  name: string;
  /** Its first address; `ips` holds them all (one unless createHosts was asked for more). */
  ip: string;
  ips: string[];
}

const hosts: TestHost[] = [];
/** The last octet of the next address to hand out: every address is used once per run. */
let nextAddress = 11;
const agents = new Set<ChildProcess>();
let bridgeReady: Promise<void> | undefined;
/**
 * The pid of the test run whose hosts are up: another mocha process on the machine (a
 * single test file run beside `make test`) must neither take nor remove them.
 */
const OWNER = '/run/groundwork-test-hosts.pid';

function owner(): number | undefined {
  try {
    const pid = Number(readFileSync(OWNER, 'utf8'));
    process.kill(pid, 0); // throws when no such process runs
    return pid;
  } catch {
    return undefined;
  }
}

function ip(...args: string[]): Promise<string> {
  return sh('ip', args);
}

/**
 * `count` new client hosts (addresses 10.77.0.11 and up, never reused within a run),
 * each with `addresses` addresses of its own: one process in a host can then speak as
 * that many clients (Client's `ip`), far cheaper than a namespace and a process each.
 */
export async function createHosts(count: number, addresses = 1): Promise<TestHost[]> {
  bridgeReady ??= createBridge();
  await bridgeReady;
  const created: TestHost[] = [];
  for (let i = 0; i < count; i += 1) {
    if (nextAddress + addresses > 255)
      throw new Error(`no ${addresses} addresses left in ${SUBNET}.0/24`);
    created.push(await createHost(nextAddress, addresses));
    nextAddress += addresses;
  }
  return created;
}

async function createBridge(): Promise<void> {
  const other = owner();
  if (other !== undefined && other !== process.pid) {
    throw new Error(`the test hosts (${BRIDGE}) belong to the test run of pid ${other}`);
  }
  removeHostsAndBridge(); // leftovers of a run that crashed before its cleanup
  writeFileSync(OWNER, String(process.pid));
  await ip('link', 'add', BRIDGE, 'type', 'bridge');
  await ip('addr', 'add', `${BRIDGE_IP}/24`, 'dev', BRIDGE);
  await ip('link', 'set', BRIDGE, 'up');
  // Docker sets the FORWARD policy to DROP and makes bridged traffic pass iptables
  // (br_netfilter): without this, hosts on the bridge reach the host but not each other
  // (a client and the balancer host in front of the stack).
  await sh('iptables', ['-I', ...FORWARD_RULE]);
}

/** The iptables rule that lets hosts on the bridge reach each other. */
const FORWARD_RULE = ['FORWARD', '-i', BRIDGE, '-o', BRIDGE, '-j', 'ACCEPT'];

async function createHost(first: number, addresses: number): Promise<TestHost> {
  const ips = Array.from({ length: addresses }, (_, i) => `${SUBNET}.${first + i}`);
  const host = { name: `${PREFIX}${first}`, ip: ips[0]!, ips };
  hosts.push(host); // registered before it exists: a half-made host is removed too
  const veth = `${host.name}h`;
  await ip('netns', 'add', host.name);
  await ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.name);
  await ip('link', 'set', veth, 'master', BRIDGE, 'up');
  // One `ip` process for all of them (a batch), however many there are.
  const adds = ips.map((address) => `addr add ${address}/24 dev eth0`).join('\n');
  await sh('ip', ['-n', host.name, '-batch', '-'], { input: `${adds}\n` });
  await ip('-n', host.name, 'link', 'set', 'lo', 'up');
  await ip('-n', host.name, 'link', 'set', 'eth0', 'up');
  await waitUntil(`${host.name}: eth0 has a carrier`, 10000, async () => {
    const link = await ip('-n', host.name, '-br', 'link', 'show', 'eth0');
    return link.includes('LOWER_UP') ? true : undefined;
  });
  return host;
}

/**
 * Removes every test host and the bridge, this run's and any a crashed run left, and
 * stops running agents. Synchronous, so it also runs from the process's exit event.
 */
export function removeAll(): void {
  for (const agent of agents) agent.kill('SIGKILL');
  agents.clear();
  if (owner() === process.pid) {
    removeHostsAndBridge();
    rmSync(OWNER, { force: true });
  }
  hosts.length = 0;
  nextAddress = 11;
  bridgeReady = undefined;
}

function removeHostsAndBridge(): void {
  // Host-side veth ends first: deleting one removes its pair at once, while a deleted
  // namespace's devices are torn down later by the kernel, so a new host of the same
  // name could find its veth name still taken ("File exists").
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  for (const [, name] of links.matchAll(/^\d+: ([^:@]+)/gm)) {
    if (name?.startsWith(PREFIX)) execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  }
  const spaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const name of spaces.split('\n').map((line) => line.split(' ')[0] ?? '')) {
    if (name.startsWith(PREFIX)) execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  }
  try {
    execFileSync('ip', ['link', 'del', BRIDGE], { stdio: 'ignore' });
  } catch {
    // no bridge: nothing to remove
  }
  for (let i = 0; i < 10; i += 1) {
    try {
      execFileSync('iptables', ['-D', ...FORWARD_RULE], { stdio: 'ignore' });
    } catch {
      break; // no such rule left
    }
  }
}

// Hosts go whatever happens: after the last test (a root-level hook, as spec files
// import this module), when the process exits, and on a signal, which skips 'exit'
// (clean up, then let the signal do what it would have done).
after(function removeTestHosts() {
  removeAll();
});
process.once('exit', removeAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    removeAll();
    process.kill(process.pid, signal);
  });
}

/**
 * A long-running server inside a host's namespace (HAProxy, as the balancer in front
 * of the stack), stopped with the hosts whatever happens.
 */
export function spawnIn(host: TestHost, command: string, args: string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', host.name, command, ...args], { stdio: 'pipe' });
  agents.add(child);
  child.once('exit', () => agents.delete(child));
  return child;
}

/** One agent run: its stdout events as they come, and its final result. */
export interface RunningAgent<T> {
  events: Record<string, unknown>[];
  /** Resolves once the agent has printed an event `{event: name}`. */
  until(name: string, timeoutMs: number): Promise<void>;
  result: Promise<T>;
}

/**
 * Runs tests/e2e/support/netns-agent.ts inside a host's namespace. The agent prints one
 * JSON object per line; the last is `{event: 'result', ...}`.
 */
export function runAgent<T>(host: TestHost, job: AgentJob): RunningAgent<T> {
  const args = ['netns', 'exec', host.name, process.execPath, '--import', 'tsx', AGENT];
  const child = spawn('ip', [...args, JSON.stringify(job)], { cwd: ROOT });
  agents.add(child);
  const events: Record<string, unknown>[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) events.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<T>((done, fail) => {
    child.on('close', (code) => {
      agents.delete(child);
      const last = events.at(-1);
      if (code === 0 && last?.event === 'result') done(last as T);
      else fail(new Error(`agent in ${host.name} exited ${String(code)}:\n${stderr}`));
    });
  });
  // An agent that ends early fails the wait at once, with its stderr.
  const until = (name: string, timeoutMs: number) =>
    Promise.race([
      waitUntil(`agent in ${host.name} printed '${name}'`, timeoutMs, () =>
        Promise.resolve(events.some((e) => e.event === name) ? true : undefined),
      ),
      result.then(() => {
        throw new Error(`agent in ${host.name} ended without printing '${name}'`);
      }),
    ]).then(() => undefined);
  return { events, until, result };
}
