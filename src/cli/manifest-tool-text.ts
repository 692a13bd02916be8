import type { InspectResult } from '../index.js';
import type { InspectDetail } from './inspect-detail.js';
import { escapeValue } from './terminal-text.js';

/**
 * `inspect --format manifest-tool`: the text `manifest-tool inspect` prints (v2, without colours,
 * as it prints when its output is not a terminal), so scripts written against it keep parsing.
 * Differences are listed in docs/cli.md.
 */
export function formatManifestTool(result: InspectResult, name: string, detail: InspectDetail): string {
  return result.isList ? listText(result, name, detail) : imageText(result, name, detail);
}

const ATTESTATION_TYPE = 'vnd.docker.reference.type';
const ATTESTATION_SUBJECT = 'vnd.docker.reference.digest';

function layerLines(layers: { digest: string; mediaType: string }[], indent: string, withType: boolean): string[] {
  return layers.flatMap((layer, j) => {
    const head = `${indent}layer ${String(j + 1).padStart(2, '0')}: digest = ${escapeValue(layer.digest)}`;
    return withType ? [head, `${indent}            type = ${escapeValue(layer.mediaType)}`] : [head];
  });
}

function listText(result: InspectResult, name: string, detail: InspectDetail): string {
  const lines = [`Name:   ${escapeValue(name)} (Type: ${escapeValue(result.mediaType)})`, `Digest: ${escapeValue(result.digest)}`];
  const body: string[] = [];
  let attestations = 0;
  result.entries.forEach((entry, i) => {
    const n = `[${i + 1}]`;
    const isAttestation = entry.annotations?.[ATTESTATION_TYPE] === 'attestation-manifest';
    if (isAttestation) attestations++;
    const typeNote = isAttestation ? ` (${ATTESTATION_TYPE}=attestation-manifest)` : '';
    body.push(`${n}     Type: ${escapeValue(entry.mediaType)}${typeNote}`, `${n}   Digest: ${escapeValue(entry.digest)}`, `${n}   Length: ${entry.size}`);
    if (isAttestation) {
      body.push(`${n}       >>> Attestation for digest: ${escapeValue(entry.annotations?.[ATTESTATION_SUBJECT] ?? '')}`, '');
      return;
    }
    const platform = detail.platforms[i];
    body.push(`${n} Platform:`);
    if (platform) {
      body.push(`${n}    -      OS: ${escapeValue(platform.os)}`);
      if (platform['os.version']) body.push(`${n}    - OS Vers: ${escapeValue(platform['os.version'])}`);
      if (platform['os.features']?.length) body.push(`${n}    - OS Feat: [${platform['os.features'].map(escapeValue).join(' ')}]`);
      body.push(`${n}    -    Arch: ${escapeValue(platform.architecture)}`);
      if (platform.variant) body.push(`${n}    - Variant: ${escapeValue(platform.variant)}`);
    } else {
      body.push(`${n}    -      (no platform specified)`);
    }
    const layers = detail.layers?.[i] ?? [];
    body.push(`${n} # Layers: ${layers.length}`, ...layerLines(layers, '     ', true), '');
  });
  const images = result.entries.length - attestations;
  lines.push(
    ` * Contains ${result.entries.length} manifest references (${images} ${images > 1 ? 'images' : 'image'}, ${attestations} ${attestations > 1 ? 'attestations' : 'attestation'}):`,
    ...body,
  );
  return `${lines.join('\n')}\n`;
}

function imageText(result: InspectResult, name: string, detail: InspectDetail): string {
  const platform = detail.platforms[0];
  const layers = detail.layers?.[0] ?? [];
  const lines = [
    `Name: ${escapeValue(name)} (Type: ${escapeValue(result.mediaType)})`,
    `      Digest: ${escapeValue(result.digest)}`,
    `        Size: ${result.bytes.length}`,
    `          OS: ${escapeValue(platform?.os ?? '')}`,
    `        Arch: ${escapeValue(platform?.architecture ?? '')}`,
    `    # Layers: ${layers.length}`,
    ...layerLines(layers, '      ', false),
  ];
  return `${lines.join('\n')}\n`;
}
