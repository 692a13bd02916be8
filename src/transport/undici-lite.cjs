'use strict';
// The command-line bundle resolves `undici` to this file (see tsup.config.ts): only the parts of
// undici the client uses, without fetch, WebSocket, EventSource, caches and mocks, which the
// package's entry point loads eagerly and which were a third of the command's start-up time.
const Agent = require('undici/lib/dispatcher/agent.js');
const EnvHttpProxyAgent = require('undici/lib/dispatcher/env-http-proxy-agent.js');
const api = require('undici/lib/api/index.js');

/** `undici.request` for the client's calls: an absolute URL and an explicit dispatcher, always. */
function request(url, opts) {
  const target = new URL(url);
  return api.request.call(opts.dispatcher, {
    ...opts,
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: opts.method || 'GET',
  });
}

module.exports = { Agent, EnvHttpProxyAgent, request };
