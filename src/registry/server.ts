import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkError, ValidationError } from '../errors.js';
import { createRegistryHandler } from './handler.js';
import { blobStores } from './internals.js';
import { resolveOptions } from './options.js';
import type { RegistryHandler, RegistryOptions, RunningRegistry } from './types.js';

/**
 * Starts an OCI distribution-spec registry on `127.0.0.1` (by default on a free port), in memory or in a
 * directory. Meant for tests and demos: no TLS, one user at most. To serve it beside routes of your own,
 * mount {@link createRegistryHandler} in your server instead.
 *
 * @example
 * const registry = await startRegistry();
 * // push to `${registry.host}/app:1.0` ...
 * await registry.close();
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  if (options === null || typeof options !== 'object') throw new ValidationError('startRegistry: options must be an object');
  const { port, host } = resolveOptions(options);
  const { port: _port, host: _host, ...handlerOptions } = options;
  const handler = await createRegistryHandler(handlerOptions);
  return listen(createServer(handler.handle), port, host, handler);
}

async function listen(server: Server, port: number, host: string, handler: RegistryHandler): Promise<RunningRegistry> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await handler.close();
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new NetworkError('start registry', `cannot listen on ${host}:${port} (${code})`, { cause: e });
  }
  const boundPort = (server.address() as AddressInfo).port;
  const hostAndPort = `${urlHost(host)}:${boundPort}`;
  let closing: Promise<void> | undefined;
  const running: RunningRegistry = {
    url: `http://${hostAndPort}`,
    host: hostAndPort,
    port: boundPort,
    faults: handler.faults,
    stats: handler.stats,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await Promise.all([closed, handler.close()]);
      })()),
  };
  const store = blobStores.get(handler);
  if (store) blobStores.set(running, store);
  return running;
}

/** The host part of URLs for a listening address: unspecified addresses are reached through loopback, IPv6 goes in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return '127.0.0.1';
  if (host.includes(':') && !host.startsWith('[')) return `[${host}]`;
  return host;
}
