import { MongoClient, type Db } from 'mongodb';

export interface MongoHandle {
  client: MongoClient;
  db: Db;
}

/**
 * Connects with short server-selection and connect timeouts so that, with MongoDB
 * down, a request fails in about `timeoutMs` with a 503 instead of hanging for the
 * driver's 30 s default.
 */
export async function connectMongo(url: string, timeoutMs: number): Promise<MongoHandle> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    maxPoolSize: 20,
    // Rolling updates start a new replica while the old ones run; retrying once
    // hides a primary step-down or a dropped pooled connection from clients.
    retryReads: true,
    retryWrites: false,
  });
  await client.connect();
  return { client, db: client.db() };
}
