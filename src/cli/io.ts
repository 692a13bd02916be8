/** What the CLI reads and writes, so tests can run commands in-process. */
export interface CliIo {
  /** Results only (a digest, JSON, manifest bytes). */
  stdout: { write(chunk: string | Uint8Array): unknown };
  /** Diagnostics, progress and errors. */
  stderr: { write(chunk: string): unknown };
  /** Reads standard input to its end (for `--password-stdin`). */
  readStdin(): Promise<string>;
  /** Environment (for `DOCKER_CONFIG`, `HOME` and credential helpers). */
  env: Record<string, string | undefined>;
  /**
   * Starts turning SIGINT/SIGTERM into an abort of the running operation; `dispose` stops it.
   * Absent in tests, where nothing is interrupted.
   */
  watchInterrupts?(): { signal: AbortSignal; dispose(): void };
  /**
   * Present only when stderr is a terminal: its width now, and a writer for a progress display's
   * frames, which hold cursor movement that the terminal-safe wrapper would otherwise escape (the
   * display escapes every value it shows itself).
   */
  stderrTerminal?: { columns(): number; writeFrame(frame: string): void };
  /**
   * Called once before a command that does work is loaded (not for `--version`, `--help` or a usage
   * error), with the command's path (`['push', 'from-spec']`): the process sets up its runtime
   * there. Absent in tests.
   */
  beforeCommand?(command: readonly string[]): void;
}

/** Why an interrupt watch's signal was aborted: the process received `signal`. */
export class Interrupted extends Error {
  override name = 'Interrupted';
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`);
  }
}

/** The real process: its streams, its environment and its signals. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    ...(process.stderr.isTTY ? { stderrTerminal: { columns: () => process.stderr.columns || 80, writeFrame: (frame: string) => void process.stderr.write(frame) } } : {}),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    watchInterrupts: () => {
      const controller = new AbortController();
      let count = 0;
      const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
        count++;
        // A second interrupt means "stop now", even if cleanup hangs.
        if (count > 1) process.exit(130);
        controller.abort(new Interrupted(signal));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      return {
        signal: controller.signal,
        dispose: () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        },
      };
    },
  };
}
