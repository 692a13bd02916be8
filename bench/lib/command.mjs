/** The `multiplatform` command as users run it: the file package.json's `bin` names. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The bin path relative to the package root, e.g. `dist/cli/bin.cjs`. */
export const CLI_RELATIVE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin.multiplatform.replace(/^\.\//, '');

/** The bin's absolute path. */
export const CLI_PATH = join(ROOT, CLI_RELATIVE);
