import { isDigest, type Digest } from '../../oci/digest.js';
import { isRepositoryName, isTag } from '../../oci/grammar.js';

/** What the registry remembers about a manifest it accepted, enough to answer GET/HEAD and the referrers API without re-reading it. */
export interface ManifestRecord {
  digest: Digest;
  mediaType: string;
  size: number;
  /** Digest of the manifest's `subject`, when it has one. */
  subject?: Digest;
  /** The `artifactType` reported by the referrers API. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** One repository: the blobs pushed or mounted into it, its manifests (in push order) and its tags. */
export class Repository {
  readonly blobs = new Set<Digest>();
  readonly manifests = new Map<Digest, ManifestRecord>();
  readonly tags = new Map<string, Digest>();

  /** True when this repository refers to `digest` as a blob or a manifest. */
  references(digest: Digest): boolean {
    return this.blobs.has(digest) || this.manifests.has(digest);
  }

  /** Removes a manifest and every tag pointing at it; returns the tags removed. */
  deleteManifest(digest: Digest): string[] {
    this.manifests.delete(digest);
    const removed: string[] = [];
    for (const [tag, target] of this.tags) {
      if (target === digest) {
        this.tags.delete(tag);
        removed.push(tag);
      }
    }
    return removed;
  }
}

/** The serialised form written to `repositories.json`. */
interface StateFile {
  version: 1;
  repositories: Record<string, { blobs: string[]; manifests: ManifestRecord[]; tags: Record<string, string> }>;
}

/** Every repository of the registry. A repository exists from the first blob, mount or manifest pushed into it. */
export class RegistryState {
  private readonly repositories = new Map<string, Repository>();

  get(name: string): Repository | undefined {
    return this.repositories.get(name);
  }

  getOrCreate(name: string): Repository {
    let repository = this.repositories.get(name);
    if (!repository) {
      repository = new Repository();
      this.repositories.set(name, repository);
    }
    return repository;
  }

  /** Repository names in ASCII order. */
  names(): string[] {
    return [...this.repositories.keys()].sort(compareAscii);
  }

  /** True when any repository still refers to `digest`, i.e. its bytes must be kept. */
  isReferenced(digest: Digest): boolean {
    for (const repository of this.repositories.values()) if (repository.references(digest)) return true;
    return false;
  }

  toJSON(): StateFile {
    const repositories: StateFile['repositories'] = {};
    for (const [name, repository] of this.repositories) {
      repositories[name] = {
        blobs: [...repository.blobs],
        manifests: [...repository.manifests.values()],
        tags: Object.fromEntries(repository.tags),
      };
    }
    return { version: 1, repositories };
  }

  /** Rebuilds state from {@link toJSON} output; throws with the reason when the document is not one. */
  static fromJSON(value: unknown): RegistryState {
    const state = new RegistryState();
    const file = value as Partial<StateFile> | null;
    if (!file || typeof file !== 'object' || file.version !== 1 || typeof file.repositories !== 'object' || !file.repositories) {
      throw new Error('not a repositories.json written by this registry (version 1)');
    }
    for (const [name, saved] of Object.entries(file.repositories)) {
      if (!isRepositoryName(name)) throw new Error(`invalid repository name ${JSON.stringify(name)}`);
      const repository = state.getOrCreate(name);
      for (const digest of saved.blobs ?? []) {
        if (!isDigest(digest)) throw new Error(`${name}: invalid blob digest ${JSON.stringify(digest)}`);
        repository.blobs.add(digest);
      }
      for (const record of saved.manifests ?? []) {
        if (!record || !isDigest(record.digest) || typeof record.mediaType !== 'string' || !Number.isSafeInteger(record.size)) {
          throw new Error(`${name}: invalid manifest record`);
        }
        repository.manifests.set(record.digest, record);
      }
      for (const [tag, digest] of Object.entries(saved.tags ?? {})) {
        if (!isTag(tag) || !isDigest(digest) || !repository.manifests.has(digest)) {
          throw new Error(`${name}: invalid tag ${JSON.stringify(tag)}`);
        }
        repository.tags.set(tag, digest);
      }
    }
    return state;
  }
}

/** Byte-wise ("ASCIIbetical") order, as Go's sort.Strings, which the spec names for tag lists. */
export function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
