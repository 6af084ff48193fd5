import { startTestServers, type TestServers } from './servers.js';

let servers: TestServers | undefined;

/** The real Redis and FerretDB every test file shares; see servers.ts. */
export function testServers(): TestServers {
  if (!servers) throw new Error('test servers are not running (root hook did not run)');
  return servers;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60000);
    servers = await startTestServers();
  },
  async afterAll() {
    await servers?.stopAll();
  },
};
