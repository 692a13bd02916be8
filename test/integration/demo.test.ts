import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the README main job (npm run demo)', () => {
  it('pushes three per-platform images, composes the list and prints it in mquery form', async () => {
    // The test command builds dist/ before vitest runs; the demo imports the built package by name.
    const { stdout } = await run(process.execPath, ['examples/demo.mjs'], { timeout: 60_000 });
    const digest = /Digest: (sha256:[a-f0-9]{64}) \d+/.exec(stdout)?.[1];
    expect(digest).toBeDefined();
    expect(stdout).toMatch(/Image: 127\.0\.0\.1:\d+\/magnuslarsson\/quotes:24-go\n \* Manifest List: Yes\n \* Supported platforms:\n {3}- linux\/amd64\n {3}- linux\/arm64\/v8\n {3}- windows\/amd64:10\.0\.17763\.1234\n/);
    // Same input, same bytes: a second run gives the same index digest.
    const again = await run(process.execPath, ['examples/demo.mjs'], { timeout: 60_000 });
    expect(again.stdout).toContain(`Digest: ${digest}`);
  });
});
