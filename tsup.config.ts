import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

/** In the CLI bundle only, `undici` is the slim entry point of src/cli/undici-lite.cjs. */
const undiciLite: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'undici-lite',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: resolve('src/cli/undici-lite.cjs') }));
  },
};

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
    noExternal: [/.*/],
    esbuildPlugins: [undiciLite],
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __mpCreateRequire } from 'node:module';\nconst require = __mpCreateRequire(import.meta.url);",
    },
  },
]);
