import { ApiError } from './api-error.js';
import type { RegistryContext } from './context.js';
import { deleteBlob, getBlob } from './handlers/blobs.js';
import { listReferrers, listRepositories, listTags } from './handlers/listing.js';
import { deleteManifest, getManifest, putManifest } from './handlers/manifests.js';
import { cancelUpload, getUploadStatus, patchUpload, putUpload, startUpload } from './handlers/uploads.js';
import { sendJson, type Exchange } from './http-io.js';
import type { Route } from './router.js';

/** Runs the handler of an authorised request to a registry endpoint (`/v2/...`). */
export async function dispatch(ctx: RegistryContext, ex: Exchange, route: Route): Promise<void> {
  const { method } = ex;
  switch (route.kind) {
    case 'base':
      return sendJson(ex, 200, {});
    case 'catalog':
      return listRepositories(ctx, ex);
    case 'blob':
      return method === 'DELETE' ? deleteBlob(ctx, ex, route.name, route.digest) : getBlob(ctx, ex, route.name, route.digest);
    case 'upload-start':
      return startUpload(ctx, ex, route.name);
    case 'upload':
      if (method === 'PATCH') return patchUpload(ctx, ex, route.name, route.id);
      if (method === 'PUT') return putUpload(ctx, ex, route.name, route.id);
      if (method === 'DELETE') return cancelUpload(ctx, ex, route.name, route.id);
      return getUploadStatus(ctx, ex, route.name, route.id);
    case 'manifest':
      if (method === 'PUT') return putManifest(ctx, ex, route.name, route.reference);
      if (method === 'DELETE') return deleteManifest(ctx, ex, route.name, route.reference);
      return getManifest(ctx, ex, route.name, route.reference);
    case 'tags':
      return listTags(ctx, ex, route.name);
    case 'referrers':
      return listReferrers(ctx, ex, route.name, route.digest);
    case 'token':
    case 'unknown':
      throw ApiError.of(404, 'UNSUPPORTED', `no such endpoint: ${ex.path.slice(0, 200)}`);
  }
}
