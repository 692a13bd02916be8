/**
 * The credential-related part of Docker's config.json, written once with TypeBox. Not loaded at run
 * time: `node scripts/generate-validators.mjs` turns it into checking code
 * (docker-config-check.generated.ts); docker-config.ts takes only the type from here.
 */
import { Type, type Static } from '@sinclair/typebox';

const AuthEntrySchema = Type.Object({
  auth: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  identitytoken: Type.Optional(Type.String()),
  registrytoken: Type.Optional(Type.String()),
});

/** The credential-related part of Docker's config.json; unknown keys are allowed. */
export const DockerConfigSchema = Type.Object({
  auths: Type.Optional(Type.Record(Type.String(), AuthEntrySchema)),
  credsStore: Type.Optional(Type.String()),
  credHelpers: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type DockerConfigJson = Static<typeof DockerConfigSchema>;
