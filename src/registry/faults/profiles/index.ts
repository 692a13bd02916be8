import { ValidationError } from '../../../errors.js';
import { acrProfile } from './acr.js';
import { artifactoryProfile } from './artifactory.js';
import type { ProfileSettings, RegistryProfile } from './behaviour.js';
import { dockerHubProfile } from './dockerhub.js';
import { ecrProfile } from './ecr.js';
import { garProfile } from './gar.js';
import { ghcrProfile } from './ghcr.js';
import { harborProfile } from './harbor.js';
import { quayProfile } from './quay.js';

/** Every behaviour profile, by name. */
export const PROFILES = {
  ecr: ecrProfile,
  ghcr: ghcrProfile,
  dockerhub: dockerHubProfile,
  gar: garProfile,
  acr: acrProfile,
  quay: quayProfile,
  harbor: harborProfile,
  artifactory: artifactoryProfile,
} as const satisfies Record<string, RegistryProfile>;

/** The name of a behaviour profile: the real registry whose documented quirks the embedded registry reproduces. */
export type ProfileName = keyof typeof PROFILES;

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

/** A profile by name, or with its settings. */
export type ProfileOption = ProfileName | ({ name: ProfileName } & ProfileSettings);

/** The profile and settings an option names; throws {@link ValidationError} naming `caller` for anything else. */
export function resolveProfile(option: ProfileOption, caller: string): { profile: RegistryProfile; settings: ProfileSettings } {
  const { name, ...settings } = typeof option === 'string' ? { name: option } : (option ?? ({} as { name?: unknown }));
  if (typeof name !== 'string' || !Object.hasOwn(PROFILES, name)) {
    throw new ValidationError(`${caller}: profile must be one of ${PROFILE_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
  const { repositories, pullLimit } = settings as ProfileSettings;
  if (repositories !== undefined && !(Array.isArray(repositories) && repositories.every((r) => typeof r === 'string'))) {
    throw new ValidationError(`${caller}: profile.repositories must be an array of repository names`);
  }
  if (pullLimit !== undefined && !(Number.isSafeInteger(pullLimit) && pullLimit >= 0)) {
    throw new ValidationError(`${caller}: profile.pullLimit must be a non-negative integer, got ${String(pullLimit)}`);
  }
  return { profile: PROFILES[name as ProfileName], settings: { repositories, pullLimit } };
}

export type { ProfileRequest, ProfileSettings, RegistryBehaviour, RegistryProfile, TagPaging } from './behaviour.js';
