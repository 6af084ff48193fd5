/**
 * The options that give a MongoDB operation its server-side time limit
 * (MONGO_MAX_TIME_MS): past it the server stops the operation and frees what it held,
 * instead of working on for a client nginx gave up on. 0 means none, for code (tests)
 * that builds a repository without a config.
 */
export function timeLimit(maxTimeMS: number): { maxTimeMS?: number } {
  return maxTimeMS > 0 ? { maxTimeMS } : {};
}
