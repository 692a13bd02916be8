import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

/**
 * `undici` resolves to src/transport/undici-lite.cjs, which loads only the agent, proxy agent and
 * request parts of undici: its entry point loads fetch, WebSocket, EventSource, caches and mocks
 * eagerly, none of which the client uses (they were most of the import's cost). Those parts are
 * bundled once, into dist/undici-parts.cjs (the last build below), which undici-lite requires at the
 * first request; `partsFromOutput` is where that file is, seen from the files of this build.
 */
function undiciLite(partsFromOutput: string): NonNullable<Options['esbuildPlugins']>[number] {
  return {
    name: 'undici-lite',
    setup(build) {
      build.onResolve({ filter: /^undici$/ }, () => ({ path: resolve('src/transport/undici-lite.cjs') }));
      build.onResolve({ filter: /^\.\/undici-parts\.cjs$/ }, (args) =>
        args.importer.endsWith('undici-lite.cjs') ? { path: partsFromOutput, external: true } : undefined,
      );
    },
  };
}

/**
 * Lines of undici's source rewritten as it is bundled, so that built-ins the client rarely needs
 * are loaded when first needed rather than at every start-up:
 * - its HTTP/2 half, and with it `node:http2` and `node:tls` (≈ 15 ms): a connection uses HTTP/2
 *   only when a TLS server chooses it through ALPN, and undici offers it only when `allowH2` is set,
 *   which the client never does;
 * - `node:http` (≈ 6 ms with `_http_agent`, `_http_client`, `_http_server`…): undici reads only
 *   `http.maxHeaderSize` (for a client created without `maxHeaderSize`) and compares a stream's
 *   class with `IncomingMessage` (which only a loaded `node:http` can have made).
 * A rewrite at build time rather than an edited copy of undici: the package stays the npm one, and
 * the build fails loudly when an undici release changes a line, instead of silently loading the
 * built-in again.
 */
const UNDICI_LAZY_LINES: Record<string, ReadonlyArray<{ eager: string; lazy: string }>> = {
  'dispatcher/client.js': [
    {
      eager: "const connectH2 = require('./client-h2.js')",
      lazy: "const connectH2 = (client, socket) => require('./client-h2.js')(client, socket)",
    },
    {
      eager: "const http = require('node:http')",
      lazy: "let nodeHttp\nconst http = { get maxHeaderSize () { return (nodeHttp ??= require('node:http')).maxHeaderSize } }",
    },
    {
      eager:
        "const getDefaultNodeMaxHeaderSize = http &&\n  http.maxHeaderSize &&\n  Number.isInteger(http.maxHeaderSize) &&\n  http.maxHeaderSize > 0\n  ? () => http.maxHeaderSize\n  : () => { throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid') }",
      lazy: "const getDefaultNodeMaxHeaderSize = () => {\n  if (Number.isInteger(http.maxHeaderSize) && http.maxHeaderSize > 0) return http.maxHeaderSize\n  throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid')\n}",
    },
  ],
  'core/util.js': [
    {
      eager: "const { IncomingMessage } = require('node:http')",
      lazy: "const isIncomingMessage = (Class) => Class?.name === 'IncomingMessage' && Class === require('node:http').IncomingMessage",
    },
    {
      eager: 'if (Object.getPrototypeOf(stream).constructor === IncomingMessage) {',
      lazy: 'if (isIncomingMessage(Object.getPrototypeOf(stream).constructor)) {',
    },
  ],
};
/**
 * undici calls `assert(value)` (never a method of `node:assert`) in 33 files, and requiring
 * `node:assert` at load costs every start-up ≈ 2–4 ms (it loads its error and call-tracking
 * modules). In undici's files, `assert` becomes a function that loads the real one only to throw,
 * when an assertion fails. The build fails if an undici file calls a method of `assert`.
 */
const EAGER_ASSERT = "const assert = require('node:assert')";
const LAZY_ASSERT = "const assert = (value, message) => { if (!value) require('node:assert')(value, message ?? 'undici: an internal assertion failed') }";

const UNDICI_LIB_FILE = /[\\/]node_modules[\\/]undici[\\/]lib[\\/].*\.js$/;
const undiciLazyBuiltins: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'undici-lazy-builtins',
  setup(build) {
    const rewritten = new Set<string>();
    build.onLoad({ filter: UNDICI_LIB_FILE }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      const original = source;
      const file = args.path.replaceAll('\\', '/').split('/undici/lib/').at(-1) ?? '';
      for (const { eager, lazy } of UNDICI_LAZY_LINES[file] ?? []) {
        if (source.split(eager).length !== 2) {
          throw new Error(`${args.path}: expected exactly one \`${eager}\` to make lazy; undici changed, update tsup.config.ts`);
        }
        source = source.replace(eager, lazy);
      }
      if (UNDICI_LAZY_LINES[file]) rewritten.add(file);
      if (source.includes(EAGER_ASSERT)) {
        if (/\bassert\.\w+\(/.test(source)) {
          throw new Error(`${args.path}: calls a method of node:assert, which the lazy assert of tsup.config.ts does not have; update it`);
        }
        source = source.replaceAll(EAGER_ASSERT, LAZY_ASSERT);
      }
      return source === original ? undefined : { contents: source, loader: 'js' };
    });
    build.onEnd(() => {
      const missed = Object.keys(UNDICI_LAZY_LINES).filter((file) => !rewritten.has(file));
      if (missed.length > 0) throw new Error(`undici's ${missed.join(', ')} not bundled, so not made lazy; update tsup.config.ts`);
    });
  },
};

/**
 * undici carries its HTTP parser (llhttp, WebAssembly) as two base64 strings of 72 KB each, a
 * quarter of its bundled parts, which every start-up would read and scan, and decode when the first
 * connection is made. They go into dist as binary files instead (llhttp.wasm, llhttp_simd.wasm), and
 * the module that held each string reads its file when undici first asks for it. The build fails when
 * an undici release no longer holds the string where this expects it.
 */
const LLHTTP_MODULE = /[\\/]undici[\\/]lib[\\/]llhttp[\\/](llhttp(?:_simd)?)-wasm\.js$/;
const undiciWasmFiles: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'undici-wasm-files',
  setup(build) {
    build.onLoad({ filter: LLHTTP_MODULE }, async (args) => {
      const name = LLHTTP_MODULE.exec(args.path)?.[1] ?? '';
      const base64 = /const wasmBase64 = '([A-Za-z0-9+/=]+)'/.exec(await readFile(args.path, 'utf8'))?.[1];
      const bytes = base64 === undefined ? undefined : Buffer.from(base64, 'base64');
      if (bytes?.subarray(0, 4).toString('latin1') !== '\0asm') {
        throw new Error(`${args.path}: no WebAssembly module in \`const wasmBase64 = '…'\`; undici changed, update tsup.config.ts`);
      }
      const outDir = build.initialOptions.outdir ?? 'dist';
      await mkdir(outDir, { recursive: true });
      await writeFile(join(outDir, `${name}.wasm`), bytes);
      return {
        contents: `'use strict';\nlet bytes;\nObject.defineProperty(module, 'exports', { get: () => (bytes ??= require('node:fs').readFileSync(require('node:path').join(__dirname, ${JSON.stringify(`${name}.wasm`)}))) });\n`,
        loader: 'js',
      };
    });
  },
};

/**
 * In an ES module, `import { x } from 'node:util'` makes Node build the built-in's ES module facade,
 * which reads every export of the built-in once, lazy getters included. On Node 22 and 24 that
 * alone loads `node:net`, `node:worker_threads` and `node:stream` for `node:util`, and WebCrypto for
 * `node:crypto`: more than the whole of `multiplatform/oci` costs otherwise. This rewrites each
 * static import of a built-in in the ESM output into `process.getBuiltinModule()` (Node ≥ 20.16),
 * which returns the built-in's own exports and reads none of them. Only the import line changes,
 * and its line breaks are kept, so the source maps stay right.
 */
const BUILTIN_IMPORT = /^import\s+(?:(\w+)|\{([^}]*)\})\s+from\s+"((?:node:)?[a-z_/]+)";$/gm;
const builtinImportsWithoutFacade: NonNullable<Options['plugins']>[number] = {
  name: 'builtin-imports-without-facade',
  renderChunk(code) {
    if (this.format !== 'esm') return undefined;
    const rewritten = code.replace(BUILTIN_IMPORT, (whole: string, defaultName: string | undefined, named: string | undefined, specifier: string) => {
      // `{ default as x }` names the module itself, which a destructuring would not give: left as it is.
      if (!isBuiltin(specifier) || /\bdefault\b/.test(named ?? '')) return whole;
      const id = JSON.stringify(specifier.startsWith('node:') ? specifier : `node:${specifier}`);
      const binding = defaultName ?? `{${(named ?? '').replace(/\b(\w+)\s+as\s+(\w+)\b/g, '$1: $2')}}`;
      return `const ${binding} = process.getBuiltinModule(${id});`;
    });
    return { code: rewritten };
  },
};

/**
 * The cloud SDKs are optional peer dependencies, loaded with `import()` only for their registries:
 * never bundled, so that the user's installed copy is used and the command does not grow by megabytes.
 */
const cloudSdks = ['@aws-sdk/client-ecr', 'google-auth-library', '@azure/identity'];
/** Every module except the cloud SDKs (and their subpaths). */
const notCloudSdk = /^(?!(?:@aws-sdk\/client-ecr|google-auth-library|@azure\/identity)(?:\/|$))/;

/**
 * Bundled CommonJS code (undici-lite, which requires undici's parts and built-ins) inside an ES
 * module needs a `require`. It is made at its first call: importing `node:module` up front costs
 * every file of every ESM build, including the ones that never require anything.
 */
const esmRequire =
  "let __mpRequire;\nconst require = (id) => (__mpRequire ??= process.getBuiltinModule('node:module').createRequire(import.meta.url))(id);";

/** Leaves `import('./main.js')` of src/cli/bin.ts to Node at run time instead of bundling the command into it. */
const commandEntryOutside: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'command-entry-outside',
  setup(build) {
    build.onResolve({ filter: /^\.\/main\.js$/ }, (args) => (args.importer.endsWith('bin.ts') ? { path: './main.js', external: true } : undefined));
  },
};

const library: Options = {
  entry: { index: 'src/index.ts', 'oci/index': 'src/oci/index.ts', 'registry/index': 'src/registry/index.ts' },
  sourcemap: true,
  target: 'node20',
  // Resolving and loading hundreds of small files of undici was most of the import's time: it is
  // bundled (through undici-lite, into undici-parts.cjs). TypeBox is not loaded at run time at all:
  // the schema checks are generated (scripts/generate-validators.mjs). The optional cloud SDK peers
  // stay external, imported lazily.
  noExternal: ['undici'],
  external: cloudSdks,
  esbuildPlugins: [undiciLite('./undici-parts.cjs')],
  plugins: [builtinImportsWithoutFacade],
};

export default defineConfig([
  { ...library, format: ['esm'], dts: true, clean: true, banner: { js: esmRequire } },
  { ...library, format: ['cjs'], dts: true, clean: false },
  {
    entry: { main: 'src/cli/main.ts' },
    outDir: 'dist/cli',
    format: ['esm'],
    // Node reads, decodes and parses every byte of the command's chunks at each run (Node 20 keeps no
    // compiled code of ES modules between runs): without whitespace and with shorter syntax they are
    // ≈ 28% smaller. Names are kept, so stack traces stay readable; the source maps map back.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: true,
    clean: false,
    target: 'node20',
    // The command is one self-contained bundle: resolving and loading hundreds of small files from
    // node_modules was most of its start-up time.
    noExternal: [notCloudSdk],
    external: cloudSdks,
    esbuildPlugins: [undiciLite('../undici-parts.cjs')],
    plugins: [builtinImportsWithoutFacade],
    banner: { js: `#!/usr/bin/env node\n${esmRequire}` },
  },
  {
    // The command's first file (see src/cli/bin.ts): CommonJS, so that `--version` is answered
    // without Node's ES module loader; main.js, an ES module, stays outside it, imported as it is.
    entry: { bin: 'src/cli/bin.ts' },
    outDir: 'dist/cli',
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    sourcemap: false,
    clean: false,
    target: 'node20',
    esbuildPlugins: [commandEntryOutside],
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // undici's parts, required by undici-lite at the first request of the library and of the command.
    entry: { 'undici-parts': 'src/transport/undici-parts.cjs' },
    format: ['cjs'],
    sourcemap: true,
    clean: false,
    target: 'node20',
    noExternal: ['undici'],
    esbuildPlugins: [undiciLazyBuiltins, undiciWasmFiles],
  },
]);
