import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The committed bundle, as `action.yml` names it. */
export const ACTION_ENTRY = resolve(import.meta.dirname, '../../action/dist/index.cjs');

/** One run of the action: its exit status, what it printed, and the outputs it set. */
export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The `GITHUB_OUTPUT` file as written. */
  outputFile: string;
  outputs: Record<string, string>;
}

/**
 * The outputs of a `GITHUB_OUTPUT` file: `name=value` lines, or the runner's multi-line form
 * `name<<DELIMITER` … `DELIMITER`, which `@actions/core` writes for every value.
 */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const end = lines.indexOf(delimiter, i + 1);
      if (end < 0) throw new Error(`GITHUB_OUTPUT: ${name} is not closed by ${delimiter}`);
      outputs[name] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/**
 * Runs the bundled action as the runner does: `node action/dist/index.cjs` with each input as
 * `INPUT_<NAME>` (upper-cased, spaces to `_`, dashes kept), `GITHUB_OUTPUT` naming an empty file,
 * and a private HOME (no Docker config unless `env` names one).
 */
export async function runAction(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), 'mp-action-'));
  try {
    const outputPath = join(dir, 'github-output');
    await writeFile(outputPath, '');
    const inputEnv = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value]));
    const childEnv = { HOME: dir, GITHUB_OUTPUT: outputPath, ...inputEnv, ...env };
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, [ACTION_ENTRY], { env: childEnv, timeout: 90_000 }, (error, out, err) => {
        const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code: status, stdout: out, stderr: err });
      });
    });
    const outputFile = await readFile(outputPath, 'utf8');
    return { code, stdout, stderr, outputFile, outputs: parseOutputFile(outputFile) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
