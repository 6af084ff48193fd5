import { MongoClient, type Db } from 'mongodb';
import { followTopology, type MongoReachability } from './reachability.js';

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  reachability: MongoReachability;
}

/**
 * Short timeouts, so a request fails with a 503 in about `timeoutMs` instead of the
 * driver's 30 s; a MongoDB that vanished silently is found by the heartbeat within
 * `heartbeatMs + timeoutMs`.
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
