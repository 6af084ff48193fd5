import { expect } from 'chai';
import { Client, clientIp, paced, type Reply } from './support/client.js';
import { sharedTwin, type Twin } from './support/twin.js';

describe('e2e: nginx rate limit, 20 r/s per client address', () => {
  let twin: Twin;
  before(async function (this: Mocha.Context) {
    this.timeout(180000);
    twin = await sharedTwin();
  });

  it('when one address sends 40 r/s for 10 s, then 20 x 10 + burst get through and the rest are 429 problems, while a 10 r/s address next to it gets no 429', async function (this: Mocha.Context) {
    this.timeout(60000);
    const greedy = new Client(twin.url, clientIp(1, 1));
    const modest = new Client(twin.url, clientIp(1, 2));
    try {
      const [fast, slow] = await Promise.all([
        paced(40, 10000, () => greedy.call('/version')),
        paced(10, 10000, () => modest.call('/version')),
      ]);
      const ok = fast.filter((r) => r.status === 200).length;
      const limited = fast.filter((r) => r.status === 429);
      console.log(
        `      rate limit: 40 r/s x 10 s -> ${ok} accepted, ${limited.length} rejected (429); ` +
          `10 r/s x 10 s -> ${slow.filter((r) => r.status === 200).length}/${slow.length} accepted`,
      );
      // 20 r/s for 10 s plus the burst of 20 (nginx/nginx.conf.template), within 5 %.
      const expected = 20 * 10 + 20;
      expect(ok).to.be.within(Math.floor(expected * 0.95), Math.ceil(expected * 1.05));
      expect(ok + limited.length, 'every request answered 200 or 429').to.equal(fast.length);
      for (const reply of limited) expectEdge429(reply);
      expect(slow.map((r) => r.status)).to.deep.equal(slow.map(() => 200));
    } finally {
      greedy.close();
      modest.close();
    }
  });
});

function expectEdge429(reply: Reply): void {
  expect(reply.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(reply.body).to.include({ status: 429, title: 'Too Many Requests' });
  expect(reply.headers['retry-after']).to.match(/^\d+$/);
}
