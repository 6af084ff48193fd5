/**
 * What other features may use of auth: signing a request in and the user it carries.
 * Anything else under app/auth/ is auth's own (tests/unit/generic-modules.test.ts).
 */
export { currentUser, requireUser, type SignedInUser } from './require-user.js';
export type { AuthService, PublicUser, Role } from './types.js';
