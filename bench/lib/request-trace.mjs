/**
 * An undici dispatcher that records every request the client sends: when it was dispatched,
 * when its response headers arrived and when it ended. From those records come the request
 * count and the number of sequential round trips (the critical path).
 */
import { Agent } from 'undici';
import { nowMs } from './stats.mjs';

/**
 * Returns `{ dispatcher, records, close }`. Pass `dispatcher` as the client's `dispatcher`
 * option; `records` fills as requests run; `close()` closes the underlying pool. The pool is
 * configured like the client's own default agent, so connection reuse is unchanged.
 */
export function createTracingDispatcher() {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 32 });
  const records = [];
  const tracing = (dispatch) => (opts, handler) => {
    const record = { method: opts.method, path: String(opts.path).split('?')[0], start: nowMs(), answered: undefined, end: undefined, status: undefined };
    records.push(record);
    const finish = () => {
      record.end ??= nowMs();
      record.answered ??= record.end;
    };
    return dispatch(opts, {
      onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
      onRequestUpgrade: (controller, status, headers, socket) => handler.onRequestUpgrade?.(controller, status, headers, socket),
      onResponseStart: (controller, status, headers, message) => {
        record.answered = nowMs();
        record.status = status;
        return handler.onResponseStart?.(controller, status, headers, message);
      },
      onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
      onResponseEnd: (controller, trailers) => {
        finish();
        return handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError: (controller, error) => {
        finish();
        return handler.onResponseError?.(controller, error);
      },
    });
  };
  return { dispatcher: agent.compose(tracing), records, close: () => agent.close() };
}

/**
 * The number of sequential round trips in a set of request records: the length of the longest
 * chain of requests in which each one was dispatched only after the previous one's response
 * had begun to arrive. Requests that overlap in time are never in the same chain, so N lookups
 * run in parallel count once, and N lookups run one after the other count N times.
 */
export function sequentialRoundTrips(records) {
  const sorted = [...records].sort((a, b) => a.start - b.start);
  const depth = new Array(sorted.length).fill(1);
  let longest = 0;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) {
      if ((sorted[j].answered ?? Infinity) <= sorted[i].start && depth[j] + 1 > depth[i]) depth[i] = depth[j] + 1;
    }
    longest = Math.max(longest, depth[i]);
  }
  return longest;
}

/** Counts requests by `METHOD kind` (e.g. `GET manifests`, `HEAD blobs`) for the report. */
export function requestMix(records) {
  const mix = {};
  for (const { method, path } of records) {
    const kind = /\/(manifests|blobs\/uploads|blobs|tags)\//.exec(path)?.[1] ?? (path === '/v2/' ? 'ping' : 'other');
    const key = `${method} ${kind}`;
    mix[key] = (mix[key] ?? 0) + 1;
  }
  return mix;
}
