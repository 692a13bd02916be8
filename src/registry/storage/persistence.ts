import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../errors.js';
import { RegistryState } from './state.js';

/** Where the registry state lives between runs. */
export interface StatePersistence {
  load(): Promise<RegistryState>;
  /** Resolves once a snapshot taken after this call is stored. */
  save(state: RegistryState): Promise<void>;
}

/** No persistence: state lives as long as the process. */
export const memoryPersistence: StatePersistence = {
  load: async () => new RegistryState(),
  save: async () => {},
};

/**
 * Keeps the state in `<dir>/repositories.json`, replaced atomically (write a temp file, rename).
 * Writes are serialised, and saves requested while one is waiting share the next write.
 */
export class FilePersistence implements StatePersistence {
  private lastWrite: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  private get file(): string {
    return join(this.dir, 'repositories.json');
  }

  async load(): Promise<RegistryState> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new RegistryState();
      throw e;
    }
    try {
      return RegistryState.fromJSON(JSON.parse(text));
    } catch (e) {
      throw new ValidationError(`registry storage ${this.file} is unreadable: ${(e as Error).message}`);
    }
  }

  save(state: RegistryState): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.lastWrite.then(async () => {
      this.queued = undefined;
      await this.write(state);
    });
    this.queued = next;
    this.lastWrite = next.catch(() => {});
    return next;
  }

  private async write(state: RegistryState): Promise<void> {
    const tmpDir = join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const temp = join(tmpDir, `state-${randomUUID()}`);
    await writeFile(temp, JSON.stringify(state.toJSON()));
    await rename(temp, this.file);
  }
}
