import { randomUUID } from 'node:crypto';
import { ObjectId, type Db } from 'mongodb';
import { timeLimit } from '../db/time-limit.js';
import type { Project } from './schema.js';

/**
 * Records live in MongoDB beside the projects, not in Redis, whose LRU may evict them
 * early. `_id` is "<userId>:<key>": its unique index makes the first claim win across
 * replicas, and it is the one index FerretDB's SQLite backend uses.
 */
export const IDEMPOTENCY_COLLECTION = 'idempotency_keys';

/** How long a key is remembered after its first use: the "kept ≥ 24 h" promise. */
export const RETENTION_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyScope {
  userId: string;
  key: string;
  /** SHA-256 of the request body: a retry must send the same one. */
  fingerprint: string;
}

/**
 * One claimed key. `projectId` is chosen when the key is claimed, so every attempt to
 * finish the create (the claimant or whoever takes over after it died) inserts the
 * same id: the projects collection's own _id index turns a second insert into a
 * duplicate-key error instead of a second project.
 */
export interface IdempotencyRecord extends IdempotencyScope {
  id: string;
  projectId: string;
  state: 'pending' | 'done';
  /** Random token of the attempt that holds the lease; compare-and-set target. */
  owner: string;
  leaseUntil: Date;
  expiresAt: Date;
  /** The 201 body, kept so that a retry gets the original answer. */
  project?: Project;
}

interface IdempotencyDoc extends Omit<IdempotencyRecord, 'id' | 'projectId'> {
  _id: string;
  projectId: ObjectId;
  createdAt: Date;
}

const DUPLICATE_KEY = 11000;

/** MongoDB access for idempotency records; plain objects in and out. */
export function createIdempotencyStore(db: Db, maxTimeMS = 0) {
  const collection = db.collection<IdempotencyDoc>(IDEMPOTENCY_COLLECTION);
  const timed = timeLimit(maxTimeMS);

  return {
    /** Claims the key for a new attempt, or returns undefined when it is taken. */
    async claim(scope: IdempotencyScope, leaseMs: number): Promise<IdempotencyRecord | undefined> {
      const now = Date.now();
      const doc: IdempotencyDoc = {
        _id: idOf(scope),
        userId: scope.userId,
        key: scope.key,
        fingerprint: scope.fingerprint,
        projectId: new ObjectId(),
        state: 'pending',
        owner: randomUUID(),
        leaseUntil: new Date(now + leaseMs),
        createdAt: new Date(now),
        expiresAt: new Date(now + RETENTION_MS),
      };
      try {
        await collection.insertOne(doc, timed);
        return toRecord(doc);
      } catch (err) {
        if (isDuplicateKey(err)) return undefined;
        throw err;
      }
    },

    async find(
      scope: Omit<IdempotencyScope, 'fingerprint'>,
    ): Promise<IdempotencyRecord | undefined> {
      const doc = await collection.findOne({ _id: idOf(scope) }, timed);
      return doc ? toRecord(doc) : undefined;
    },

    /**
     * Takes a pending record whose lease ran out (its claimant died or gave up). The
     * filter names the owner that was seen, so of several replicas trying at once
     * exactly one wins.
     */
    async takeOver(
      record: IdempotencyRecord,
      leaseMs: number,
    ): Promise<IdempotencyRecord | undefined> {
      const now = Date.now();
      const doc = await collection.findOneAndUpdate(
        {
          _id: record.id,
          state: 'pending',
          owner: record.owner,
          leaseUntil: { $lte: new Date(now) },
        },
        { $set: { owner: randomUUID(), leaseUntil: new Date(now + leaseMs) } },
        { returnDocument: 'after', ...timed },
      );
      return doc ? toRecord(doc) : undefined;
    },

    /** Records the answer; one update, so a record is never seen half-finished. */
    async complete(record: IdempotencyRecord, project: Project): Promise<void> {
      await collection.updateOne(
        { _id: record.id, state: 'pending' },
        { $set: { state: 'done', project } },
        timed,
      );
    },

    /** Ends our lease early after a failure, so that a retry need not wait it out. */
    async release(record: IdempotencyRecord): Promise<void> {
      await collection.updateOne(
        { _id: record.id, state: 'pending', owner: record.owner },
        { $set: { leaseUntil: new Date(0) } },
        timed,
      );
    },

    /** Deletes one record past its retention, unless it was replaced meanwhile. */
    async forget(record: IdempotencyRecord): Promise<void> {
      await collection.deleteOne({ _id: record.id, expiresAt: record.expiresAt }, timed);
    },

    /** Deletes every record past its retention (FerretDB 1.24 has no TTL index). */
    async sweep(): Promise<number> {
      const { deletedCount } = await collection.deleteMany(
        { expiresAt: { $lte: new Date() } },
        timed,
      );
      return deletedCount;
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;

function idOf(scope: Omit<IdempotencyScope, 'fingerprint'>): string {
  return `${scope.userId}:${scope.key}`;
}

export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;
}

function toRecord(doc: IdempotencyDoc): IdempotencyRecord {
  return {
    id: doc._id,
    userId: doc.userId,
    key: doc.key,
    fingerprint: doc.fingerprint,
    projectId: doc.projectId.toHexString(),
    state: doc.state,
    owner: doc.owner,
    leaseUntil: doc.leaseUntil,
    expiresAt: doc.expiresAt,
    ...(doc.project ? { project: doc.project } : {}),
  };
}
