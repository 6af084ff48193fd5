import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { resetBeforeEach, useTestApp } from '../../support/app-harness.js';
import { call, expectProblem } from '../../support/http.js';
import { signUp, PASSWORD } from '../../support/sign-up.js';

describe('auth: tokens, /auth/me and /auth/logout', () => {
  const app = useTestApp();
  resetBeforeEach(app);

  it('when a signed-in user asks /auth/me, then 200 with id, username and role', async () => {
    const alice = await signUp(app.url, 'alice');
    const me = await call(app.url, '/auth/me', { token: alice.token });
    expect(me.status).to.equal(200);
    expect(me.body).to.deep.equal({ id: alice.id, username: alice.username, role: 'member' });
    expect(me.headers.get('cache-control')).to.equal('no-store');
  });

  it('when /auth/me has no Authorization header, then 401 with WWW-Authenticate', async () => {
    const reply = await call(app.url, '/auth/me');
    expectProblem(reply, 401);
    expect(reply.headers.get('www-authenticate')).to.equal('Bearer');
  });

  for (const [what, header] of [
    ['a Basic scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['a bare token without scheme', 'A'.repeat(43)],
    ['an empty bearer', 'Bearer '],
    ['a token too short', 'Bearer abc'],
    ['a token with a character outside base64url', `Bearer ${'A'.repeat(42)}=`],
    ['a token too long', `Bearer ${'A'.repeat(44)}`],
    ['two tokens', `Bearer ${'A'.repeat(43)} ${'B'.repeat(43)}`],
  ] as const) {
    it(`when the Authorization header holds ${what}, then 401`, async () => {
      expectProblem(await call(app.url, '/auth/me', { headers: { authorization: header } }), 401);
    });
  }

  it('when a well-formed token was never issued, then 401', async () => {
    expectProblem(await call(app.url, '/auth/me', { token: 'A'.repeat(43) }), 401);
  });

  it('when the scheme is written in lower case, then the token is still accepted', async () => {
    const alice = await signUp(app.url, 'alice');
    const reply = await call(app.url, '/auth/me', {
      headers: { authorization: `bearer ${alice.token}` },
    });
    expect(reply.status).to.equal(200);
  });

  it('when a user logs out, then 204 and the token gives 401 from then on', async () => {
    const alice = await signUp(app.url, 'alice');
    expect(
      (await call(app.url, '/auth/logout', { method: 'POST', token: alice.token })).status,
    ).to.equal(204);
    expectProblem(await call(app.url, '/auth/me', { token: alice.token }), 401);
    expectProblem(await call(app.url, '/auth/logout', { method: 'POST', token: alice.token }), 401);
  });

  it('when one session logs out, then the same user’s other sessions still work', async () => {
    const alice = await signUp(app.url, 'alice');
    const second = await call(app.url, '/auth/login', {
      method: 'POST',
      json: { username: alice.username, password: PASSWORD },
    });
    await call(app.url, '/auth/logout', { method: 'POST', token: alice.token });
    expect((await call(app.url, '/auth/me', { token: second.body.token })).status).to.equal(200);
  });

  it('when logging out without a token, then 401', async () => {
    expectProblem(await call(app.url, '/auth/logout', { method: 'POST' }), 401);
  });
});

describe('auth: token expiry', () => {
  // Redis expires the key itself, so real time has to pass: fake timers cannot help.
  const app = useTestApp({ SESSION_TTL_SECONDS: '1' });
  resetBeforeEach(app);

  it('when a token has outlived SESSION_TTL_SECONDS, then 401', async () => {
    const alice = await signUp(app.url, 'alice');
    expect((await call(app.url, '/auth/me', { token: alice.token })).status).to.equal(200);
    await sleep(1500);
    expectProblem(await call(app.url, '/auth/me', { token: alice.token }), 401);
  });
});
