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
  { additionalProperties: false },
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
  { additionalProperties: false },
);

/** The current password is checked like a login's, so it has a login's caps, not rules. */
export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 128 }),
    newPassword: Password,
  },
  { additionalProperties: false },
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
  { additionalProperties: false },
);

export const LoginResponse = Type.Object(
  {
    token: Type.String({
      pattern: '^[A-Za-z0-9_-]{43}$',
      description: 'Opaque bearer token; send it as `Authorization: Bearer <token>`',
    }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export type RegisterBody = Static<typeof RegisterBody>;
export type LoginBody = Static<typeof LoginBody>;
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;
