import { MongoError } from 'mongodb';

/**
 * MongoDB going away, by the server's error code: the retryable codes of the drivers'
 * retryable-reads/writes specs (the list node-mongodb-native keeps as
 * RETRYABLE_READ_ERROR_CODES) plus LegacyNotPrimary. Each means "this server cannot
 * serve you now, another (or this one, soon) can": a 503 with Retry-After, never a 500.
 */
export const MONGO_UNAVAILABLE_CODES: ReadonlyMap<number, string> = new Map([
  [6, 'HostUnreachable'],
  [7, 'HostNotFound'],
  [89, 'NetworkTimeout'],
  [91, 'ShutdownInProgress'],
  [134, 'ReadConcernMajorityNotAvailableYet'],
  [189, 'PrimarySteppedDown'],
  [262, 'ExceededTimeLimit'],
  [9001, 'SocketException'],
  [10058, 'LegacyNotPrimary'],
  [10107, 'NotWritablePrimary'],
  [11600, 'InterruptedAtShutdown'],
  [11602, 'InterruptedDueToReplStateChange'],
  [13435, 'NotPrimaryNoSecondaryOk'],
  [13436, 'NotPrimaryOrSecondary'],
]);

/**
 * The codes a server answers before it runs a write (it is not, or no longer, the
 * primary): nothing was applied, so sending the write again cannot apply it twice.
 * The others (a shutdown or step-down interrupting the write) leave it unknown.
 */
const NOT_APPLIED_CODES = new Set([10058, 10107, 13435, 13436]);

/** Driver errors that mean no server answered at all. */
const CONNECTIVITY =
  /^Mongo(ServerSelection|Network|NetworkTimeout|TopologyClosed|PoolCleared)Error$/;

/** MongoDB unreachable, shutting down or without a primary: a 503, and stale-if-error. */
export function isMongoUnavailable(err: unknown): boolean {
  if (!(err instanceof MongoError)) return false;
  return (
    CONNECTIVITY.test(err.name) ||
    MONGO_UNAVAILABLE_CODES.has(Number(err.code)) ||
    err.hasErrorLabel('RetryableWriteError')
  );
}

/** A failed write MongoDB certainly did not apply, which may be sent once more. */
export function isUnappliedWrite(err: unknown): boolean {
  if (!(err instanceof MongoError)) return false;
  return NOT_APPLIED_CODES.has(Number(err.code)) || err.hasErrorLabel('NoWritesPerformed');
}

/**
 * Runs a write, and once more if MongoDB refused it without applying it (retryWrites is
 * off: see db/mongo.ts). An `idempotent` write (an insert under an id chosen
 * beforehand: a second one is a duplicate key, not a second record) is also sent again
 * after a shutdown or step-down interrupted it. A server-selection timeout is not
 * retried: it already waited MONGO_TIMEOUT_MS for a server.
 */
export async function retryWrite<T>(write: () => Promise<T>, idempotent = false): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const again =
      isUnappliedWrite(err) ||
      (idempotent && err instanceof MongoError && MONGO_UNAVAILABLE_CODES.has(Number(err.code)));
    if (!again) throw err;
    return write();
  }
}
