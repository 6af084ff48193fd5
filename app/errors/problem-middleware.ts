import type { Context, Middleware, Next } from 'koa';
import { MongoServerError } from 'mongodb';
import { isMongoUnavailable } from '../db/mongo-errors.js';
import type { Logger } from 'winston';
import { AppError, OverloadedError, UnavailableError } from './app-errors.js';

export const PROBLEM_TYPE_BASE = 'https://groundwork.dev/problems/';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

/**
 * The one place an error becomes a response. AppErrors show their detail; errors that
 * libraries mark as exposable (koa-body's 413/415/400) show theirs; everything else is
 * a 500 whose detail names only the request id, with the real error logged.
 */
export function problemMiddleware(logger: Logger): Middleware {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError(404, 'not-found', 'Not found', `No route for ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      const { problem, headers } = toProblem(err, ctx);
      if (problem.status >= 500) {
        logger.error('request failed', {
          requestId: ctx.state.requestId as string,
          error: describeError(err),
        });
      }
      ctx.status = problem.status;
      ctx.set(headers);
      ctx.type = 'application/problem+json';
      ctx.body = problem;
    }
  };
}

function toProblem(
  err: unknown,
  ctx: Context,
): { problem: Problem; headers: Record<string, string> } {
  const appError = asAppError(err);
  if (appError) {
    const { status, slug, title, detail, extras } = appError;
    const problem: Problem = { type: PROBLEM_TYPE_BASE + slug, title, status, detail };
    if (extras.errors?.length) problem.errors = extras.errors;
    return { problem, headers: extras.headers ?? {} };
  }
  const status = httpStatusOf(err);
  if (status !== undefined && status < 500 && (err as { expose?: boolean }).expose) {
    return {
      problem: {
        type: PROBLEM_TYPE_BASE + slugFor(status),
        title: titleFor(status),
        status,
        detail: (err as Error).message,
      },
      headers: {},
    };
  }
  return {
    problem: {
      type: PROBLEM_TYPE_BASE + 'internal-error',
      title: 'Internal server error',
      status: 500,
      detail: `Unexpected error; quote request id ${String(ctx.state.requestId)}`,
    },
    headers: {},
  };
}

// MongoDB's MaxTimeMSExpired: the query ran out of MONGO_MAX_TIME_MS.
const MAX_TIME_EXPIRED = 50;

/**
 * MongoDB unreachable, shutting down or between primaries (db/mongo-errors.ts) is a 503
 * with Retry-After, not a bug; so is a query stopped by its time limit, which is the
 * server protecting itself from that query.
 */
function asAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (isMongoUnavailable(err)) return new UnavailableError();
  if (err instanceof MongoServerError && err.code === MAX_TIME_EXPIRED) {
    return new OverloadedError('The query took too long; retry shortly or narrow it');
  }
  return undefined;
}

function httpStatusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

const TITLES: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad request'],
  413: ['payload-too-large', 'Payload too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
};

function slugFor(status: number): string {
  return TITLES[status]?.[0] ?? 'client-error';
}

function titleFor(status: number): string {
  return TITLES[status]?.[1] ?? 'Client error';
}

export function describeError(err: unknown): { name: string; message: string; stack?: string } {
  if (err instanceof Error) {
    return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  }
  return { name: 'NonError', message: String(err) };
}
