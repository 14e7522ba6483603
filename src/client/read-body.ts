import { ResponseTooLargeError } from '../errors/invalid-response-error.js';

/** The parts of undici's response body this reader uses. */
export interface BodyStream extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
}

/**
 * Reads a body as UTF-8 text, refusing more than `limit` bytes: a declared
 * `Content-Length` over the cap fails before reading, an undeclared one as soon
 * as the cap is crossed, so a hostile or broken server cannot exhaust memory.
 */
export async function readCapped(body: BodyStream, limit: number, contentLength: string | undefined): Promise<string> {
  if (contentLength !== undefined && Number(contentLength) > limit) {
    body.destroy();
    throw new ResponseTooLargeError(limit);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      body.destroy();
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
