import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { dispatchRaw } from '../../src/transport/raw-body.js';

/**
 * A dispatcher that takes the request and never starts it: what a caller's dispatcher looks like
 * while its connection is still being made. A fault no real registry can be made to produce on
 * demand, so the dispatcher is a stand-in.
 */
function neverConnecting(): { dispatcher: Dispatcher; handlers: Dispatcher.DispatchHandler[] } {
  const handlers: Dispatcher.DispatchHandler[] = [];
  const dispatcher = {
    dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
      handlers.push(handler);
      return true;
    },
  } as unknown as Dispatcher;
  return { dispatcher, handlers };
}

describe('dispatchRaw', () => {
  it('answers an abort that comes before the request started, and aborts the request when it starts', async () => {
    const { dispatcher, handlers } = neverConnecting();
    const controller = new AbortController();
    const answer = dispatchRaw(dispatcher, { url: new URL('http://127.0.0.1:9/v2/'), method: 'GET', headers: {}, signal: controller.signal, headersTimeout: 1000, bodyTimeout: 1000 });
    const reason = new Error('probe timed out');
    controller.abort(reason);
    await expect(answer).rejects.toBe(reason);
    let aborted: unknown;
    handlers[0]?.onRequestStart?.({ abort: (why: unknown) => (aborted = why) } as unknown as Dispatcher.DispatchController, {});
    expect(aborted).toBe(reason);
  });
});
