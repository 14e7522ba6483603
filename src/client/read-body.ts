import { ResponseTooLargeError } from '../errors/invalid-response-error.js';

/** The parts of undici's response body this reader uses. */
export interface BodyStream extends AsyncIterable<Uint8Array> {
  text(): Promise<string>;
  destroy(error?: Error): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Reads a body as UTF-8 text, refusing more than `limit` bytes: a declared
 * `Content-Length` over the cap fails before reading, an undeclared one as soon
 * as the cap is crossed, so a hostile or broken server cannot exhaust memory.
 */
export async function readCapped(body: BodyStream, limit: number, contentLength: string | undefined): Promise<string> {
  if (contentLength !== undefined && Number(contentLength) > limit) throw abandon(body, limit);
  // A declared length within the cap is all HTTP framing lets through: undici's own reader is faster.
  if (contentLength !== undefined && contentLength !== '') return body.text();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw abandon(body, limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Stops reading and closes the connection; the stream's own abort error is expected, not a crash. */
function abandon(body: BodyStream, limit: number): ResponseTooLargeError {
  const error = new ResponseTooLargeError(limit);
  body.on('error', () => undefined);
  body.destroy(error);
  return error;
}
