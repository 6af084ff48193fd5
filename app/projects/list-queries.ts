import { LRUCache } from 'lru-cache';
import { validator } from '../http/validate.js';
import { ListProjectsQuery, type ListProjectsInput } from './schema.js';

const parseList = validator(ListProjectsQuery, 'query');

export interface ListQueries {
  /**
   * The validated query for a raw query string, parsed by `raw` (Koa's ctx.query) the
   * first time; throws the schema's ValidationError.
   */
  parse(search: string, raw: () => object): ListProjectsInput;
  /** The query already validated for this exact string, without parsing: for the fast path. */
  known(search: string): ListProjectsInput | undefined;
}

/**
 * Validated list queries by their raw query string. Clients page through a few query
 * shapes over and over; parsing, coercing and validating `limit=20` is the same work
 * every time, so it is done once and the frozen result reused (which also lets the
 * cache hash it once). Only valid queries are kept; the bound keeps a client that
 * sends endless distinct strings from growing it.
 */
export function createListQueries(max = 512): ListQueries {
  const memo = new LRUCache<string, ListProjectsInput>({ max });
  return {
    parse(search, raw) {
      let query = memo.get(search);
      if (query === undefined) {
        query = Object.freeze(parseList({ ...raw() }));
        memo.set(search, query);
      }
      return query;
    },
    known: (search) => memo.get(search),
  };
}
