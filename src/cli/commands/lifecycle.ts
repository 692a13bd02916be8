import type { CliIo } from '../io.js';
import type { LifecycleCommand } from './operands.js';

/** Runs `create`, `index add|replace|remove`, `tag`, `untag`, `ls` or `digest` (by its command words); resolves to the exit status. */
export async function runLifecycle(path: readonly string[], command: LifecycleCommand, io: CliIo): Promise<number> {
  const [first, second] = path;
  switch (first) {
    case 'create':
      return (await import('./create.js')).runCreate(command, io);
    case 'index':
      return (await import('./index-edit.js')).runIndexEdit(second as 'add' | 'replace' | 'remove', command, io);
    case 'tag':
      return (await import('./tags.js')).runTag(command, io);
    case 'untag':
      return (await import('./tags.js')).runUntag(command, io);
    case 'ls':
      return (await import('./tags.js')).runLs(command, io);
    case 'digest':
      return (await import('./digest.js')).runDigest(command, io);
    default:
      throw new Error(`${path.join(' ')} is not an index-lifecycle command`);
  }
}
