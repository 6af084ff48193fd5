import { Long, ObjectId, type Db } from 'mongodb';

/**
 * Inserts `count` projects of `createdBy` straight into MongoDB (in batches of 500,
 * version 1, newest first) and returns their ids: a collection big enough that a
 * search scans for a while, built in seconds instead of thousands of POSTs.
 */
export async function seedProjects(db: Db, count: number, createdBy: string): Promise<string[]> {
  const now = Date.now();
  const docs = Array.from({ length: count }, (_, i) => {
    const name = `Site ${i} ${['Harbour', 'Depot', 'Bridge', 'School'][i % 4]}`;
    const at = new Date(now - i * 1000);
    return {
      _id: new ObjectId(),
      name,
      nameLower: name.toLowerCase(),
      budgetCents: Long.fromNumber(100000 + i),
      currency: 'EUR',
      status: 'planning',
      createdAt: at,
      updatedAt: at,
      createdBy,
      version: 1,
    };
  });
  for (let i = 0; i < docs.length; i += 500) {
    await db.collection('projects').insertMany(docs.slice(i, i + 500));
  }
  return docs.map((d) => d._id.toHexString());
}
