import type { Descriptor } from '../../index.js';
import { booleanFlag } from '../args.js';
import type { CliIo } from '../io.js';
import { escapeValue } from '../terminal-text.js';
import { mediaTypeFlag } from './attach.js';
import { referenceOperand, type LifecycleCommand } from './operands.js';
import { withRegistryClient } from './session.js';

const COMMAND = 'referrers';

/** Annotations worth a column: when the referrer was made, and what it holds. */
const SHOWN_ANNOTATIONS = ['org.opencontainers.image.created', 'org.opencontainers.image.title', 'org.opencontainers.image.description'];

/**
 * The referrers as a table, one a line: digest, artifact type, size and the annotations of
 * interest (`key=value`, comma-separated). Every value is escaped: it comes from the registry.
 */
export function formatReferrers(referrers: readonly Descriptor[]): string {
  if (referrers.length === 0) return '';
  const rows = referrers.map((d) => [
    escapeValue(d.digest),
    escapeValue(d.artifactType ?? '-'),
    String(d.size),
    SHOWN_ANNOTATIONS.filter((key) => d.annotations?.[key] !== undefined)
      .map((key) => `${escapeValue(key.replace('org.opencontainers.image.', ''))}=${escapeValue(d.annotations?.[key] ?? '')}`)
      .join(', '),
  ]);
  const table = [['DIGEST', 'ARTIFACT TYPE', 'SIZE', 'ANNOTATIONS'], ...rows];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return table.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd() + '\n').join('');
}

/** Runs `referrers REF [--artifact-type T] [--json]`: the manifests whose `subject` is REF. */
export async function runReferrers({ positionals, flags }: LifecycleCommand, io: CliIo): Promise<number> {
  const ref = referenceOperand(positionals[0] ?? '', 'REF', COMMAND);
  const artifactType = mediaTypeFlag(flags, 'artifact-type', COMMAND);
  const json = booleanFlag(flags, 'json');
  const settings = { command: COMMAND, flags, io, credentialsRegistry: ref.registry, registries: [ref.registry], quiet: json };
  const referrers = await withRegistryClient(settings, (client, call) => client.listReferrers(ref, { ...call, ...(artifactType ? { artifactType } : {}) }));
  if (json) {
    io.stdout.write(`${JSON.stringify(referrers, null, 2)}\n`);
    return 0;
  }
  if (referrers.length === 0) io.stderr.write(`multiplatform: nothing refers to ${escapeValue(ref.familiar())}${artifactType ? ` with artifact type ${escapeValue(artifactType)}` : ''}\n`);
  io.stdout.write(formatReferrers(referrers));
  return 0;
}
