/** Referrers rules that need no registry (distribution-spec "Referrers Tag Schema"). */
import type { Digest } from './digest.js';

/**
 * The tag under which referrers are listed where the registry has no referrers API: the digest's
 * algorithm (at most 32 characters), `-`, and its encoded part (at most 64 characters), with any
 * character a tag cannot hold replaced by `-` (so `sha256:ab…` becomes `sha256-ab…`).
 */
export function referrersTag(subject: Digest): string {
  const separator = subject.indexOf(':');
  const algorithm = subject.slice(0, separator).slice(0, 32);
  const encoded = subject.slice(separator + 1).slice(0, 64);
  return `${algorithm}-${encoded}`.replace(/[^A-Za-z0-9._-]/g, '-');
}
