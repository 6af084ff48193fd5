/**
 * Reads a rendered stack (`docker stack config` output) on stdin and writes it back
 * without `encrypted` on any overlay network. Used by `make cluster` only
 * (STACK_UNENCRYPTED=true in stack/swarm/lib.sh), never by `make up` or `make swarm`.
 *
 * Why: the cluster's nodes share this machine's kernel, which has no xfrm (IPsec), so an
 * encrypted overlay carries nothing between nodes. Why not an override file: the docker
 * CLI merges a second file's maps and cannot delete a key, and libnetwork turns
 * encryption on when the option is present at all, whatever its value.
 */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

interface Network {
  driver_opts?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RenderedStack {
  networks?: Record<string, Network | null>;
  [key: string]: unknown;
}

/** The same stack with every network's `encrypted` driver option removed. */
export function withoutEncryption(stack: RenderedStack): RenderedStack {
  const networks = Object.fromEntries(
    Object.entries(stack.networks ?? {}).map(([name, network]) => {
      if (!network?.driver_opts) return [name, network];
      const copy: Network = { ...network, driver_opts: { ...network.driver_opts } };
      delete copy.driver_opts?.encrypted;
      if (Object.keys(copy.driver_opts ?? {}).length === 0) delete copy.driver_opts;
      return [name, copy];
    }),
  );
  return { ...stack, networks };
}

/**
 * `docker stack config` has interpolated every variable and turned `$$` into `$`; the
 * deploy interpolates the file again, so each `$` left is literal and is escaped back
 * (redis's healthcheck runs `$(cat ...)` in its container's shell).
 */
export function escapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$');
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [key, escapeDollars(child)]),
  );
}

if (process.argv[1] === import.meta.filename) {
  const stack = parse(readFileSync(0, 'utf8')) as RenderedStack;
  process.stdout.write(stringify(escapeDollars(withoutEncryption(stack))));
}
