'use strict';
// Every build resolves `undici` to this file (see tsup.config.ts): only the parts of undici the
// client uses, without fetch, WebSocket, EventSource, caches and mocks, which the package's entry
// point loads eagerly and which were a third of the command's start-up time. Those parts are a
// file of their own (undici-parts.cjs, half of the bundle), required at the first use of any of
// them, not at import: importing the package then reads, compiles and evaluates none of undici,
// and loads none of the network built-ins it needs, which a program that never sends a request
// (composing or inspecting documents) does not pay for.

let parts;
const undici = () => (parts ??= require('./undici-parts.cjs'));

/** `undici.request` for the client's calls: an absolute URL and an explicit dispatcher, always. */
function request(url, opts) {
  const target = url instanceof URL ? url : new URL(url);
  return undici().request.call(opts.dispatcher, {
    ...opts,
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: opts.method || 'GET',
  });
}

module.exports = {
  get Agent() {
    return undici().Agent;
  },
  get EnvHttpProxyAgent() {
    return undici().EnvHttpProxyAgent;
  },
  request,
};
