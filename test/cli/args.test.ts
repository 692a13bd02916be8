import { describe, expect, it } from 'vitest';
import { parseCommandLine, splitList } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';
import { closestMatch, editDistance } from '../../src/cli/suggest.js';
import { expandTemplate, hasPlaceholder } from '../../src/cli/template.js';

function usageErrorOf(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`expected ${argv.join(' ')} to be rejected`);
}

describe('parseCommandLine', () => {
  it('selects push from-spec with its file and flags', () => {
    const parsed = parseCommandLine(['push', 'from-spec', '--type', 'oci', '--dry-run', 'app.yml']);
    expect(parsed).toMatchObject({ kind: 'run', command: { path: ['push', 'from-spec'] }, positionals: ['app.yml'], flags: { type: 'oci', 'dry-run': true } });
  });

  it('takes flags before the command, as manifest-tool does (--username=x push from-spec f)', () => {
    const parsed = parseCommandLine(['--username=me', '--password', 'secret', 'push', 'from-spec', 'f.yml']);
    expect(parsed).toMatchObject({ kind: 'run', positionals: ['f.yml'], flags: { username: 'me', password: 'secret' } });
  });

  it('collects repeatable flags and keeps their commas for splitList', () => {
    const parsed = parseCommandLine(['push', 'from-args', '--platforms', 'linux/amd64,linux/arm64', '--platforms=linux/s390x', '--template', 't-ARCH', '--target', 't']);
    if (parsed.kind !== 'run') throw new Error('not a run');
    expect(parsed.flags.platforms).toEqual(['linux/amd64,linux/arm64', 'linux/s390x']);
    expect(splitList(parsed.flags.platforms as string[], 'platforms', 'push from-args')).toEqual(['linux/amd64', 'linux/arm64', 'linux/s390x']);
  });

  it('treats everything after -- as arguments', () => {
    expect(parseCommandLine(['inspect', '--', '--weird'])).toMatchObject({ kind: 'run', positionals: ['--weird'] });
  });

  it('accepts short flags -h and -q', () => {
    expect(parseCommandLine(['inspect', '-q', 'x'])).toMatchObject({ flags: { quiet: true } });
    expect(parseCommandLine(['inspect', '-h'])).toMatchObject({ kind: 'help', topic: { path: ['inspect'] } });
  });

  it('answers --version and --help wherever they are', () => {
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['push', 'from-spec', 'x.yml', '--version'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help', topic: undefined });
    expect(parseCommandLine(['push', '--help'])).toEqual({ kind: 'help', topic: 'push' });
    expect(parseCommandLine(['push', 'from-args', '--help'])).toMatchObject({ kind: 'help', topic: { path: ['push', 'from-args'] } });
    // help wins over missing values and arguments
    expect(parseCommandLine(['push', 'from-spec', '--help', '--type'])).toMatchObject({ kind: 'help' });
  });

  it('parses registry like every other command, from the command table', () => {
    expect(parseCommandLine(['registry', '--port', '5000', '--dir', '/tmp/x', '--verbose'])).toMatchObject({
      kind: 'run',
      command: { path: ['registry'] },
      flags: { port: '5000', dir: '/tmp/x', verbose: true },
    });
    expect(parseCommandLine(['--help', 'registry'])).toMatchObject({ kind: 'help', topic: { path: ['registry'] } });
    expect(usageErrorOf(['--json', 'registry']).message).toBe('--json is not a flag of registry');
    expect(usageErrorOf(['registry', '--hots', 'x']).message).toBe('unknown flag --hots (did you mean --host?)');
  });

  it('rejects unknown commands and subcommands, suggesting the close one', () => {
    expect(usageErrorOf(['pussh']).message).toBe('unknown command "pussh" (did you mean push?)');
    expect(usageErrorOf(['frobnicate']).message).toBe('unknown command "frobnicate"');
    expect(usageErrorOf(['push', 'from-spek', 'f']).message).toBe('unknown command "push from-spek" (did you mean push from-spec?)');
    expect(usageErrorOf(['push']).message).toBe('push needs a subcommand: from-spec or from-args');
    expect(usageErrorOf([]).message).toBe('no command given');
  });

  it('rejects unknown flags, suggesting the close one, even before the command', () => {
    const error = usageErrorOf(['push', 'from-args', '--platfroms', 'linux/amd64']);
    expect(error.message).toBe('unknown flag --platfroms (did you mean --platforms?)');
    expect(error.command).toBe('push from-args');
    expect(usageErrorOf(['--usrname', 'me', 'push', 'from-spec', 'f.yml']).message).toBe('unknown flag --usrname (did you mean --username?)');
    expect(usageErrorOf(['inspect', '-x', 'ref']).message).toBe('unknown flag -x');
  });

  it('rejects a flag of another command', () => {
    expect(usageErrorOf(['push', 'from-spec', '--raw', 'f.yml']).message).toBe('--raw is not a flag of push from-spec');
    expect(usageErrorOf(['inspect', '--dry-run', 'ref']).message).toBe('--dry-run is not a flag of inspect');
  });

  it('rejects missing, flag-like and unwanted values', () => {
    expect(usageErrorOf(['push', 'from-args', '--target']).message).toBe('--target needs a value (REF)');
    expect(usageErrorOf(['push', 'from-args', '--target', '--tags', 'a']).message).toContain('--target needs a value but got the flag-like "--tags"');
    expect(parseCommandLine(['push', 'from-args', '--target=--odd'])).toMatchObject({ flags: { target: '--odd' } });
    expect(usageErrorOf(['inspect', '--json=yes', 'r']).message).toBe('--json takes no value (got "yes")');
    expect(usageErrorOf(['push', 'from-args', '--target', 'a', '--target', 'b']).message).toBe('--target given more than once');
  });

  it('checks the number of arguments', () => {
    expect(usageErrorOf(['push', 'from-spec']).message).toBe('push from-spec needs FILE');
    expect(usageErrorOf(['push', 'from-spec', 'a.yml', 'b.yml']).message).toBe('unexpected argument "b.yml"');
    expect(usageErrorOf(['push', 'from-args', 'extra']).message).toBe('unexpected argument "extra"');
    expect(usageErrorOf(['inspect']).message).toBe('inspect needs REF');
  });
});

describe('splitList', () => {
  it('trims items and rejects empty ones, naming the flag', () => {
    expect(splitList([' a , b', 'c'], 'tags', 'push from-args')).toEqual(['a', 'b', 'c']);
    expect(splitList(undefined, 'tags', 'x')).toEqual([]);
    expect(() => splitList(['a,,b'], 'tags', 'push from-args')).toThrow('--tags has an empty item in "a,,b"');
  });
});

describe('expandTemplate', () => {
  it("follows manifest-tool's documented examples", () => {
    expect(expandTemplate('foo:1.0-OS-ARCHVARIANT', { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('foo:1.0-linux-armv7');
    expect(expandTemplate('foo:1.0-OS-ARCHVARIANT', { os: 'linux', architecture: 'amd64' })).toBe('foo:1.0-linux-amd64');
    expect(expandTemplate('foo/bar-ARCH:v1', { os: 'linux', architecture: 's390x' })).toBe('foo/bar-s390x:v1');
    expect(expandTemplate('foo/bar-ARCHVARIANT:v1', { os: 'linux', architecture: 'arm', variant: 'v5' })).toBe('foo/bar-armv5:v1');
  });

  it('replaces every occurrence and never rewrites an inserted value', () => {
    expect(expandTemplate('reg/OS/app:OS-ARCH', { os: 'windows', architecture: 'amd64' })).toBe('reg/windows/app:windows-amd64');
    // a variant value containing a placeholder name stays as it is
    expect(expandTemplate('r/a:ARCH-VARIANT', { os: 'linux', architecture: 'ARCH', variant: 'OS' })).toBe('r/a:ARCH-OS');
  });

  it('leaves a template without placeholders alone', () => {
    expect(hasPlaceholder('reg/app:1.0')).toBe(false);
    expect(hasPlaceholder('reg/app:1.0-VARIANT')).toBe(true);
    expect(expandTemplate('reg/app:1.0', { os: 'linux', architecture: 'amd64' })).toBe('reg/app:1.0');
  });
});

describe('suggestions', () => {
  it('measure edits, counting a swap of neighbours as one', () => {
    expect(editDistance('platform', 'platfrom')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('offer only close candidates', () => {
    expect(closestMatch('--usrname', ['--username', '--password'])).toBe('--username');
    expect(closestMatch('xyz', ['image', 'tags'])).toBeUndefined();
    expect(closestMatch('Image', ['image'])).toBe('image');
  });
});
