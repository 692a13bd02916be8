import { NetworkError } from '../errors.js';
import type { HttpTransport } from './http.js';

/**
 * Decides how each registry host is reached. Secure registries are always HTTPS. An insecure
 * registry (loopback by default, or one the user named) is tried over HTTPS without certificate
 * checks first and over plain HTTP when TLS cannot be spoken at all, as Docker does; the answer is
 * remembered per host.
 */
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
      known = this.probe(apiHost, signal);
      this.origins.set(apiHost, known);
      // An unreachable host is probed again next time instead of being remembered as plain HTTP.
      known.catch(() => this.origins.delete(apiHost));
    }
    return known;
  }

  /** Forgets what was learnt about a host (after it went away, for instance). */
  forget(apiHost: string): void {
    this.origins.delete(apiHost);
  }

  private async probe(apiHost: string, signal?: AbortSignal): Promise<string> {
    const https = `https://${apiHost}`;
    try {
      const res = await this.http.send({ method: 'GET', url: `${https}/v2/`, operation: `probe ${apiHost}`, signal, followRedirects: false });
      await res.body.dump().catch(() => undefined);
      return https;
    } catch (error) {
      if (signal?.aborted) throw error;
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
