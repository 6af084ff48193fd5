import { MongoServerError, ObjectId, type Db } from 'mongodb';
import { ConflictError } from '../errors/app-errors.js';
import type { Role } from './types.js';

/** A user as the service sees it: plain data, `id` a string, never a driver document. */
export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  passwordHash: string;
  createdAt: Date;
}

interface UserDocument {
  _id: ObjectId;
  username: string;
  role: Role;
  passwordHash: string;
  createdAt: Date;
}

const DUPLICATE_KEY = 11000;

export interface UsersRepository {
  /** ConflictError when the username is taken (the unique index decides, not a read). */
  insert(user: Omit<UserRecord, 'id' | 'createdAt'>): Promise<UserRecord>;
  findByUsername(username: string): Promise<UserRecord | undefined>;
}

export function createUsersRepository(db: Db): UsersRepository {
  const users = db.collection<UserDocument>('users');
  return {
    async insert(user) {
      const document: UserDocument = { _id: new ObjectId(), ...user, createdAt: new Date() };
      try {
        await users.insertOne(document);
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
      const found = await users.findOne({ username: { $eq: username } });
      return found ? toRecord(found) : undefined;
    },
  };
}

function toRecord({ _id, username, role, passwordHash, createdAt }: UserDocument): UserRecord {
  return { id: _id.toHexString(), username, role, passwordHash, createdAt };
}
