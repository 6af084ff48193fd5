import { expect } from 'chai';
import { REGISTRATIONS_PER_IP } from '../../../app/rate-limit/limiters.js';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';

const PASSWORD = 'a long enough password';

describe('auth: POST /auth/register', () => {
  const app = useTestApp();
  resetBeforeEach(app);

  function register(json: unknown, headers: Record<string, string> = {}) {
    return call(app.url, '/auth/register', { method: 'POST', json, headers });
  }

  async function expectInvalid(json: unknown, path: string) {
    const problem = expectProblem(await register(json), 400);
    expect(problem.errors?.map((e) => e.path)).to.include(path);
    expect(
      await app.deps.db.collection('users').countDocuments({ username: { $ne: 'admin' } }),
    ).to.equal(0);
  }

  it('when registering a new username, then 201 with id, username and role member', async () => {
    const reply = await register({ username: 'alice.b-c_1', password: PASSWORD });
    expect(reply.status).to.equal(201);
    expect(reply.body).to.have.keys('id', 'username', 'role');
    expect(reply.body).to.include({ username: 'alice.b-c_1', role: 'member' });
    expect(reply.body.id).to.match(/^[0-9a-f]{24}$/);
  });

  it('when registering, then the password is stored only as a salted scrypt hash', async () => {
    await register({ username: 'alice', password: PASSWORD });
    await register({ username: 'bob', password: PASSWORD });
    const users = await app.deps.db
      .collection('users')
      .find({ username: { $in: ['alice', 'bob'] } })
      .toArray();
    const hashes = users.map((u) => String(u.passwordHash));
    expect(hashes).to.have.length(2);
    for (const hash of hashes)
      expect(hash)
        .to.match(/^scrypt\$/)
        .and.not.include(PASSWORD);
    expect(hashes[0]).not.to.equal(hashes[1]);
  });

  it('when registering a taken username, then 409', async () => {
    expect((await register({ username: 'alice', password: PASSWORD })).status).to.equal(201);
    const problem = expectProblem(
      await register({ username: 'alice', password: 'another password!' }),
      409,
    );
    expect(problem.detail).to.include('taken');
  });

  it('when registering the reserved name admin, then 409', async () => {
    expectProblem(await register({ username: 'admin', password: PASSWORD }), 409);
  });

  for (const [why, username] of [
    ['too short', 'ab'],
    ['too long', 'a'.repeat(33)],
    ['with upper case', 'Alice'],
    ['with a space', 'al ice'],
    ['with a $ sign', '$where'],
    ['as an operator object', { $gt: '' }],
    ['as a number', 12345],
  ] as const) {
    it(`when registering a username ${why}, then 400 naming body.username`, async () => {
      await expectInvalid({ username, password: PASSWORD }, 'body.username');
    });
  }

  it('when registering a username of exactly 3 and 32 characters, then 201', async () => {
    expect((await register({ username: 'abc', password: PASSWORD })).status).to.equal(201);
    expect((await register({ username: 'a'.repeat(32), password: PASSWORD })).status).to.equal(201);
  });

  it('when the username is missing, then 400 naming body.username', async () => {
    await expectInvalid({ password: PASSWORD }, 'body.username');
  });

  it('when the password is missing, then 400 naming body.password', async () => {
    await expectInvalid({ username: 'alice' }, 'body.password');
  });

  it('when the password has 11 characters, then 400', async () => {
    await expectInvalid({ username: 'alice', password: 'x'.repeat(11) }, 'body.password');
  });

  it('when the password has 129 characters, then 400', async () => {
    await expectInvalid({ username: 'alice', password: 'x'.repeat(129) }, 'body.password');
  });

  it('when the password has 12 or 128 characters, then 201', async () => {
    expect((await register({ username: 'short', password: 'x'.repeat(12) })).status).to.equal(201);
    expect((await register({ username: 'long', password: 'x'.repeat(128) })).status).to.equal(201);
  });

  it('when the password is not a string, then 400', async () => {
    await expectInvalid({ username: 'alice', password: { $ne: null } }, 'body.password');
  });

  it('when the body has an unknown field, then 400 naming it', async () => {
    await expectInvalid({ username: 'alice', password: PASSWORD, role: 'admin' }, 'body.role');
  });

  it('when the body is malformed JSON, then 400', async () => {
    expectProblem(await register('{"username": "alice", '), 400);
  });

  for (const [what, raw] of [
    ['an array', '[1, 2]'],
    ['a string', '"alice"'],
    ['null', 'null'],
    ['a number', '42'],
  ] as const) {
    it(`when the body is ${what} instead of an object, then 400`, async () => {
      expectProblem(await register(raw), 400);
    });
  }

  it('when the body is not application/json, then 415', async () => {
    const body = JSON.stringify({ username: 'alice', password: PASSWORD });
    expectProblem(await register(body, { 'content-type': 'text/plain' }), 415);
    expectProblem(
      await register('username=alice', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
    );
  });

  it('when the body is over 64 KiB, then 413', async () => {
    const reply = await register({
      username: 'alice',
      password: PASSWORD,
      padding: 'x'.repeat(70 * 1024),
    });
    expectProblem(reply, 413);
  });

  it(`when one address registers more than ${REGISTRATIONS_PER_IP.points} times an hour, then 429 with Retry-After`, async () => {
    for (let i = 0; i < REGISTRATIONS_PER_IP.points; i += 1) {
      expect((await register({ username: `user${i}`, password: PASSWORD })).status).to.equal(201);
    }
    const reply = await register({ username: 'one.too.many', password: PASSWORD });
    expectProblem(reply, 429);
    const retryAfter = Number(reply.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, 3600);
    expect(
      await app.deps.metrics.registry.getSingleMetricAsString('rate_limit_rejections_total'),
    ).to.include('limiter="register_ip"');
  });

  it('when a request is invalid, then it does not count against the registration limit', async () => {
    for (let i = 0; i < REGISTRATIONS_PER_IP.points + 2; i += 1) {
      expectProblem(await register({ username: 'X', password: PASSWORD }), 400);
    }
    expect((await register({ username: 'alice', password: PASSWORD })).status).to.equal(201);
  });
});
