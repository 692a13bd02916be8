/** Which token realms may receive a user's credentials (src/transport/realms.ts). */
import { describe, expect, it } from 'vitest';
import { realmMayReceiveCredentials } from '../../src/transport/realms.js';

const hub = { registry: 'docker.io', origin: 'https://registry-1.docker.io' };
const ghcr = { registry: 'ghcr.io', origin: 'https://ghcr.io' };

describe('realmMayReceiveCredentials', () => {
  it("trusts a realm on the registry's own host, as configured or as it answered", () => {
    expect(realmMayReceiveCredentials(ghcr, 'https://ghcr.io/token')).toBe(true);
    expect(realmMayReceiveCredentials({ registry: 'localhost:5000', origin: 'http://127.0.0.1:5000' }, 'http://localhost:9000/token')).toBe(true);
    expect(realmMayReceiveCredentials({ registry: 'localhost:5000', origin: 'http://127.0.0.1:5000' }, 'http://127.0.0.1:9000/token')).toBe(true);
  });

  it("trusts Docker Hub's token server for Docker Hub only, under any of its names", () => {
    expect(realmMayReceiveCredentials(hub, 'https://auth.docker.io/token')).toBe(true);
    expect(realmMayReceiveCredentials({ registry: 'index.docker.io', origin: 'https://index.docker.io' }, 'https://auth.docker.io/token')).toBe(true);
    expect(realmMayReceiveCredentials(ghcr, 'https://auth.docker.io/token')).toBe(false);
  });

  it('refuses any other host, even one sharing a parent domain, unless the user trusts it', () => {
    expect(realmMayReceiveCredentials({ registry: 'a.github.io', origin: 'https://a.github.io' }, 'https://b.github.io/token')).toBe(false);
    expect(realmMayReceiveCredentials(ghcr, 'https://tokens.example.com/token')).toBe(false);
    expect(realmMayReceiveCredentials(ghcr, 'https://tokens.example.com/token', new Set(['tokens.example.com']))).toBe(true);
    expect(realmMayReceiveCredentials(ghcr, 'https://tokens.example.com:8443/token', new Set(['tokens.example.com:8443']))).toBe(true);
  });
});
