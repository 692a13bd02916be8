import { parseArgs } from 'node:util';
import { COMMANDS, GROUPS, allFlags, findCommand, type CommandSpec, type FlagSpec } from './command-table.js';
import { UsageError } from './errors.js';
import { didYouMean } from './suggest.js';

/** Flag values by name: strings, booleans, or lists for repeatable flags. */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** What a command line asks for. */
export type ParsedCommandLine =
  | { kind: 'version' }
  | { kind: 'help'; topic: CommandSpec | string | undefined }
  | { kind: 'run'; command: CommandSpec; positionals: string[]; flags: FlagValues };

const TOP_LEVEL = [...new Set(COMMANDS.map((c) => c.path[0] ?? ''))];

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

function tokenize(argv: string[], flags: Map<string, FlagSpec>): Token[] {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const flag of flags.values()) {
    options[flag.name] = { type: flag.type, ...(flag.short ? { short: flag.short } : {}), multiple: true };
  }
  // Not strict: unknown flags and missing values are reported by `parseCommandLine` with better messages.
  return parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true }).tokens;
}

function resolveCommand(words: string[], wantsHelp: boolean): { spec?: CommandSpec; group?: string; consumed: number } {
  const first = words[0];
  if (first === undefined) return { consumed: 0 };
  if (!TOP_LEVEL.includes(first)) {
    throw new UsageError(`unknown command ${JSON.stringify(first)}${didYouMean(first, TOP_LEVEL)}`);
  }
  const subcommands = GROUPS[first];
  if (!subcommands) return { spec: findCommand([first]), consumed: 1 };
  const second = words[1];
  if (second === undefined) {
    if (wantsHelp) return { group: first, consumed: 1 };
    throw new UsageError(`${first} needs a subcommand: ${subcommands.join(' or ')}`, first);
  }
  if (!subcommands.includes(second)) {
    throw new UsageError(`unknown command "${first} ${second}"${didYouMean(second, subcommands, (s) => `${first} ${s}`)}`, first);
  }
  return { spec: findCommand([first, second]), consumed: 2 };
}

function unknownFlag(token: Token & { kind: 'option' }, candidates: readonly FlagSpec[], command: string): UsageError {
  const shown = token.rawName.startsWith('--') ? token.rawName : `-${token.name}`;
  const suggestion = didYouMean(`--${token.name}`, candidates.map((f) => `--${f.name}`));
  return new UsageError(`unknown flag ${shown}${suggestion}`, command);
}

function checkValue(token: Token & { kind: 'option' }, flag: FlagSpec, command: string): string | true {
  if (flag.type === 'boolean') {
    if (token.value !== undefined) throw new UsageError(`--${flag.name} takes no value (got ${JSON.stringify(token.value)})`, command);
    return true;
  }
  if (token.value === undefined) throw new UsageError(`--${flag.name} needs a value${flag.value ? ` (${flag.value})` : ''}`, command);
  if (!token.inlineValue && token.value.startsWith('-') && token.value.length > 1) {
    throw new UsageError(
      `--${flag.name} needs a value but got the flag-like ${JSON.stringify(token.value)}; write --${flag.name}=${token.value} if you mean it`,
      command,
    );
  }
  return token.value;
}

/**
 * Parses a command line (without the program name) against the command table. Flags may come
 * before or after the command words; `--` ends the flags. Throws {@link UsageError} for an unknown
 * command or flag (with a suggestion when one is close), a flag of another command, a string flag
 * without a value, a boolean flag with one, a repeated flag that is not repeatable, or a wrong
 * number of arguments.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const known = allFlags();
  const tokens = tokenize([...argv], known);

  const words = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const optionTokens = tokens.filter((t): t is Token & { kind: 'option' } => t.kind === 'option');
  if (optionTokens.some((t) => t.name === 'version')) return { kind: 'version' };

  // Unknown flags first: a misspelt flag followed by its value would otherwise be taken for a command.
  const unknown = optionTokens.find((t) => !known.has(t.name));
  if (unknown) {
    let command: CommandSpec | undefined;
    try {
      command = resolveCommand(words, true).spec;
    } catch {
      command = undefined;
    }
    throw unknownFlag(unknown, command ? command.flags : [...known.values()], command ? command.path.join(' ') : '');
  }

  // `help COMMAND…` is `COMMAND… --help`.
  if (words[0] === 'help') {
    const topic = resolveCommand(words.slice(1), true);
    return { kind: 'help', topic: topic.spec ?? topic.group };
  }
  const wantsHelp = optionTokens.some((t) => t.name === 'help');
  const { spec, group, consumed } = resolveCommand(words, wantsHelp);
  if (wantsHelp) return { kind: 'help', topic: spec ?? group };
  if (!spec) {
    const first = optionTokens[0];
    throw new UsageError(first ? `${first.rawName} needs a command before it` : 'no command given');
  }
  const commandName = spec.path.join(' ');

  const flags: FlagValues = {};
  for (const token of optionTokens) {
    const flag = spec.flags.find((f) => f.name === token.name);
    if (!flag) throw new UsageError(`--${token.name} is not a flag of ${commandName}`, commandName);
    if (!token.rawName.startsWith('--') && token.rawName !== `-${flag.short ?? ''}`) {
      throw new UsageError(`${token.rawName} is not a flag of ${commandName} (did you mean --${flag.name}?)`, commandName);
    }
    const value = checkValue(token, flag, commandName);
    const previous = flags[flag.name];
    if (flag.multiple) {
      flags[flag.name] = [...(Array.isArray(previous) ? previous : []), String(value)];
    } else if (previous !== undefined) {
      throw new UsageError(`--${flag.name} given more than once`, commandName);
    } else {
      flags[flag.name] = value;
    }
  }

  const positionals = words.slice(consumed);
  const { names, required } = spec.positionals;
  if (positionals.length < required) {
    throw new UsageError(`${commandName} needs ${names.slice(positionals.length).join(' ')}`, commandName);
  }
  if (!spec.positionals.variadic && positionals.length > names.length) {
    const extra = positionals.slice(names.length);
    throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((e) => JSON.stringify(e)).join(' ')}`, commandName);
  }
  return { kind: 'run', command: spec, positionals, flags };
}

/** Splits comma-separated values of a repeatable flag; rejects empty items, naming the flag. */
export function splitList(values: readonly string[] | undefined, flag: string, command: string): string[] {
  const items: string[] = [];
  for (const value of values ?? []) {
    for (const item of value.split(',')) {
      const trimmed = item.trim();
      if (trimmed === '') throw new UsageError(`--${flag} has an empty item in ${JSON.stringify(value)}`, command);
      items.push(trimmed);
    }
  }
  return items;
}

/** A string flag's value, or undefined. */
export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable flag's values, or undefined. */
export function listFlag(flags: FlagValues, name: string): string[] | undefined {
  const value = flags[name];
  return Array.isArray(value) ? value : undefined;
}

/** True when a boolean flag was given. */
export function booleanFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}
