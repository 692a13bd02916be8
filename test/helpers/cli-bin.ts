import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** The file package.json's `bin` names (`dist/cli/bin.cjs`): the command as users run it. */
export const CLI_BIN = resolve(ROOT, (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { bin: { multiplatform: string } }).bin.multiplatform);
