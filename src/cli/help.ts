import { COMMANDS, GROUPS, type CommandSpec, type FlagSpec } from './command-table.js';

const PROGRAM = 'multiplatform';

/** `usage: multiplatform …` for a command, or for the program when `command` is empty. */
export function usageLine(command: string): string {
  const spec = COMMANDS.find((c) => c.path.join(' ') === command);
  if (spec) return `usage: ${PROGRAM} ${spec.usage}`;
  const group = GROUPS[command];
  if (group) return `usage: ${PROGRAM} ${command} ${group.join('|')} [flags]`;
  return `usage: ${PROGRAM} <command> [flags]   (commands: ${[...new Set(COMMANDS.map((c) => c.path[0]))].join(', ')})`;
}

function flagColumn(flag: FlagSpec): string {
  const short = flag.short ? `-${flag.short}, ` : '    ';
  return `${short}--${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
}

function flagLines(flags: readonly FlagSpec[]): string[] {
  const width = Math.max(...flags.map((f) => flagColumn(f).length)) + 2;
  return flags.map((f) => `  ${flagColumn(f).padEnd(width)}${f.description}${f.multiple ? ' (repeatable)' : ''}`);
}

/** Help text of one command. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`usage: ${PROGRAM} ${spec.usage}`, '', `${spec.summary[0]?.toUpperCase() ?? ''}${spec.summary.slice(1)}.`, '', 'Flags:', ...flagLines(spec.flags)];
  lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

/** Help text of a command group such as `push`. */
export function groupHelp(group: string): string {
  const subcommands = COMMANDS.filter((c) => c.path[0] === group && c.path.length > 1);
  const width = Math.max(...subcommands.map((c) => c.path.join(' ').length)) + 2;
  const lines = [usageLine(group), '', 'Commands:', ...subcommands.map((c) => `  ${c.path.join(' ').padEnd(width)}${c.summary}`)];
  lines.push('', `Run '${PROGRAM} ${group} <command> --help' for the flags of each.`);
  return `${lines.join('\n')}\n`;
}

/** Help text of the program. */
export function programHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length)) + 2;
  const lines = [
    `usage: ${PROGRAM} <command> [flags]`,
    '',
    'Publish and inspect multi-platform container images without a Docker daemon.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(width)}${c.summary}`),
    '',
    'Flags:',
    '  -h, --help     show help (also after any command)',
    '      --version  print the version',
    '  -v, --verbose  say on stderr what each step does (every command)',
    '      --debug    print every request and response with its headers on stderr, credentials redacted (every command)',
    '',
    'Exit status: 0 success, 1 the operation failed, 2 usage or spec-file error, 130 interrupted (Ctrl-C).',
    `Run '${PROGRAM} help <command>' or '${PROGRAM} <command> --help' for the flags of a command.`,
  ];
  return `${lines.join('\n')}\n`;
}
