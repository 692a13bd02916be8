/**
 * The command table of the CLI: every command, its flags and help text. Pure data, loaded on
 * every run, so it must stay free of library imports.
 */

/** One flag a command accepts. */
export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  /** May be given more than once; values accumulate. */
  multiple?: boolean;
  /** Placeholder of the value in help text, e.g. `FILE`. */
  value?: string;
  description: string;
}

/** One runnable command (`push from-spec`, `inspect`, …). */
export interface CommandSpec {
  /** Words that select the command, e.g. `['push', 'from-spec']`. */
  path: string[];
  /** The usage line after `multiplatform `. */
  usage: string;
  summary: string;
  /** Positional arguments: names for messages, how many are required and allowed. */
  positionals: { names: string[]; required: number };
  flags: FlagSpec[];
  examples: string[];
}

const HELP: FlagSpec = { name: 'help', type: 'boolean', short: 'h', description: 'show this help' };
const VERSION: FlagSpec = { name: 'version', type: 'boolean', description: 'print the version and exit' };

/** The connection flags; `registryOf` names the registry the credentials are for. */
function connectionFlags(registryOf: string): FlagSpec[] {
  return [
    { name: 'username', type: 'string', value: 'USER', description: `user name for the registry of ${registryOf}` },
    { name: 'password', type: 'string', value: 'PASSWORD', description: `password or token for the registry of ${registryOf} (prefer --password-stdin)` },
    { name: 'password-stdin', type: 'boolean', description: 'read the password from standard input' },
    { name: 'docker-cfg', type: 'string', value: 'DIR', description: 'Docker config directory for credentials (default $DOCKER_CONFIG or ~/.docker)' },
    { name: 'insecure', type: 'boolean', description: 'allow plain HTTP or unverified TLS for the registries named in the command' },
  ];
}

const PUSH_FLAGS: FlagSpec[] = [
  { name: 'type', type: 'string', value: 'oci|docker', description: 'write an OCI image index or a Docker manifest list (default: follow the images)' },
  { name: 'ignore-missing', type: 'boolean', description: 'skip images that do not exist instead of failing' },
  { name: 'dry-run', type: 'boolean', description: 'print the plan, the index and its digest; write nothing' },
  { name: 'json', type: 'boolean', description: 'print the result as JSON' },
  { name: 'quiet', type: 'boolean', short: 'q', description: 'print only the digest; no diagnostics except errors' },
  ...connectionFlags('the target'),
  HELP,
];

/** Every command, in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    path: ['push', 'from-spec'],
    usage: 'push from-spec FILE.yml [flags]',
    summary: 'push a manifest list described by a YAML file (manifest-tool format)',
    positionals: { names: ['FILE'], required: 1 },
    flags: PUSH_FLAGS,
    examples: [
      'multiplatform push from-spec app.yml',
      'multiplatform push from-spec --type oci --dry-run app.yml',
      'echo "$TOKEN" | multiplatform push from-spec --username me --password-stdin app.yml',
    ],
  },
  {
    path: ['push', 'from-args'],
    usage: 'push from-args --platforms LIST --template TEMPLATE --target REF [--tags LIST] [flags]',
    summary: 'push a manifest list whose images follow a naming template',
    positionals: { names: [], required: 0 },
    flags: [
      { name: 'platforms', type: 'string', multiple: true, value: 'LIST', description: 'comma-separated platforms, e.g. linux/amd64,linux/arm64/v8' },
      { name: 'template', type: 'string', value: 'TEMPLATE', description: 'image of each platform; OS, ARCH and VARIANT are replaced, e.g. reg/app:1.0-OS-ARCHVARIANT' },
      { name: 'target', type: 'string', value: 'REF', description: 'the manifest list to write, e.g. reg/app:1.0' },
      { name: 'tags', type: 'string', multiple: true, value: 'LIST', description: 'comma-separated extra tags for the list' },
      ...PUSH_FLAGS,
    ],
    examples: [
      'multiplatform push from-args --platforms linux/amd64,linux/arm/v7 --template reg.example/app:1.0-OS-ARCHVARIANT --target reg.example/app:1.0',
      'multiplatform push from-args --platforms linux/amd64,linux/arm64 --template reg.example/app-ARCH:1.0 --target reg.example/app:1.0 --tags 1,latest',
    ],
  },
  {
    path: ['inspect'],
    usage: 'inspect REF [--raw | --json] [flags]',
    summary: 'show whether an image is a manifest list and which platforms it supports',
    positionals: { names: ['REF'], required: 1 },
    flags: [
      { name: 'raw', type: 'boolean', description: 'print the manifest exactly as the registry stores it' },
      { name: 'json', type: 'boolean', description: 'print the result as JSON' },
      { name: 'quiet', type: 'boolean', short: 'q', description: 'print only the digest' },
      ...connectionFlags('REF'),
      HELP,
    ],
    examples: ['multiplatform inspect golang:1.22', 'multiplatform inspect --json localhost:5000/app:1.0', 'multiplatform inspect --raw localhost:5000/app:1.0 | jq .'],
  },
  {
    path: ['registry'],
    usage: 'registry [--port N] [--host H] [--dir DIR] [--verbose]',
    summary: 'run a local OCI registry (distribution-spec v1.1, plain HTTP) until interrupted',
    positionals: { names: [], required: 0 },
    flags: [
      { name: 'port', type: 'string', value: 'N', description: 'port to listen on (default 0: any free port)' },
      { name: 'host', type: 'string', value: 'H', description: 'address to listen on (default 127.0.0.1)' },
      { name: 'dir', type: 'string', value: 'DIR', description: 'keep blobs and repositories in DIR, so they survive a restart (default: in memory)' },
      { name: 'verbose', type: 'boolean', description: 'log every request to stderr' },
      HELP,
    ],
    examples: ['multiplatform registry', 'multiplatform registry --port 5000 --dir ./registry-data'],
  },
  {
    path: ['login'],
    usage: 'login [REGISTRY] [-u USER] [--password-stdin | -p PASSWORD] [flags]',
    summary: "check credentials with the registry and save them in Docker's config, as docker login does",
    positionals: { names: ['REGISTRY'], required: 0 },
    flags: [
      { name: 'username', type: 'string', short: 'u', value: 'USER', description: 'user name (without it, the saved credentials are checked)' },
      { name: 'password', type: 'string', short: 'p', value: 'PASSWORD', description: 'password or token (prefer --password-stdin)' },
      { name: 'password-stdin', type: 'boolean', description: 'read the password from standard input' },
      { name: 'docker-cfg', type: 'string', value: 'DIR', description: 'Docker config directory to write (default $DOCKER_CONFIG or ~/.docker)' },
      { name: 'insecure', type: 'boolean', description: 'allow plain HTTP or unverified TLS for this registry' },
      HELP,
    ],
    examples: ['echo "$TOKEN" | multiplatform login ghcr.io -u me --password-stdin', 'multiplatform login -u me --password-stdin < token.txt   # Docker Hub'],
  },
  {
    path: ['logout'],
    usage: 'logout [REGISTRY] [--docker-cfg DIR]',
    summary: "remove a registry's credentials from Docker's config, as docker logout does",
    positionals: { names: ['REGISTRY'], required: 0 },
    flags: [
      { name: 'docker-cfg', type: 'string', value: 'DIR', description: 'Docker config directory to change (default $DOCKER_CONFIG or ~/.docker)' },
      HELP,
    ],
    examples: ['multiplatform logout ghcr.io', 'multiplatform logout   # Docker Hub'],
  },
];

/** Flags accepted anywhere: `--help` and `--version`. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [HELP, VERSION];

/** Command groups that need a subcommand, with their subcommands. */
export const GROUPS: Readonly<Record<string, string[]>> = { push: ['from-spec', 'from-args'] };

/** Every flag any command accepts, by name (the same name always has the same type). */
export function allFlags(): Map<string, FlagSpec> {
  const flags = new Map<string, FlagSpec>();
  for (const flag of [...GLOBAL_FLAGS, ...COMMANDS.flatMap((c) => c.flags)]) {
    // A short form one command gives a flag (`-u` of login) must be known whichever command comes last.
    const known = flags.get(flag.name);
    flags.set(flag.name, known?.short && !flag.short ? known : flag);
  }
  return flags;
}

/** The command selected by `path`, if any. */
export function findCommand(path: readonly string[]): CommandSpec | undefined {
  return COMMANDS.find((c) => c.path.length === path.length && c.path.every((word, i) => word === path[i]));
}
