import { stringFlag } from '../args.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { escapeValue } from '../terminal-text.js';
import { platformOperands, referenceOperand, type LifecycleCommand } from './operands.js';
import { withRegistryClient } from './session.js';

/**
 * Runs `digest REF [--platform P]`: the digest REF points at (a HEAD request), or the digest of
 * the entry a runtime on P would pull (only the index is read, never the image).
 */
export async function runDigest({ positionals, flags }: LifecycleCommand, io: CliIo): Promise<number> {
  const command = 'digest';
  const ref = referenceOperand(positionals[0] ?? '', 'REF', command);
  const given = stringFlag(flags, 'platform');
  const platforms = given === undefined ? [] : platformOperands([given], command);
  if (platforms.length > 1) throw new UsageError('--platform takes one platform here: the digest printed is that of one entry', command);
  const [platform] = platforms;
  const settings = { command, flags, io, credentialsRegistry: ref.registry, registries: [ref.registry], quiet: false };
  const { digest } = await withRegistryClient(settings, (client, call) =>
    platform === undefined ? client.headManifest(ref, call) : client.resolvePlatform(ref, platform, call),
  );
  io.stdout.write(`${escapeValue(digest)}\n`);
  return 0;
}
