import { redact } from '../errors.js';
import { VERSION } from '../version.js';
import { parseCommandLine, type ParsedCommandLine } from './args.js';
import { isArtifactCommand, isIndexLifecycleCommand } from './command-table.js';
import { MultiLineError, UsageError, isInputError } from './errors.js';
import { inCliWords } from './error-words.js';
import { commandHelp, groupHelp, programHelp, usageLine } from './help.js';
import { Interrupted, type CliIo } from './io.js';
import { escapeMessage, terminalSafeIo } from './terminal-text.js';

/**
 * The CLI without the process around it: parses `argv` (without the program name), runs the
 * command and resolves to the exit status: 0 success, 1 the operation failed, 2 usage or spec-file
 * error. Results go to `io.stdout`; diagnostics and errors to `io.stderr`, as
 * `multiplatform: error: <message>`. Every string written passes through {@link terminalSafeIo},
 * so a control character from a registry is shown escaped, never obeyed. Commands load the library only when they run, so `--version`
 * and `--help` stay fast.
 */
export async function run(argv: readonly string[], rawIo: CliIo): Promise<number> {
  const interrupts = recordInterrupts(terminalSafeIo(rawIo));
  const { io } = interrupts;
  let parsed: ParsedCommandLine;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    return reportError(error, io, argv);
  }
  try {
    return await execute(parsed, io);
  } catch (error) {
    // Whatever the abort made the operation throw, the user pressed Ctrl-C: say that, as shells expect.
    const signal = interrupts.received();
    if (signal) {
      io.stderr.write('multiplatform: interrupted\n');
      return signal === 'SIGTERM' ? 143 : 130;
    }
    return reportError(error, io, argv, parsed.kind === 'run' ? inCliWords(error, { flags: parsed.flags, env: io.env }) : undefined);
  }
}

/** `io` whose interrupt watches are remembered, so that `run` can tell an interrupted command from a failed one. */
function recordInterrupts(io: CliIo): { io: CliIo; received(): 'SIGINT' | 'SIGTERM' | undefined } {
  const signals: AbortSignal[] = [];
  const watch = io.watchInterrupts;
  const wrapped: CliIo = watch
    ? {
        ...io,
        watchInterrupts: () => {
          const watching = watch.call(io);
          signals.push(watching.signal);
          return watching;
        },
      }
    : io;
  return {
    io: wrapped,
    received: () => {
      const reason: unknown = signals.find((s) => s.aborted)?.reason;
      if (reason === undefined) return undefined;
      return reason instanceof Interrupted ? reason.signal : 'SIGINT';
    },
  };
}

async function execute(parsed: ParsedCommandLine, io: CliIo): Promise<number> {
  switch (parsed.kind) {
    case 'version':
      io.stdout.write(`${VERSION}\n`);
      return 0;
    case 'help':
      if (parsed.topic === undefined) io.stdout.write(programHelp());
      else if (typeof parsed.topic === 'string') io.stdout.write(groupHelp(parsed.topic));
      else io.stdout.write(commandHelp(parsed.topic));
      return 0;
    case 'run': {
      io.beforeCommand?.(parsed.command.path);
      const [group, mode] = parsed.command.path;
      if (group === 'push' && (mode === 'from-spec' || mode === 'from-args')) {
        const { runPush } = await import('./commands/push.js');
        return runPush({ mode, positionals: parsed.positionals, flags: parsed.flags }, io);
      }
      if (group === 'inspect') {
        const { runInspect } = await import('./commands/inspect.js');
        return runInspect({ positionals: parsed.positionals, flags: parsed.flags }, io);
      }
      if (isIndexLifecycleCommand(parsed.command)) {
        const { runLifecycle } = await import('./commands/lifecycle.js');
        return runLifecycle(parsed.command.path, { positionals: parsed.positionals, flags: parsed.flags }, io);
      }
      if (group === 'registry') {
        const { runRegistry } = await import('./commands/registry.js');
        return runRegistry({ flags: parsed.flags }, io);
      }
      if (group === 'login' || group === 'logout') {
        const { runLogin, runLogout } = await import('./commands/login.js');
        return (group === 'login' ? runLogin : runLogout)({ positionals: parsed.positionals, flags: parsed.flags }, io);
      }
      if (isArtifactCommand(parsed.command)) {
        const command = { positionals: parsed.positionals, flags: parsed.flags };
        if (group === 'attach') return (await import('./commands/attach.js')).runAttach(command, io);
        return (await import('./commands/referrers.js')).runReferrers(command, io);
      }
      if (group === 'copy') {
        const { runCopy } = await import('./commands/copy.js');
        return runCopy({ positionals: parsed.positionals, flags: parsed.flags }, io);
      }
      throw new UsageError(`command ${parsed.command.path.join(' ')} is not implemented`);
    }
  }
}

/** Values that must never be printed: passwords given as flags. */
function secretsIn(argv: readonly string[]): string[] {
  const secrets: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === '--password' && argv[i + 1] !== undefined) secrets.push(argv[i + 1] as string);
    if (arg.startsWith('--password=')) secrets.push(arg.slice('--password='.length));
    if (arg === '-p' && argv[i + 1] !== undefined) secrets.push(argv[i + 1] as string);
    if (/^-p./.test(arg)) secrets.push(arg.slice(2));
  });
  return secrets.filter((s) => s.length > 0);
}

function reportError(error: unknown, io: CliIo, argv: readonly string[], worded?: string): number {
  let message = worded ?? (error instanceof Error ? error.message : String(error));
  message = redact(message);
  for (const secret of secretsIn(argv)) message = message.split(secret).join('[REDACTED]');
  // Each line of the CLI's own messages is an error of its own (a spec file's problems), except
  // indented continuation lines. Any other message may hold a registry's text: one line, escaped.
  const lines = isInputError(error) || error instanceof MultiLineError ? message.split('\n') : [escapeMessage(message)];
  for (const line of lines) io.stderr.write(/^\s/.test(line) ? `${line}\n` : `multiplatform: error: ${line}\n`);
  if (error instanceof UsageError) {
    io.stderr.write(`${usageLine(error.command)}\n`);
    io.stderr.write(`Run 'multiplatform ${error.command ? `${error.command} ` : ''}--help' for more.\n`);
  }
  return isInputError(error) ? 2 : 1;
}
