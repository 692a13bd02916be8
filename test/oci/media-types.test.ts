import { describe, expect, it } from 'vitest';
import { MediaType, mediaTypeFamily } from '../../src/oci/media-types.js';

describe('mediaTypeFamily', () => {
  it('names the family of a media type', () => {
    expect(mediaTypeFamily(MediaType.DockerManifest)).toBe('docker');
    expect(mediaTypeFamily(MediaType.DockerManifestList)).toBe('docker');
    expect(mediaTypeFamily(MediaType.OciManifest)).toBe('oci');
    expect(mediaTypeFamily('application/vnd.example.artifact')).toBe('oci');
  });
});
