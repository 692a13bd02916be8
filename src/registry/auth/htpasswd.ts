import bcrypt from 'bcryptjs';
import { createHash } from 'node:crypto';
import { ValidationError } from '../../errors.js';
import type { Accounts } from './credentials.js';

/** The bcrypt prefixes `htpasswd -B` (and other tools) write; the only hashes distribution accepts too. */
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
/** Successful checks remembered, so a client sending the same Basic header on every request costs one bcrypt run. */
const MAX_REMEMBERED = 1024;

/**
 * Parses the text of an htpasswd file of bcrypt entries (`user:$2y$…`, one a line; blank lines and
 * `#` comments are skipped) into accounts. Any other line (an MD5, SHA1 or crypt entry, a line without
 * `:`) is a {@link ValidationError} naming `what` and the line number: accepting it would lock its user out
 * without saying why.
 */
export function parseHtpasswd(text: string, what: string): Accounts {
  const hashes = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = colon > 0 ? line.slice(0, colon) : '';
    const hash = colon > 0 ? line.slice(colon + 1) : '';
    if (user === '') throw new ValidationError(`${what}: line ${i + 1}: expected user:hash`);
    if (!BCRYPT.test(hash)) throw new ValidationError(`${what}: line ${i + 1}: the entry of ${JSON.stringify(user)} is not a bcrypt hash (write it with htpasswd -B)`);
    hashes.set(user, hash);
  });
  if (hashes.size === 0) throw new ValidationError(`${what}: no user:hash entries`);
  return { verify: bcryptVerifier(hashes) };
}

function bcryptVerifier(hashes: ReadonlyMap<string, string>): (given: { username: string; password: string }) => boolean {
  const remembered = new Set<string>();
  return ({ username, password }) => {
    const hash = hashes.get(username);
    if (hash === undefined) return false;
    // Keyed by a digest of the hash and the password, never by the password itself.
    const key = createHash('sha256').update(hash).update('\0').update(password).digest('hex');
    if (remembered.has(key)) return true;
    if (!bcrypt.compareSync(password, hash)) return false;
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.add(key);
    return true;
  };
}
