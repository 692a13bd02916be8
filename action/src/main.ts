/**
 * The GitHub Action's entry: reads the inputs, merges the sources into one multi-platform index
 * with `RegistryClient.createManifestList`, and sets the `digest` and `metadata` outputs. A failure
 * is one `::error::` annotation and exit status 1.
 */
import * as core from '@actions/core';
import { RegistryClient, formatPlatform, isAuthError, isValidationError, type CreateManifestListResult } from '../../src/index.js';
import { credentialsOf, mergeOptions, metadataOf, type RawInputs } from './inputs.js';

/** `getBooleanInput`, with a missing input read as false (the runner always passes the default; a bare `node` run may not). */
function booleanInput(name: string): boolean {
  return core.getInput(name) === '' ? false : core.getBooleanInput(name);
}

function readInputs(): RawInputs {
  // Masked first, before anything else can print it.
  const password = core.getInput('password');
  if (password !== '') core.setSecret(password);
  return {
    tags: core.getInput('tags'),
    sources: core.getInput('sources'),
    platforms: core.getInput('platforms'),
    annotations: core.getMultilineInput('annotations'),
    registry: core.getInput('registry'),
    username: core.getInput('username'),
    password,
    append: booleanInput('append'),
    dryRun: booleanInput('dry-run'),
  };
}

function describe(result: CreateManifestListResult): void {
  for (const child of result.children) {
    const platform = child.platform ? formatPlatform(child.platform) : 'unknown platform';
    core.info(`${child.attestation ? 'attestation' : platform.padEnd(14)} ${child.digest}`);
  }
  for (const planned of result.plan) {
    if (planned.action !== 'present') core.info(`${planned.image}: ${planned.action} ${planned.blobs.length} blob(s)`);
  }
}

async function run(inputs: RawInputs): Promise<void> {
  const options = mergeOptions(inputs);
  const credentials = credentialsOf(inputs, options.tags[0] as string);
  const client = new RegistryClient({
    ...(credentials ? { credentials } : {}),
    onRetry: ({ error, attempt }) => core.info(`${error.message}; retrying (attempt ${attempt + 1})`),
    onWarning: (warning, operation) => core.warning(`the registry warned (${operation}): ${warning}`),
  });
  try {
    const verb = options.dryRun ? 'Planning (dry run)' : 'Merging';
    const result = await core.group(`${verb} ${options.sources.length} source(s) into ${options.tags.join(', ')}`, async () => {
      const merged = await client.createManifestList(options);
      describe(merged);
      return merged;
    });
    core.info(result.dryRun ? `Dry run: nothing written; the index would be ${result.digest}` : `Pushed ${result.digest} to ${result.tags.join(', ')}`);
    core.setOutput('digest', result.digest);
    core.setOutput('metadata', JSON.stringify(metadataOf(result), null, 2));
  } finally {
    await client.close();
  }
}

/** What the user can do about refused credentials, in the words of the inputs. */
const AUTH_HINTS: Partial<Record<string, string>> = {
  options: 'check the "username" and "password" inputs (and "registry", if set)',
  anonymous: 'give the "username" and "password" inputs, or log in first with docker/login-action',
  'docker-config': 'the credentials came from the Docker config; check the login step, or give "username" and "password"',
};

/** The error's message, with a hint where the inputs are the likely cause. */
function messageOf(error: unknown, password: string): string {
  let message = error instanceof Error ? error.message : String(error);
  if (isValidationError(error) && message.startsWith('annotation')) message = `input "annotations": ${message}`;
  const hint = isAuthError(error) ? AUTH_HINTS[error.source] : undefined;
  if (hint) message = `${message} (${hint})`;
  return password === '' ? message : message.split(password).join('***');
}

async function main(): Promise<void> {
  let password = '';
  try {
    const inputs = readInputs();
    password = inputs.password;
    await run(inputs);
  } catch (error) {
    core.setFailed(messageOf(error, password));
  }
}

void main();
