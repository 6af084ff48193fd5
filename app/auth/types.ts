export type Role = 'member' | 'admin';

/** A user as the API shows it, and as a request's `ctx.state.user` holds it. */
export interface PublicUser {
  id: string;
  username: string;
  role: Role;
}

export interface LoginResult {
  token: string;
  /** RFC 3339 */
  expiresAt: string;
}

/** A sign-in's session and, when DEVICE_KEY is set, the device cookie to set. */
export interface SignedIn extends LoginResult {
  deviceCookie?: string;
}

export interface AuthService {
  /** 409 ConflictError when the username is taken. */
  register(input: { username: string; password: string }): Promise<PublicUser>;
  /** 401 for unknown user and wrong password alike; 429 after repeated failures. */
  /** `deviceCookie`: what the client sent as its device cookie, if anything. */
  login(
    input: { username: string; password: string },
    ip: string,
    deviceCookie?: string,
  ): Promise<SignedIn>;
  logout(token: string): Promise<void>;
  /** The user behind a bearer token; 401 when missing, malformed, expired or logged out. */
  authenticate(token: string | undefined): Promise<PublicUser & { token: string }>;
  /**
   * 403 when the current password is wrong; ends every other session of the user, on
   * every replica at once; the session of `signedIn.token` stays.
   */
  changePassword(
    signedIn: PublicUser & { token: string },
    input: { currentPassword: string; newPassword: string },
    ip: string,
  ): Promise<void>;
  /** Ends every session of the user (404 when there is none), on every replica at once. */
  endSessions(userId: string): Promise<void>;
  /** Creates user `admin` with this password unless it exists; safe to race. */
  ensureAdmin(password: string): Promise<void>;
}
