/**
 * `multiplatform/registry`: an OCI distribution-spec registry that runs inside Node.js, for tests and demos.
 * @packageDocumentation
 */
export { createRegistryHandler } from './handler.js';
export { startRegistry } from './server.js';
export { startBlobMirror, type BlobMirror, type MirrorRequest } from './mirror.js';
export { serveRegistry, type ServeRegistryIo, type ServeRegistryOptions } from './serve.js';
export type { Fault, FaultInjector } from './faults/faults.js';
export type { RegistryHandler, RegistryHandlerOptions, RegistryOptions, RegistryStats, RunningRegistry } from './types.js';
export { randomImage, type ImageBlob, type ImageLayer, type ImagePlatform, type LayerContent, type RandomImageOptions, type TestImage } from './test-images/random-image.js';
export { pushImage, type ImagePushClient } from './test-images/push-image.js';
export type { LayerFile } from './test-images/tar.js';
export { PROFILE_NAMES, type ProfileName, type ProfileOption, type ProfileSettings } from './faults/profiles/index.js';
