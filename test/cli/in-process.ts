import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/run.js';

/** What one in-process run of the CLI wrote, and its exit status. */
export interface CliRun {
  code: number;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

/** Runs the CLI in-process with `env` as its environment and captures what it writes. */
export async function runCli(argv: string[], options: { stdin?: string; env: Record<string, string | undefined> }): Promise<CliRun> {
  const out: Buffer[] = [];
  let err = '';
  const io: CliIo = {
    stdout: { write: (chunk) => out.push(Buffer.from(chunk)) },
    stderr: {
      write: (chunk) => {
        err += chunk;
      },
    },
    readStdin: async () => options.stdin ?? '',
    env: options.env,
  };
  const code = await run(argv, io);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stdoutBytes: Buffer.concat(out), stderr: err };
}
