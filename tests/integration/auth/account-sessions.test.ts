import { expect } from 'chai';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { signInAdmin, signUp, ADMIN_PASSWORD, PASSWORD } from '../../support/sign-up.js';

const NEW_PASSWORD = 'another long password';

/** Sessions follow the account: every change counts on the other replica at once. */
describe('auth: sessions that follow the account, on two replicas', () => {
  const [one, two] = [useTestApp(), useTestApp()];
  resetBeforeEach(one);

  function login(base: string, username: string, password: string) {
    return call<{ token: string }>(base, '/auth/login', {
      method: 'POST',
      json: { username, password },
    });
  }

  function changePassword(token: string, json: unknown) {
    return call(one.url, '/auth/password', { method: 'POST', token, json });
  }

  const me = (base: string, token: string) => call(base, '/auth/me', { token });

  it('when a user changes the password, then every other session ends on the other replica at once and this one stays', async () => {
    const alice = await signUp(one.url, 'alice');
    const other = (await login(two.url, alice.username, PASSWORD)).body.token;
    const reply = await changePassword(alice.token, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(reply.status, JSON.stringify(reply.body)).to.equal(204);
    expectProblem(await me(two.url, other), 401);
    expectProblem(await me(one.url, other), 401);
    expect((await me(two.url, alice.token)).status).to.equal(200);
    expectProblem(await login(two.url, alice.username, PASSWORD), 401);
    expect((await login(two.url, alice.username, NEW_PASSWORD)).status).to.equal(200);
  });

  it('when the current password is wrong, then 403 and nothing changes', async () => {
    const alice = await signUp(one.url, 'alice');
    const other = (await login(two.url, alice.username, PASSWORD)).body.token;
    const reply = await changePassword(alice.token, {
      currentPassword: 'not the password',
      newPassword: NEW_PASSWORD,
    });
    expectProblem(reply, 403);
    expect((await me(two.url, other)).status).to.equal(200);
    expect((await login(two.url, alice.username, PASSWORD)).status).to.equal(200);
  });

  for (const [why, json] of [
    ['no current password', { newPassword: NEW_PASSWORD }],
    ['a new password under 12 characters', { currentPassword: PASSWORD, newPassword: 'short' }],
    ['an unknown field', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, x: 1 }],
  ] as const) {
    it(`when the password change has ${why}, then 400`, async () => {
      const alice = await signUp(one.url, 'alice');
      expectProblem(await changePassword(alice.token, json), 400);
    });
  }

  it('when the password change has no token, then 401', async () => {
    const reply = await call(one.url, '/auth/password', {
      method: 'POST',
      json: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    expectProblem(reply, 401);
  });

  it("when an admin ends a user's sessions, then every token of the user stops working on both replicas", async () => {
    const alice = await signUp(one.url, 'alice');
    const other = (await login(two.url, alice.username, PASSWORD)).body.token;
    const admin = await signInAdmin(two.url);
    const reply = await call(two.url, `/auth/users/${alice.id}/sessions`, {
      method: 'DELETE',
      token: admin,
    });
    expect(reply.status, JSON.stringify(reply.body)).to.equal(204);
    for (const base of [one.url, two.url]) {
      expectProblem(await me(base, alice.token), 401);
      expectProblem(await me(base, other), 401);
    }
    expect((await me(one.url, admin)).status).to.equal(200);
    expect((await login(one.url, alice.username, PASSWORD)).status).to.equal(200);
  });

  it("when a member asks to end someone's sessions, then 403; an unknown id 404; a malformed one 400", async () => {
    const alice = await signUp(one.url, 'alice');
    const bob = await signUp(one.url, 'bob');
    const path = (id: string) => `/auth/users/${id}/sessions`;
    expectProblem(await call(one.url, path(bob.id), { method: 'DELETE', token: alice.token }), 403);
    expect((await me(one.url, bob.token)).status).to.equal(200);
    const admin = await signInAdmin(one.url);
    const unknown = '0123456789abcdef01234567';
    expectProblem(await call(one.url, path(unknown), { method: 'DELETE', token: admin }), 404);
    expectProblem(await call(one.url, path('nope'), { method: 'DELETE', token: admin }), 400);
  });

  it('when a role changes in MongoDB, then the next request on another replica has the new role', async () => {
    const alice = await signUp(one.url, 'alice');
    expect((await me(two.url, alice.token)).body).to.include({ role: 'member' });
    const users = one.deps.db.collection('users');
    await users.updateOne({ username: alice.username }, { $set: { role: 'admin' } });
    expect((await me(two.url, alice.token)).body).to.include({ role: 'admin' });
    await users.updateOne({ username: alice.username }, { $set: { role: 'member' } });
    const reply = await call(two.url, `/auth/users/${alice.id}/sessions`, {
      method: 'DELETE',
      token: alice.token,
    });
    expectProblem(reply, 403);
  });

  it('when the admin is reset (deleted and created again), then the old admin tokens end on every replica', async () => {
    const old = await signInAdmin(one.url);
    const users = one.deps.db.collection('users');
    try {
      await users.deleteMany({ username: 'admin' });
      await two.deps.auth.ensureAdmin('the new admin password');
      for (const base of [one.url, two.url]) expectProblem(await me(base, old), 401);
    } finally {
      await users.deleteMany({ username: 'admin' });
      await one.deps.auth.ensureAdmin(ADMIN_PASSWORD);
    }
  });
});
