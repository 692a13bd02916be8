import { describe, expect, it } from 'vitest';
import { codeCachePath } from '../../src/cli/code-cache.js';

describe('where the CLI keeps its code cache', () => {
  it('uses an absolute XDG_CACHE_HOME, else ~/.cache', () => {
    expect(codeCachePath('/pkg/dist/undici-parts.cjs', 'x', { XDG_CACHE_HOME: '/var/cache/u', HOME: '/home/u' })).toMatch(/^\/var\/cache\/u\/multiplatform\//);
    expect(codeCachePath('/pkg/dist/undici-parts.cjs', 'x', { HOME: '/home/u' })).toMatch(/^\/home\/u\/\.cache\/multiplatform\//);
  });

  it('ignores a relative XDG_CACHE_HOME (as the XDG spec says) and a relative HOME, never writing under the working directory', () => {
    expect(codeCachePath('/pkg/dist/undici-parts.cjs', 'x', { XDG_CACHE_HOME: 'cache', HOME: '/home/u' })).toMatch(/^\/home\/u\/\.cache\/multiplatform\//);
    expect(codeCachePath('/pkg/dist/undici-parts.cjs', 'x', { XDG_CACHE_HOME: 'cache', HOME: 'home' })).toBeUndefined();
    expect(codeCachePath('/pkg/dist/undici-parts.cjs', 'x', {})).toBeUndefined();
  });
});
