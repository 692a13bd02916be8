import { NetworkError } from '../errors.js';
import { hostnameOf, isLoopbackHost } from './address.js';
import type { HttpTransport } from './http.js';
import { raceSignal } from '../util/abort.js';
import { discard } from '../util/streams.js';

/**
 * Decides how each registry host is reached. Secure registries are always HTTPS. An insecure
 * registry (loopback by default, or one the user named) is tried over HTTPS without certificate
 * checks first and over plain HTTP when TLS cannot be spoken at all, as Docker does; the answer is
 * remembered per host. A loopback registry is first asked over plain HTTP: that is what local
 * registries speak, and a failed TLS handshake (with the TLS context it builds) cost a short
 * command tens of milliseconds. Only a registry's answer to `/v2/` counts; anything else goes on
 * to the HTTPS probe, so nothing changes for a loopback registry that speaks TLS or for any other host.
 */
/** A host that does not answer the HTTPS probe within this time is tried over plain HTTP. */
const PROBE_TIMEOUT_MS = 10_000;
/** A loopback registry answers at once; one that does not is probed over HTTPS as before. */
const LOOPBACK_PLAIN_PROBE_TIMEOUT_MS = 2_000;
/**
 * What a registry answers to `GET /v2/`: its API (2xx) or its auth (401, 403). A TLS server that is
 * sent plain HTTP answers 400 ("client sent an HTTP request to an HTTPS server"), which is not this.
 */
const isRegistryAnswer = (status: number): boolean => (status >= 200 && status < 300) || status === 401 || status === 403;

export class Endpoints {
  private readonly origins = new Map<string, Promise<string>>();

  constructor(
    private readonly http: HttpTransport,
    private readonly isInsecure: (host: string) => boolean,
    private readonly isLoopback: (host: string) => boolean = (host) => isLoopbackHost(hostnameOf(host)),
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
    if (this.isLoopback(apiHost) && (await this.answersPlainHttp(apiHost))) return `http://${apiHost}`;
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

  private async answersPlainHttp(apiHost: string): Promise<boolean> {
    try {
      // Over the socket exchange (rawBody), whose kept connection then carries the first blob: a pull from a local
      // registry sends nothing through undici, so its HTTP parser is never compiled (V8 optimises llhttp's
      // WebAssembly in the background at the first response it parses: ≈ 25 MB of peak memory and 0.3–0.9 s of CPU).
      const res = await this.http.send({ method: 'GET', url: `http://${apiHost}/v2/`, operation: `probe ${apiHost}`, followRedirects: false, rawBody: true, signal: AbortSignal.timeout(LOOPBACK_PLAIN_PROBE_TIMEOUT_MS) });
      await discard(res.body);
      return isRegistryAnswer(res.status);
    } catch {
      return false;
    }
  }
}

function isConnectionLevelFailure(code: string | undefined): boolean {
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT';
}
