import { createRequire } from 'node:module';

/** The request shape the official SDK's `AKSKSigner.sign` reads. */
export interface OfficialRequest {
  method: string;
  /** Full URL; the SDK takes only the path from it (via legacy `url.parse`). */
  endpoint: string;
  queryParams: Record<string, string | string[]>;
  headers: Record<string, string>;
  data?: unknown;
}

/** The parts of `@huaweicloud/huaweicloud-sdk-core`'s `AKSKSigner` the tests compare with. */
export interface OfficialSigner {
  sign(request: OfficialRequest, credential: { getAk(): string; getSk(): string }): Record<string, string>;
  CanonicalURI(path: string): string;
  buildCanonicalHeaders(headers: Record<string, string>): string;
}

// The SDK is CommonJS; its AKSKSigner module logs nothing, so there is no logger to silence.
const require = createRequire(import.meta.url);

/** The official Node SDK's signer (a devDependency, for cross-checks only). */
export const AKSKSigner = (require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as { AKSKSigner: OfficialSigner }).AKSKSigner;
