import { MongoServerError, ObjectId, type Db } from 'mongodb';
import { timeLimit } from '../db/time-limit.js';
import { ConflictError } from '../errors/app-errors.js';
import type { Role } from './types.js';

/** A user as the service sees it: plain data, `id` a string, never a driver document. */
export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  passwordHash: string;
  /** Sessions made under another generation are over (sessions.ts). */
  sessionEpoch: number;
  createdAt: Date;
}

interface UserDocument {
  _id: ObjectId;
  username: string;
  role: Role;
  passwordHash: string;
  /** Missing on users created before sessions had generations: read as 0. */
  sessionEpoch?: number;
  createdAt: Date;
}

const DUPLICATE_KEY = 11000;
const ID_FORMAT = /^[0-9a-f]{24}$/;

export interface UsersRepository {
  /** ConflictError when the username is taken (the unique index decides, not a read). */
  insert(user: Omit<UserRecord, 'id' | 'createdAt' | 'sessionEpoch'>): Promise<UserRecord>;
  findByUsername(username: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  /**
   * Moves the user to a new session generation (ending every session made before),
   * optionally with a new password in the same update; undefined when there is no user.
   */
  newSessionEpoch(id: string, passwordHash?: string): Promise<number | undefined>;
}

export function createUsersRepository(db: Db, maxTimeMS = 0): UsersRepository {
  const users = db.collection<UserDocument>('users');
  const timed = timeLimit(maxTimeMS);
  return {
    async insert(user) {
      const document: UserDocument = { _id: new ObjectId(), ...user, createdAt: new Date() };
      try {
        await users.insertOne(document, timed);
      } catch (err) {
        if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) {
          throw new ConflictError(`The username "${user.username}" is taken`);
        }
        throw err;
      }
      return toRecord(document);
    },

    async findByUsername(username) {
      // `username` is always a validated string here, but compare with $eq anyway so
      // that no value can ever be read as an operator.
      const found = await users.findOne({ username: { $eq: username } }, timed);
      return found ? toRecord(found) : undefined;
    },

    async findById(id) {
      if (!ID_FORMAT.test(id)) return undefined;
      const found = await users.findOne({ _id: new ObjectId(id) }, timed);
      return found ? toRecord(found) : undefined;
    },

    async newSessionEpoch(id, passwordHash) {
      if (!ID_FORMAT.test(id)) return undefined;
      const found = await users.findOneAndUpdate(
        { _id: new ObjectId(id) },
        { $inc: { sessionEpoch: 1 }, ...(passwordHash ? { $set: { passwordHash } } : {}) },
        { returnDocument: 'after', ...timed },
      );
      return found ? (found.sessionEpoch ?? 0) : undefined;
    },
  };
}

function toRecord(document: UserDocument): UserRecord {
  const { _id, username, role, passwordHash, sessionEpoch, createdAt } = document;
  return {
    id: _id.toHexString(),
    username,
    role,
    passwordHash,
    sessionEpoch: sessionEpoch ?? 0,
    createdAt,
  };
}
