import { redact } from '../errors.js';
import { VERSION } from '../version.js';
import { parseCommandLine, type ParsedCommandLine } from './args.js';
import { isIndexLifecycleCommand } from './command-table.js';
import { MultiLineError, UsageError, isInputError } from './errors.js';
import { commandHelp, groupHelp, programHelp, usageLine } from './help.js';
import type { CliIo } from './io.js';
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
  const io = terminalSafeIo(rawIo);
  let parsed: ParsedCommandLine;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    return reportError(error, io, argv);
  }
  try {
    return await execute(parsed, io);
  } catch (error) {
    return reportError(error, io, argv);
  }
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

function reportError(error: unknown, io: CliIo, argv: readonly string[]): number {
  let message = error instanceof Error ? error.message : String(error);
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
