import { InvalidReferenceError, RegistryClient, parseReference, type CallOptions, type InspectResult, type Platform, type Reference } from '../../index.js';
import { platformFromConfig, type ImageConfig } from '../../oci/index.js';
import { booleanFlag, stringFlag, type FlagValues } from '../args.js';
import { clientOptions, readCredentials } from '../connection.js';
import { UsageError } from '../errors.js';
import { formatInspect } from '../format.js';
import { inspectJson, type InspectDetail } from '../inspect-detail.js';
import { formatManifestTool } from '../manifest-tool-text.js';
import type { CliIo } from '../io.js';

const COMMAND = 'inspect';
const FORMATS = ['mquery', 'manifest-tool'];

/** A parsed `inspect` command line. */
export interface InspectCommand {
  positionals: string[];
  flags: FlagValues;
}

/**
 * Runs `inspect REF`: mquery's summary, or with `--raw` the manifest bytes exactly as stored, or
 * with `--json` the inspect result without the bytes; resolves to the exit status.
 */
export async function runInspect(inspect: InspectCommand, io: CliIo): Promise<number> {
  const { flags } = inspect;
  const raw = booleanFlag(flags, 'raw');
  const json = booleanFlag(flags, 'json');
  const quiet = booleanFlag(flags, 'quiet');
  const format = stringFlag(flags, 'format');
  if (format !== undefined && !FORMATS.includes(format)) {
    throw new UsageError(`--format must be ${FORMATS.join(' or ')}, got ${JSON.stringify(format)}`, COMMAND);
  }
  if ([raw, json, quiet, format !== undefined].filter(Boolean).length > 1) throw new UsageError('--raw, --json, --quiet and --format cannot be combined', COMMAND);

  const name = inspect.positionals[0] ?? '';
  let ref: Reference;
  try {
    ref = parseReference(name);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new UsageError(error.message, COMMAND);
    throw error;
  }
  const credentials = await readCredentials(flags, io, COMMAND);
  if (stringFlag(flags, 'password') !== undefined && !quiet && !raw && !json && format === undefined) {
    io.stderr.write('multiplatform: warning: a password on the command line can be read by other users; prefer --password-stdin\n');
  }
  const client = new RegistryClient(
    clientOptions({ credentialsRegistry: ref.registry, credentials, registries: [ref.registry], flags, io, verbose: !quiet }),
  );
  const interrupts = io.watchInterrupts?.();
  const call = interrupts ? { signal: interrupts.signal } : undefined;
  try {
    if (raw) {
      const { bytes } = await client.getManifest(ref, call);
      io.stdout.write(bytes);
      return 0;
    }
    const result = await client.inspect(ref, call);
    if (json) {
      const detail = await inspectDetail(client, ref, result, { layers: false }, call);
      io.stdout.write(`${JSON.stringify(inspectJson(result, detail), null, 2)}\n`);
    } else if (format === 'manifest-tool') {
      io.stdout.write(formatManifestTool(result, name, await inspectDetail(client, ref, result, { layers: true }, call)));
    } else if (quiet) {
      io.stdout.write(`${result.digest}\n`);
    } else {
      const { text, hiddenAttestations } = formatInspect(result, name);
      io.stdout.write(text);
      if (hiddenAttestations > 0) {
        const what = hiddenAttestations === 1 ? 'attestation manifest' : 'attestation manifests';
        io.stderr.write(`multiplatform: note: ${hiddenAttestations} ${what} not listed (see them with --json)\n`);
      }
    }
    return 0;
  } finally {
    interrupts?.dispose();
    await client.close();
  }
}

interface ManifestDocument {
  manifests?: { platform?: Platform }[];
  config?: { digest?: string };
  layers?: { digest: string; mediaType: string }[];
}

/**
 * The platform objects (and, when asked, the layers) the summary of `client.inspect` leaves out:
 * a list's from its own bytes and each image manifest, an image's from its config.
 */
async function inspectDetail(client: RegistryClient, ref: Reference, result: InspectResult, want: { layers: boolean }, call: CallOptions | undefined): Promise<InspectDetail> {
  const document = JSON.parse(result.bytes.toString('utf8')) as ManifestDocument;
  if (!result.isList) {
    const configDigest = document.config?.digest;
    const config = configDigest ? (JSON.parse((await client.getBlobBytes(ref.atDigest(configDigest), call)).toString('utf8')) as ImageConfig) : undefined;
    return { platforms: [config ? platformOrNull(config) : null], layers: [document.layers ?? []] };
  }
  const platforms = result.entries.map((_, i) => document.manifests?.[i]?.platform ?? null);
  if (!want.layers) return { platforms };
  const layers = await Promise.all(
    result.entries.map(async (entry) => {
      if (entry.attestation) return undefined;
      const child = await client.getManifest(ref.atDigest(entry.digest), call);
      return (child.manifest as ManifestDocument).layers ?? [];
    }),
  );
  return { platforms, layers };
}

function platformOrNull(config: ImageConfig): Platform | null {
  try {
    return platformFromConfig(config);
  } catch {
    return null;
  }
}
