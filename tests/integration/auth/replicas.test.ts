import { expect } from 'chai';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { signUp, ADMIN_PASSWORD, PASSWORD } from '../../support/sign-up.js';

describe('auth: two replicas sharing MongoDB and Redis', () => {
  const [one, two] = [useTestApp(), useTestApp()];
  resetBeforeEach(one);

  it('when a token is issued by one replica, then the other accepts it', async () => {
    const alice = await signUp(one.url, 'alice');
    const me = await call(two.url, '/auth/me', { token: alice.token });
    expect(me.status).to.equal(200);
    expect(me.body).to.include({ id: alice.id });
  });

  it('when a user logs out on one replica, then the token stops working on both', async () => {
    const alice = await signUp(one.url, 'alice');
    expect((await call(two.url, '/auth/me', { token: alice.token })).status).to.equal(200);
    expect(
      (await call(two.url, '/auth/logout', { method: 'POST', token: alice.token })).status,
    ).to.equal(204);
    expectProblem(await call(one.url, '/auth/me', { token: alice.token }), 401);
    expectProblem(await call(two.url, '/auth/me', { token: alice.token }), 401);
  });

  it('when a name is registered on one replica, then the other answers 409 for it', async () => {
    const alice = await signUp(one.url, 'alice');
    const reply = await call(two.url, '/auth/register', {
      method: 'POST',
      json: { username: alice.username, password: PASSWORD },
    });
    expectProblem(reply, 409);
  });

  it('when three replicas ensure the admin at once, then exactly one admin exists', async () => {
    const users = one.deps.db.collection('users');
    await users.deleteMany({ username: 'admin' });
    try {
      await Promise.all([
        one.deps.auth.ensureAdmin('first password!!'),
        two.deps.auth.ensureAdmin('second password!'),
        one.deps.auth.ensureAdmin('third password!!'),
      ]);
      const admins = await users.find({ username: 'admin' }).toArray();
      expect(admins).to.have.length(1);
      expect(admins[0]).to.include({ role: 'admin' });
    } finally {
      // Later tests sign in as the admin with ADMIN_PASSWORD.
      await users.deleteMany({ username: 'admin' });
      await one.deps.auth.ensureAdmin(ADMIN_PASSWORD);
    }
  });

  it('when the admin already exists, then ensureAdmin leaves its password alone', async () => {
    await two.deps.auth.ensureAdmin('some other password');
    const login = await call(one.url, '/auth/login', {
      method: 'POST',
      json: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(login.status).to.equal(200);
  });
});
