import { MongoClient, type Db } from 'mongodb';
import { followTopology, type MongoReachability } from './reachability.js';

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  reachability: MongoReachability;
}

/**
 * Connects with short server-selection and connect timeouts so that, with MongoDB
 * down, a request fails in about `timeoutMs` with a 503 instead of hanging for the
 * driver's 30 s default.
 *
 * A server that vanishes without closing its sockets (its node lost power or network)
 * is found by the heartbeat: one that gets no answer within `timeoutMs` marks the
 * server unknown and fails the operations waiting on its connections, which would
 * otherwise wait for good (there is no socket timeout). So a dead MongoDB is noticed
 * within `heartbeatMs + timeoutMs`; the driver's 10 s default made that 12 s.
 */
export async function connectMongo(
  url: string,
  timeoutMs: number,
  heartbeatMs: number,
): Promise<MongoHandle> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    heartbeatFrequencyMS: heartbeatMs,
    maxPoolSize: 20,
    // Rolling updates start a new replica while the old ones run; retrying once
    // hides a primary step-down or a dropped pooled connection from clients.
    retryReads: true,
    // The driver retries writes only on a replica set (they need a transaction number)
    // and the stack runs a standalone mongod: the repository retries the writes it can
    // safely send twice itself (db/mongo-errors.ts, retryWrite).
    retryWrites: false,
  });
  // Following the topology from before the first connection sees every change.
  const reachability = followTopology(client);
  await client.connect();
  return { client, db: client.db(), reachability };
}
