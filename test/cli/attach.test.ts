/**
 * `attach` and `referrers` in-process against the embedded registry: usage errors (exit status 2,
 * nothing sent to the registry), help, what an empty listing prints, and that a registry's values
 * are shown escaped in the table. The full round trips, on distribution too, are in
 * test/integration/artifacts.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/index.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { formatReferrers } from '../../src/cli/commands/referrers.js';
import { runCli } from './in-process.js';

let home: string;
let registry: RunningRegistry;
let subject: string;
let file: string;
const cli = (...argv: string[]) => runCli(argv, { env: { HOME: home, PATH: process.env.PATH } });

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mp-cli-attach-'));
  registry = await startRegistry();
  const client = new RegistryClient({ dockerConfig: false });
  subject = `${registry.host}/attach-${randomBytes(4).toString('hex')}:v1`;
  await pushImage(client, subject, randomImage({ platform: 'linux/amd64', seed: 'cli-attach' }));
  await client.close();
  file = join(home, 'sbom.json');
  await writeFile(file, '{}');
});

afterAll(async () => {
  await registry.close();
  await rm(home, { recursive: true, force: true });
});

describe('attach: usage errors are found before any request', () => {
  it.each([
    [['attach', '<SUBJECT>', '<FILE>'], 'attach needs --artifact-type'],
    [['attach', '<SUBJECT>', '--artifact-type', 'not a type', '<FILE>'], '--artifact-type must be a media type'],
    [['attach', '<SUBJECT>', '--artifact-type', 'application/spdx+json', '--file-type', 'json', '<FILE>'], '--file-type must be a media type'],
    [['attach', '<SUBJECT>', '--artifact-type', 'application/spdx+json'], 'attach needs a FILE or an --annotation'],
    [['attach', '<SUBJECT>', '--artifact-type', 'application/spdx+json', '--annotation', 'novalue', '<FILE>'], '--annotation needs KEY=VALUE, got "novalue"'],
    [['attach', '<SUBJECT>', '--artifact-type', 'application/spdx+json', '--annotation', 'a=1', '--annotation', 'a=2', '<FILE>'], '--annotation a is given twice'],
    [['attach', '<SUBJECT>', '--artifact-type', 'application/spdx+json', '/nonexistent/sbom.json'], 'FILE /nonexistent/sbom.json: no such file'],
    [['attach', '<SUBJECT>', '--artifact-type', 'application/spdx+json', '<HOME>'], 'is not a regular file'],
    [['attach', 'UPPER/Case:v1', '--artifact-type', 'application/spdx+json', '<FILE>'], 'REF:'],
    [['referrers', '<SUBJECT>', '--artifact-type', 'nope'], '--artifact-type must be a media type'],
  ])('%j', async (argv, message) => {
    const before = registry.stats.requests;
    const args = argv.map((a) => a.replace('<SUBJECT>', subject).replace('<FILE>', file).replace('<HOME>', home));

    const run = await cli(...args);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain(`Run 'multiplatform ${args[0]} --help' for more.`);
    expect(run.stdout).toBe('');
    expect(registry.stats.requests).toBe(before);
  });
});

describe('help', () => {
  it('attach --help shows the usage, the flags and examples', async () => {
    const run = await cli('attach', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('attach REF --artifact-type TYPE');
    for (const flag of ['--artifact-type', '--annotation', '--file-type', '--json', '--password-stdin']) expect(run.stdout).toContain(flag);
  });

  it('the program help lists attach and referrers', async () => {
    const run = await cli('--help');
    expect(run.stdout).toMatch(/attach\s/);
    expect(run.stdout).toMatch(/referrers\s/);
  });
});

describe('referrers', () => {
  it('prints nothing on stdout and says so on stderr when nothing refers to REF', async () => {
    const run = await cli('referrers', subject);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toContain(`nothing refers to ${subject}`);
    expect(await cli('referrers', subject, '--json')).toMatchObject({ code: 0, stdout: '[]\n', stderr: '' });
  });

  it('an attached annotation-only artifact is listed with its type', async () => {
    const attached = await cli('attach', subject, '--artifact-type', 'application/vnd.example.approval.v1', '--annotation', 'org.opencontainers.image.description=approved by QA');
    expect(attached.code).toBe(0);
    const run = await cli('referrers', subject);
    expect(run.stdout.split('\n')[1]).toMatch(new RegExp(`^${attached.stdout.trim()}\\s+application/vnd\\.example\\.approval\\.v1\\s+\\d+\\s+description=approved by QA$`));
  });

  it('shows values from the registry escaped in the table', () => {
    const table = formatReferrers([
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 10, artifactType: 'x/y\u001b[2J', annotations: { 'org.opencontainers.image.title': 'a\r\nb' } },
    ]);
    expect(table).not.toMatch(/[\u001b\r]/);
    expect(table).toContain('x/y\\u001b[2J');
    expect(table).toContain('title=a\\r\\nb');
  });
});
