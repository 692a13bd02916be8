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
  /**
   * Positional arguments: names for messages, how many are required and allowed; with `variadic`,
   * the last name may repeat (`SOURCE…`).
   */
  positionals: { names: string[]; required: number; variadic?: boolean };
  flags: FlagSpec[];
  examples: string[];
}

const HELP: FlagSpec = { name: 'help', type: 'boolean', short: 'h', description: 'show this help' };
const VERSION: FlagSpec = { name: 'version', type: 'boolean', description: 'print the version and exit' };
const VERBOSE: FlagSpec = { name: 'verbose', type: 'boolean', short: 'v', description: 'say on stderr what each step does (each request and its status)' };
const DEBUG: FlagSpec = { name: 'debug', type: 'boolean', description: 'print every request and response line with its headers on stderr (credentials shown as [REDACTED])' };
const PLAIN_HTTP: FlagSpec = { name: 'plain-http', type: 'boolean', description: 'reach the registries named in the command over plain HTTP (as manifest-tool --plain-http)' };
/** `--verbose` and `--debug`, which every command accepts. */
const LOGGING: FlagSpec[] = [VERBOSE, DEBUG];

/** The connection flags; `registryOf` names the registry the credentials are for. */
function connectionFlags(registryOf: string): FlagSpec[] {
  return [
    { name: 'username', type: 'string', value: 'USER', description: `user name for the registry of ${registryOf}` },
    { name: 'password', type: 'string', value: 'PASSWORD', description: `password or token for the registry of ${registryOf} (prefer --password-stdin)` },
    { name: 'password-stdin', type: 'boolean', description: 'read the password from standard input' },
    { name: 'docker-cfg', type: 'string', value: 'DIR', description: 'Docker config directory for credentials (default $DOCKER_CONFIG or ~/.docker)' },
    { name: 'insecure', type: 'boolean', description: 'allow plain HTTP or unverified TLS for the registries named in the command' },
    PLAIN_HTTP,
    { name: 'timeout', type: 'string', value: 'DURATION', description: 'give up when the registry work takes longer (30s, 5m, 1h, 500ms; a plain number is ms; default none)' },
    ...LOGGING,
  ];
}

const PUSH_FLAGS: FlagSpec[] = [
  { name: 'type', type: 'string', value: 'oci|docker', description: 'write an OCI image index or a Docker manifest list (default: follow the images)' },
  { name: 'ignore-missing', type: 'boolean', description: 'skip images that do not exist instead of failing' },
  { name: 'dry-run', type: 'boolean', description: 'print the plan, the index and its digest; write nothing' },
  { name: 'json', type: 'boolean', description: 'print the result as JSON' },
  { name: 'quiet', type: 'boolean', short: 'q', description: 'print only the digest; no diagnostics except errors' },
  { name: 'no-verify-platforms', type: 'boolean', description: 'trust the os/architecture the spec states; do not read image configs to check them' },
  ...connectionFlags('the target'),
  HELP,
];

// The index lifecycle: create, edit, tag, untag, list tags, digest.
const QUIET_DIGEST: FlagSpec = { name: 'quiet', type: 'boolean', short: 'q', description: 'print only the digest; no diagnostics except errors' };
const JSON_RESULT: FlagSpec = { name: 'json', type: 'boolean', description: 'print the result as JSON' };
const DRY_RUN: FlagSpec = { name: 'dry-run', type: 'boolean', description: 'print the index and its digest, and what would be written; write nothing' };
const METADATA_FILE: FlagSpec = {
  name: 'metadata-file',
  type: 'string',
  value: 'FILE',
  description: 'write the digest, descriptor and tags written to FILE as JSON, in the keys docker buildx build writes',
};
const INDEX_EDIT_FLAGS: FlagSpec[] = [
  { name: 'force', type: 'boolean', description: 'write even when the tag has moved since the index was read' },
  DRY_RUN,
  METADATA_FILE,
  JSON_RESULT,
  QUIET_DIGEST,
  ...connectionFlags('REF'),
  HELP,
];

/** `index add` and `index replace`: an index and the sources to put in it. */
function indexSourceEdit(edit: 'add' | 'replace', summary: string): CommandSpec {
  return {
    path: ['index', edit],
    usage: `index ${edit} REF SOURCE… [flags]`,
    summary,
    positionals: { names: ['REF', 'SOURCE'], required: 2, variadic: true },
    flags: INDEX_EDIT_FLAGS,
    examples: [`multiplatform index ${edit} reg.example/app:1.0 reg.example/builds@sha256:…`],
  };
}

const INDEX_LIFECYCLE_COMMANDS: CommandSpec[] = [
  {
    path: ['create'],
    usage: 'create -t REF [-t REF…] [flags] SOURCE…',
    summary: 'merge images and indexes, by tag or digest, into one index written to each -t (as docker buildx imagetools create)',
    positionals: { names: ['SOURCE'], required: 1, variadic: true },
    flags: [
      { name: 'tag', type: 'string', short: 't', multiple: true, value: 'REF', description: 'a reference to write the index to, e.g. reg.example/app:1.0' },
      { name: 'platform', type: 'string', multiple: true, value: 'LIST', description: 'keep only these comma-separated platforms of the sources, e.g. linux/amd64,linux/arm64' },
      { name: 'annotation', type: 'string', multiple: true, value: 'KEY=VALUE', description: 'an annotation: index:KEY=VALUE (or KEY=VALUE) on the index, manifest-descriptor[PLATFORMS]:KEY=VALUE on image entries' },
      { name: 'append', type: 'boolean', description: 'keep the entries of the index already at the first -t and add the sources after them' },
      { name: 'type', type: 'string', value: 'oci|docker', description: 'write an OCI image index or a Docker manifest list (default: follow the images)' },
      DRY_RUN,
      METADATA_FILE,
      JSON_RESULT,
      QUIET_DIGEST,
      ...connectionFlags('the first -t'),
      HELP,
    ],
    examples: [
      'multiplatform create -t reg.example/app:1.0 -t reg.example/app:latest reg.example/builds@sha256:… reg.example/builds@sha256:…',
      'multiplatform create --append -t reg.example/app:1.0 reg.example/builds-s390x@sha256:…',
      'multiplatform create --dry-run --platform linux/amd64,linux/arm64 --annotation index:org.opencontainers.image.version=1.0 -t reg.example/app:1.0 docker.io/library/alpine:3.20',
    ],
  },
  indexSourceEdit('add', 'add images (or the entries of another index) to the index at REF'),
  indexSourceEdit('replace', 'put each image in the place of the entries of its platform in the index at REF'),
  {
    path: ['index', 'remove'],
    usage: 'index remove REF (--platform P | --digest D)… [flags]',
    summary: 'remove entries, with their attestations, from the index at REF',
    positionals: { names: ['REF'], required: 1 },
    flags: [
      { name: 'platform', type: 'string', multiple: true, value: 'LIST', description: 'remove the entries of these comma-separated platforms, e.g. linux/s390x' },
      { name: 'digest', type: 'string', multiple: true, value: 'DIGEST', description: 'remove the entry with this digest' },
      ...INDEX_EDIT_FLAGS,
    ],
    examples: ['multiplatform index remove reg.example/app:1.0 --platform linux/s390x', 'multiplatform index remove reg.example/app:1.0 --digest sha256:…'],
  },
  {
    path: ['tag'],
    usage: 'tag REF NEWTAG… [flags]',
    summary: 'point more tags of the same repository at the manifest REF names, uploading nothing',
    positionals: { names: ['REF', 'NEWTAG'], required: 2, variadic: true },
    flags: [METADATA_FILE, JSON_RESULT, QUIET_DIGEST, ...connectionFlags('REF'), HELP],
    examples: ['multiplatform tag reg.example/app@sha256:… 1.2.3 1.2 latest', 'multiplatform tag reg.example/app:rc1 reg.example/app:1.0'],
  },
  {
    path: ['untag'],
    usage: 'untag REF [flags]',
    summary: 'remove one tag, leaving its manifest and the manifest\'s other tags in place',
    positionals: { names: ['REF'], required: 1 },
    flags: [{ ...QUIET_DIGEST, description: 'print nothing; no diagnostics except errors' }, ...connectionFlags('REF'), HELP],
    examples: ['multiplatform untag reg.example/app:ci-1234'],
  },
  {
    path: ['ls'],
    usage: 'ls REPO [--filter REGEX] [flags]',
    summary: 'list the tags of a repository, one a line',
    positionals: { names: ['REPO'], required: 1 },
    flags: [
      { name: 'filter', type: 'string', value: 'REGEX', description: 'only the tags this regular expression matches (anywhere: anchor it with ^…$)' },
      ...connectionFlags('REPO'),
      HELP,
    ],
    examples: ['multiplatform ls reg.example/app', "multiplatform ls reg.example/app --filter '^1\\.[0-9]+$'"],
  },
  {
    path: ['digest'],
    usage: 'digest REF [--platform P] [flags]',
    summary: 'print the digest REF points at, or with --platform the digest a runtime on that platform would pull',
    positionals: { names: ['REF'], required: 1 },
    flags: [
      { name: 'platform', type: 'string', value: 'P', description: 'the platform, e.g. linux/arm64; only the index is read' },
      ...connectionFlags('REF'),
      HELP,
    ],
    examples: ['multiplatform digest reg.example/app:1.0', 'multiplatform digest reg.example/app:1.0 --platform linux/arm64'],
  },
];

// Artifacts and the manifests that refer to an image.
const ARTIFACT_COMMANDS: CommandSpec[] = [
  {
    path: ['attach'],
    usage: 'attach REF --artifact-type TYPE [--annotation KEY=VALUE…] [--file-type MEDIATYPE] FILE… [flags]',
    summary: 'push files as an OCI artifact that refers to REF (as oras attach does); prints its digest',
    positionals: { names: ['REF', 'FILE'], required: 1, variadic: true },
    flags: [
      { name: 'artifact-type', type: 'string', value: 'TYPE', description: 'what the artifact is, a media type such as application/spdx+json (required)' },
      { name: 'annotation', type: 'string', multiple: true, value: 'KEY=VALUE', description: "an annotation of the artifact's manifest (org.opencontainers.image.created only when given)" },
      { name: 'file-type', type: 'string', value: 'MEDIATYPE', description: 'the media type of every FILE (default application/octet-stream)' },
      { ...JSON_RESULT, description: "print the artifact's descriptor as JSON" },
      ...connectionFlags('REF'),
      HELP,
    ],
    examples: [
      'multiplatform attach reg.example/app:1.0 --artifact-type application/spdx+json --file-type application/spdx+json sbom.spdx.json',
      'multiplatform attach reg.example/app@sha256:… --artifact-type application/vnd.example.signature.v1 --annotation org.example.signer=ci sig.bin',
    ],
  },
  {
    path: ['referrers'],
    usage: 'referrers REF [--artifact-type TYPE] [--json] [flags]',
    summary: 'list the manifests that refer to REF (SBOMs, signatures, attestations), through the referrers API or its fallback tag',
    positionals: { names: ['REF'], required: 1 },
    flags: [
      { name: 'artifact-type', type: 'string', value: 'TYPE', description: 'only referrers of this artifact type' },
      { ...JSON_RESULT, description: 'print the descriptors as JSON' },
      ...connectionFlags('REF'),
      HELP,
    ],
    examples: ['multiplatform referrers reg.example/app:1.0', 'multiplatform referrers reg.example/app@sha256:… --artifact-type application/spdx+json --json'],
  },
];

/** Every command, in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    path: ['push', 'from-spec'],
    usage: 'push from-spec FILE.yml|- [flags]',
    summary: 'push a manifest list described by a YAML file (manifest-tool format); - reads it from standard input',
    positionals: { names: ['FILE'], required: 1 },
    flags: PUSH_FLAGS,
    examples: [
      'multiplatform push from-spec app.yml',
      'multiplatform push from-spec --type oci --dry-run app.yml',
      'echo "$TOKEN" | multiplatform push from-spec --username me --password-stdin app.yml',
      'generate-spec | multiplatform push from-spec -',
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
    usage: 'inspect REF [--raw | --json | --format manifest-tool] [flags]',
    summary: 'show whether an image is a manifest list and which platforms it supports',
    positionals: { names: ['REF'], required: 1 },
    flags: [
      { name: 'raw', type: 'boolean', description: 'print the manifest exactly as the registry stores it' },
      { name: 'json', type: 'boolean', description: 'print the result as JSON: every platform as the OCI platform object, the same shape for an image as for a list' },
      { name: 'format', type: 'string', value: 'FORMAT', description: "mquery (the default summary) or manifest-tool (manifest-tool inspect's text, for its scripts)" },
      { name: 'quiet', type: 'boolean', short: 'q', description: 'print only the digest' },
      ...connectionFlags('REF'),
      HELP,
    ],
    examples: ['multiplatform inspect golang:1.22', 'multiplatform inspect --json localhost:5000/app:1.0', 'multiplatform inspect --raw localhost:5000/app:1.0 | jq .', 'multiplatform inspect --format manifest-tool localhost:5000/app:1.0'],
  },
  {
    path: ['registry'],
    usage: 'registry [--port N] [--host H] [--dir DIR] [--user USER:PASS | --htpasswd FILE] [--token-auth] [--profile NAME] [--verbose]',
    summary: 'run a local OCI registry (distribution-spec v1.1, plain HTTP) until interrupted',
    positionals: { names: [], required: 0 },
    flags: [
      { name: 'port', type: 'string', value: 'N', description: 'port to listen on (default 0: any free port)' },
      { name: 'host', type: 'string', value: 'H', description: 'address to listen on (default 127.0.0.1)' },
      { name: 'dir', type: 'string', value: 'DIR', description: 'keep blobs and repositories in DIR, so they survive a restart (default: in memory)' },
      { name: 'user', type: 'string', value: 'USER:PASS', description: 'require Basic auth with this user name and password' },
      { name: 'htpasswd', type: 'string', value: 'FILE', description: 'require Basic auth with the users of an htpasswd file of bcrypt entries (htpasswd -B)' },
      { name: 'token-auth', type: 'boolean', description: 'require bearer tokens, served by the registry itself at /token (for the --user or --htpasswd users; without either, to anyone)' },
      { ...VERBOSE, description: 'log every request to stderr' },
      { name: 'profile', type: 'string', value: 'NAME', description: 'behave as a real registry where it differs from the spec: ecr, ghcr, dockerhub, gar, acr, quay, harbor or artifactory (see docs/registries.md)' },
      { ...VERBOSE, description: 'log every request to stderr' },
      { ...DEBUG, description: 'the same as --verbose' },
      HELP,
    ],
    examples: [
      'multiplatform registry',
      'multiplatform registry --port 5000 --dir ./registry-data',
      'multiplatform registry --port 5000 --htpasswd ./htpasswd --token-auth',
      'multiplatform registry --profile ghcr',
    ],
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
      { ...PLAIN_HTTP, description: 'reach this registry over plain HTTP' },
      ...LOGGING,
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
      ...LOGGING,
      HELP,
    ],
    examples: ['multiplatform logout ghcr.io', 'multiplatform logout   # Docker Hub'],
  },
  ...INDEX_LIFECYCLE_COMMANDS,
  ...ARTIFACT_COMMANDS,
  {
    path: ['copy'],
    usage: 'copy SOURCE TARGET [--platform P…] [--unwrap] [--referrers] [-t TAG…] [--dry-run] [flags]',
    summary: 'copy an image or index (with its children) between repositories, registries and OCI layouts (oci:DIR[:TAG]), keeping every digest',
    positionals: { names: ['SOURCE', 'TARGET'], required: 2 },
    flags: [
      { name: 'platform', type: 'string', multiple: true, value: 'P', description: "copy only this platform's children of an index (repeatable; the index is rewritten, so its digest changes)" },
      { name: 'unwrap', type: 'boolean', description: "with one --platform: copy that platform's manifest alone, as a plain image (AWS Lambda, ECR scanning)" },
      { name: 'referrers', type: 'boolean', description: 'also copy the signatures, SBOMs and attestations that refer to what is copied' },
      { name: 'tag', type: 'string', short: 't', multiple: true, value: 'TAG', description: "also write TAG at the target (repeatable); default tags: the target's, else the source's" },
      { name: 'dry-run', type: 'boolean', description: 'print the plan (blobs to mount, copy, skip, with sizes); write nothing' },
      { name: 'progress', type: 'string', value: 'auto|plain|quiet', description: 'how progress is shown on standard error (default auto)' },
      { name: 'quiet', type: 'boolean', short: 'q', description: 'print only the final digest; no plan or progress' },
      ...connectionFlags('TARGET'),
      HELP,
    ],
    examples: [
      'multiplatform copy staging.example/app:1.0 registry.example/app:1.0 --referrers',
      'multiplatform copy registry.example/app:1.0 oci:./mirror:1.0',
      'multiplatform copy registry.example/app:1.0 registry.example/app-lambda:1.0 --platform linux/arm64 --unwrap',
    ],
  },
];

/** Flags accepted anywhere: `--help` and `--version`. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [HELP, VERSION];

/** Command groups that need a subcommand, with their subcommands. */
export const GROUPS: Readonly<Record<string, string[]>> = { push: ['from-spec', 'from-args'], index: ['add', 'replace', 'remove'] };

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

/** True for `create`, `index …`, `tag`, `untag`, `ls` and `digest`, which `commands/lifecycle.ts` runs. */
export function isIndexLifecycleCommand(spec: CommandSpec): boolean {
  return INDEX_LIFECYCLE_COMMANDS.includes(spec);
}

/** True for `attach` and `referrers`, which `commands/artifacts.ts` runs. */
export function isArtifactCommand(spec: CommandSpec): boolean {
  return ARTIFACT_COMMANDS.includes(spec);
}

/** The command selected by `path`, if any. */
export function findCommand(path: readonly string[]): CommandSpec | undefined {
  return COMMANDS.find((c) => c.path.length === path.length && c.path.every((word, i) => word === path[i]));
}
