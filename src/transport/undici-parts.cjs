'use strict';
// The parts of undici the client uses, bundled into a file of their own (dist/undici-parts.cjs, see
// tsup.config.ts) and required by undici-lite.cjs at the first request.
module.exports = {
  Agent: require('undici/lib/dispatcher/agent.js'),
  EnvHttpProxyAgent: require('undici/lib/dispatcher/env-http-proxy-agent.js'),
  request: require('undici/lib/api/api-request.js'),
};
