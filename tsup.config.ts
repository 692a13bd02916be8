import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

/**
 * `undici` resolves to src/transport/undici-lite.cjs, which loads only the agent, proxy agent and
 * request parts of undici: its entry point loads fetch, WebSocket, EventSource, caches and mocks
 * eagerly, none of which the client uses (they were most of the import's cost).
 */
const undiciLite: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'undici-lite',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: resolve('src/transport/undici-lite.cjs') }));
  },
};

/**
 * The cloud SDKs are optional peer dependencies, loaded with `import()` only for their registries:
 * never bundled, so that the user's installed copy is used and the command does not grow by megabytes.
 */
const cloudSdks = ['@aws-sdk/client-ecr', 'google-auth-library', '@azure/identity'];
/** Every module except the cloud SDKs (and their subpaths). */
const notCloudSdk = /^(?!(?:@aws-sdk\/client-ecr|google-auth-library|@azure\/identity)(?:\/|$))/;

/** Bundled CommonJS code (undici's parts) inside an ES module needs a real `require`. */
const esmRequire = "import { createRequire as __mpCreateRequire } from 'node:module';\nconst require = __mpCreateRequire(import.meta.url);";

const library: Options = {
  entry: { index: 'src/index.ts', 'oci/index': 'src/oci/index.ts', 'registry/index': 'src/registry/index.ts' },
  sourcemap: true,
  target: 'node20',
  // Resolving and loading hundreds of small files of undici was most of the import's time: it is
  // bundled (through undici-lite), and p-retry is ESM-only, so the CommonJS build must carry it
  // anyway. TypeBox is not loaded at run time at all: the schema checks are generated
  // (scripts/generate-validators.mjs). The optional cloud SDK peers stay external, imported lazily.
  noExternal: ['p-retry', 'is-network-error', 'undici'],
  external: cloudSdks,
  esbuildPlugins: [undiciLite],
};

export default defineConfig([
  { ...library, format: ['esm'], dts: true, clean: true, banner: { js: esmRequire } },
  { ...library, format: ['cjs'], dts: true, clean: false },
  {
    entry: { main: 'src/cli/main.ts' },
    outDir: 'dist/cli',
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'node20',
    // The command is one self-contained bundle: resolving and loading hundreds of small files from
    // node_modules was most of its start-up time.
    noExternal: [notCloudSdk],
    external: cloudSdks,
    esbuildPlugins: [undiciLite],
    banner: { js: `#!/usr/bin/env node\n${esmRequire}` },
  },
]);
