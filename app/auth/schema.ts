import { Type, type Static } from '@sinclair/typebox';

/**
 * The one source of the auth routes' shapes: the routes validate with these, the
 * types below come from them, and app/auth/openapi.ts publishes them.
 */

// Lower-case only, so "Alice" and "alice" can never be two accounts; no characters
// that need escaping in URLs, logs or Redis keys.
export const Username = Type.String({
  minLength: 3,
  maxLength: 32,
  pattern: '^[a-z0-9_.-]+$',
  description: '3–32 characters of a–z, 0–9, "_", "." and "-"',
  examples: ['alice'],
});

// 12 is the floor for passphrases; 128 bounds the work one request can ask of scrypt.
export const Password = Type.String({
  minLength: 12,
  maxLength: 128,
  description: '12–128 characters',
  examples: ['correct horse battery'],
});

export const RegisterBody = Type.Object(
  { username: Username, password: Password },
  {
    additionalProperties: false,
    description: 'A new member account',
    examples: [{ username: 'alice', password: 'correct horse battery' }],
  },
);

/**
 * Login accepts any short strings: whether a name could exist is not the client's
 * business, so a name that breaks the registration rules gets the same 401 as an
 * unknown one. The caps still bound the work (and the rate-limit key size).
 */
export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 32 }),
    password: Type.String({ minLength: 1, maxLength: 128 }),
  },
  {
    additionalProperties: false,
    description: 'A username and password to sign in with',
    examples: [{ username: 'alice', password: 'correct horse battery' }],
  },
);

/** The current password is checked like a login's, so it has a login's caps, not rules. */
export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 128 }),
    newPassword: Password,
  },
  {
    additionalProperties: false,
    description: 'The current password, and the new one (12–128 characters)',
    examples: [{ currentPassword: 'correct horse battery', newPassword: 'staple battery horse' }],
  },
);

export const UserId = Type.String({
  pattern: '^[0-9a-f]{24}$',
  description: 'A user id: 24 lowercase hex characters',
});

export const UserResponse = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{24}$' }),
    username: Username,
    role: Type.Union([Type.Literal('member'), Type.Literal('admin')]),
  },
  {
    additionalProperties: false,
    description: 'A user account as anyone may see it (never its password hash)',
    examples: [{ id: '665f1c2e9b1d4a3f8c7e6d5b', username: 'alice', role: 'member' }],
  },
);

export const LoginResponse = Type.Object(
  {
    token: Type.String({
      pattern: '^[A-Za-z0-9_-]{43}$',
      description: 'Opaque bearer token; send it as `Authorization: Bearer <token>`',
    }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  {
    additionalProperties: false,
    description: 'A new session: its bearer token and when it expires',
    examples: [
      {
        token: 'q3Vb8mZ0yW1xR4tK7nP2sD5fG9hJ6lC0aE3iO8uY1e4',
        expiresAt: '2026-12-02T09:30:00.000Z',
      },
    ],
  },
);

export type RegisterBody = Static<typeof RegisterBody>;
export type LoginBody = Static<typeof LoginBody>;
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;
