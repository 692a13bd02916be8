import { readBody, sendJson, type Exchange } from '../http-io.js';

const MAX_FORM_BYTES = 64 * 1024;

/** Reads an `application/x-www-form-urlencoded` body; answers 413 and resolves undefined when it is too large. */
export async function readForm(ex: Exchange): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  const { sinkError } = await readBody(ex.req, (chunk) => {
    size += chunk.byteLength;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk);
  });
  if (sinkError) {
    await oauthError(ex, 413, 'invalid_request', `request body exceeds the ${MAX_FORM_BYTES}-byte limit`);
    return undefined;
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** An OAuth2 error answer (`{ error, error_description }`). */
export async function oauthError(ex: Exchange, status: number, error: string, description: string): Promise<void> {
  await sendJson(ex, status, { error, error_description: description });
}
