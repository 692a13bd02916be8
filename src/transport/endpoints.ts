import { NetworkError } from '../errors.js';
import type { HttpTransport } from './http.js';
import { raceSignal } from '../util/abort.js';
import { discard } from '../util/streams.js';

/**
 * Decides how each registry host is reached. Secure registries are always HTTPS. An insecure
 * registry (loopback by default, or one the user named) is tried over HTTPS without certificate
 * checks first and over plain HTTP when TLS cannot be spoken at all, as Docker does; the answer is
 * remembered per host.
 */
/** A host that does not answer the HTTPS probe within this time is tried over plain HTTP. */
const PROBE_TIMEOUT_MS = 10_000;

export class Endpoints {
  private readonly origins = new Map<string, Promise<string>>();

  constructor(
    private readonly http: HttpTransport,
    private readonly isInsecure: (host: string) => boolean,
  ) {}

  origin(apiHost: string, signal?: AbortSignal): Promise<string> {
    if (!this.isInsecure(apiHost)) return Promise.resolve(`https://${apiHost}`);
    let known = this.origins.get(apiHost);
    if (!known) {
      // Shared by every request to this host until it settles, so it runs without any one caller's signal.
      known = this.probe(apiHost);
      this.origins.set(apiHost, known);
      // An unreachable host is probed again next time instead of being remembered as plain HTTP.
      known.catch(() => this.origins.delete(apiHost));
    }
    return raceSignal(known, signal, `probe ${apiHost}`);
  }

  private async probe(apiHost: string): Promise<string> {
    const https = `https://${apiHost}`;
    try {
      const res = await this.http.send({ method: 'GET', url: `${https}/v2/`, operation: `probe ${apiHost}`, followRedirects: false, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await discard(res.body);
      return https;
    } catch (error) {
      if (error instanceof NetworkError && isConnectionLevelFailure(error.code)) {
        // Nothing listens there at all: the plain-HTTP request will report it; don't remember a scheme.
        queueMicrotask(() => this.origins.delete(apiHost));
      }
      return `http://${apiHost}`;
    }
  }
}

function isConnectionLevelFailure(code: string | undefined): boolean {
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT';
}
