import { expect } from 'chai';
import { Redis } from 'ioredis';
import { resetData, startTestApp, type TestApp } from '../../support/app-harness.js';
import { call } from '../../support/http.js';
import { testServers } from '../../support/root-hooks.js';
import { signUp } from '../../support/sign-up.js';

describe('auth: when the Redis connection drops and comes back', () => {
  let app: TestApp;
  let admin: Redis;

  before(async () => {
    app = await startTestApp();
    admin = new Redis(testServers().redisUrl);
  });
  after(async () => {
    admin.disconnect();
    await app.stop();
  });

  it('when a signed-in request arrives while the connection is re-established, then it waits and succeeds', async () => {
    await resetData(app.deps);
    const { token } = await signUp(app.url, 'blip');
    // Drop every client connection (ours reconnects by itself); the data stays, as it
    // does across a restart of the stack's Redis, which persists with AOF.
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal').catch(() => undefined);
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => call(app.url, '/auth/me', { token })),
    );
    expect(replies.map((r) => r.status)).to.deep.equal(Array(10).fill(200));
  });
});
