import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** The parts of docker-stack.yml the stack tests read. */
export interface Service {
  image?: string;
  user?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: { target: number; published: number | string; mode?: string }[];
  networks?: string[];
  secrets?: { source: string; target: string }[];
  volumes?: (string | { type: string; target: string })[];
  read_only?: boolean;
  healthcheck?: { test: string[]; start_period?: string; interval?: string; retries?: number };
  stop_grace_period?: string;
  logging?: { driver: string; options: Record<string, string> };
  deploy?: {
    mode?: string;
    endpoint_mode?: string;
    replicas?: number | string;
    update_config?: Record<string, string | number>;
    rollback_config?: Record<string, string | number>;
    restart_policy?: Record<string, string | number>;
    resources?: {
      limits?: { cpus?: string; memory?: string };
      reservations?: { cpus?: string; memory?: string };
    };
    placement?: { constraints?: string[] };
  };
}

export interface StackFile {
  services: Record<string, Service>;
  networks: Record<string, { driver?: string; internal?: boolean }>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { external?: boolean; file?: string }>;
}

export const ROOT = resolve(import.meta.dirname, '../..');

/** The jobs the stack's Prometheus scrapes, sorted. */
export const SCRAPE_JOBS = ['alertmanager', 'backup', 'nginx', 'node', 'prometheus', 'web'];

export function readStack(): StackFile {
  return parse(readFileSync(join(ROOT, 'docker-stack.yml'), 'utf8')) as StackFile;
}

export function service(stack: StackFile, name: string): Service {
  const found = stack.services[name];
  if (!found) throw new Error(`docker-stack.yml has no service ${name}`);
  return found;
}

/** Compose durations as Swarm writes them: "30s", "1m30s", "500ms". */
export function seconds(duration: string | undefined): number {
  if (duration === undefined) return NaN;
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0) return NaN;
  const unit = { h: 3600, m: 60, s: 1, ms: 0.001 } as const;
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u as keyof typeof unit], 0);
}

/**
 * Merging keys secrets, volumes and ports by name and may reorder them; their order
 * means nothing. Lists of strings (a healthcheck's test, a command) keep their order.
 */
export function normalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalize);
    if (items.every((item) => typeof item === 'string')) return items;
    return items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, normalize(child)]));
}

/**
 * A value as a first deploy gets it: `${VAR:-default}` (which up.sh fills in on a
 * running stack) read as its default, a number as itself.
 */
export function firstDeployValue(value: number | string | undefined): number {
  if (typeof value === 'number') return value;
  const match = /^\$\{[A-Z_]+:-(\d+)\}$/.exec(value ?? '');
  return match ? Number(match[1]) : NaN;
}
