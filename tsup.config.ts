import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

/** In the CLI bundle only, `undici` is the slim entry point of src/cli/undici-lite.cjs. */
const undiciLite: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'undici-lite',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: resolve('src/cli/undici-lite.cjs') }));
  },
};

/**
 * The cloud SDKs are optional peer dependencies, loaded with `import()` only for their registries:
 * never bundled, so that the user's installed copy is used and the command does not grow by megabytes.
 */
const cloudSdks = ['@aws-sdk/client-ecr', 'google-auth-library', '@azure/identity'];
/** Every module except the cloud SDKs (and their subpaths). */
const notCloudSdk = /^(?!(?:@aws-sdk\/client-ecr|google-auth-library|@azure\/identity)(?:\/|$))/;

export default defineConfig([
  {
    entry: { index: 'src/index.ts', 'oci/index': 'src/oci/index.ts', 'registry/index': 'src/registry/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    // p-retry (and its is-network-error dependency) is ESM-only; bundle it so the CJS build can require it.
    noExternal: ['p-retry', 'is-network-error'],
    external: cloudSdks,
  },
  {
    entry: { main: 'src/cli/main.ts' },
    outDir: 'dist/cli',
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'node20',
    // The command is one self-contained bundle: resolving and loading hundreds of small files from
    // node_modules was most of its start-up time. Bundled CommonJS code gets a real `require`.
    noExternal: [notCloudSdk],
    external: cloudSdks,
    esbuildPlugins: [undiciLite],
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __mpCreateRequire } from 'node:module';\nconst require = __mpCreateRequire(import.meta.url);",
    },
  },
]);
