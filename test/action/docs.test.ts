import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}

/** Every step of a ```yaml block: a whole workflow's jobs, or a list of steps shown alone. */
function stepsOf(document: unknown): Step[] {
  if (Array.isArray(document)) return document as Step[];
  const jobs = (document as { jobs?: Record<string, { steps?: Step[] }> }).jobs ?? {};
  return Object.values(jobs).flatMap((job) => job.steps ?? []);
}

describe('docs/github-actions.md', () => {
  it('has workflows that parse, and uses the action only with the inputs action.yml declares', async () => {
    const page = await readFile(resolve(root, 'docs/github-actions.md'), 'utf8');
    const declared = Object.keys((parse(await readFile(resolve(root, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);
    const blocks = [...page.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
    const ours = blocks.flatMap((block) => stepsOf(parse(block))).filter((step) => step.uses?.startsWith('OWNER/multiplatform@'));
    expect(ours.length).toBeGreaterThanOrEqual(3);
    for (const step of ours) {
      expect(Object.keys(step.with ?? {}).filter((input) => !declared.includes(input))).toEqual([]);
      expect(step.with).toHaveProperty('tags');
      expect(step.with).toHaveProperty('sources');
    }
    const table = [...page.matchAll(/^\| `([a-z-]+)` \| (?:yes|no) \|/gm)].map((match) => match[1]);
    expect(table.sort()).toEqual([...declared].sort());
  });
});
