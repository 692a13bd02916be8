import { createHash, sign, type KeyObject } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The key id docker/libtrust derives from a public key, which distribution's token auth looks
 * up in its trusted keys: base32 of the first 30 bytes of sha256(SPKI DER), in groups of four
 * characters joined by colons.
 */
export function libtrustKeyId(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const encoded = base32(createHash('sha256').update(spki).digest().subarray(0, 30));
  return (encoded.match(/.{4}/g) ?? []).join(':');
}

/** Base64url without padding. */
export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * Signs a JWT with ES256. JOSE wants the signature as raw r||s (IEEE P1363), not the DER
 * encoding Node produces by default.
 */
export function signEs256Jwt(header: Record<string, unknown>, claims: Record<string, unknown>, privateKey: KeyObject): string {
  const signingInput = `${base64url(JSON.stringify({ ...header, alg: 'ES256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${base64url(signature)}`;
}

/** Decodes (without verifying) the header and claims of a JWT, for assertions in tests. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = token.split('.');
  if (header === undefined || claims === undefined) throw new Error('not a JWT: expected header.claims.signature');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}
