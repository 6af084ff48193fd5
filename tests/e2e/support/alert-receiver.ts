import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from '../../support/wait-until.js';
import { docker } from './swarm.js';

/** What Alertmanager's webhook posts (the fields the tests read). */
export interface Notification {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string> }[];
}

/**
 * A webhook receiver for Alertmanager on this machine, on the docker_gwbridge gateway
 * address: the bridge through which every task on a non-internal overlay (Alertmanager
 * on `monitoring`) reaches the outside, so the container can post here and nothing
 * beyond this machine can. Keeps every notification, with the time it arrived.
 */
export class AlertReceiver {
  readonly received: { at: number; notification: Notification }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    const gateway = (
      await docker(
        'network',
        'inspect',
        'docker_gwbridge',
        '-f',
        '{{(index .IPAM.Config 0).Gateway}}',
      )
    ).trim();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          const notification = JSON.parse(Buffer.concat(chunks).toString()) as Notification;
          this.received.push({ at: Date.now(), notification });
        } catch {
          // Not a notification; Alertmanager only sends JSON.
        }
        res.end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, gateway, resolve);
    });
    this.url = `http://${gateway}:${(server.address() as AddressInfo).port}/alerts`;
  }

  /** Resolves with the arrival time of the first `status` notification of `alertname` since `since`. */
  until(
    alertname: string,
    status: Notification['status'],
    since: number,
    timeoutMs: number,
  ): Promise<number> {
    return waitUntil(`Alertmanager posts ${alertname} ${status}`, timeoutMs, () => {
      const hit = this.received.find(
        ({ at, notification }) =>
          at >= since &&
          notification.groupLabels.alertname === alertname &&
          notification.status === status,
      );
      return Promise.resolve(hit?.at);
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
