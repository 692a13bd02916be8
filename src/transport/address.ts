/**
 * `node:net`'s `isIP`, with the module loaded at the first call rather than at import: `node:net`
 * (and `node:diagnostics_channel` with it) would otherwise be loaded by every import of the package,
 * though only a request needs it.
 */
const isIP = (host: string): number => process.getBuiltinModule('node:net').isIP(host);

/** True for `localhost`, 127.0.0.0/8 and ::1 — the hosts Docker treats as insecure registries by default. */
export function isLoopbackHost(hostname: string): boolean {
  const host = stripBrackets(hostname).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(host);
  return false;
}

/**
 * True for addresses a public registry should never send a client to: loopback,
 * link-local (cloud metadata at 169.254.169.254), private and unique-local ranges.
 * Only IP literals and `localhost` are recognised; names are not resolved.
 */
export function isInternalHost(hostname: string): boolean {
  const host = stripBrackets(hostname).toLowerCase();
  if (isLoopbackHost(host)) return true;
  if (isIP(host) === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return a === 10 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (isIP(host) === 6) {
    return host.startsWith('fe8') || host.startsWith('fe9') || host.startsWith('fea') || host.startsWith('feb') || host.startsWith('fc') || host.startsWith('fd') || host === '::';
  }
  return false;
}

/** Hostname of a `host[:port]` string (IPv6 literals keep their brackets off). */
export function hostnameOf(hostPort: string): string {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    return end > 0 ? hostPort.slice(1, end) : hostPort;
  }
  const colon = hostPort.lastIndexOf(':');
  return colon > 0 ? hostPort.slice(0, colon) : hostPort;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
