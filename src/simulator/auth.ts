import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseSdkDate, sign, SDK_DATE_HEADER, SIGNING_ALGORITHM } from '../client/auth/signer.js';
import { assertNonEmptyString } from '../validation/strings.js';
import { Lockout } from './lockout.js';
import { assertList, assertOptions } from '../validation/options.js';
import type { AccessKeyAuth, SimulatorAuth, TokenAuth } from './options.js';
import type { RequestTarget } from './request-target.js';

/** What the gateway looks at to authenticate a request as it arrives (the client's side is `AuthRequest`). */
export interface IncomingAuth {
  readonly method: string;
  readonly target: RequestTarget;
  /** Header names are lower-case, as Node delivers them. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
}

/** The gateway's check of a request's credentials (the client's side, which adds them, is `Authenticator`). */
export interface CredentialVerifier {
  /** Why the request is refused, or `undefined` to let it through. */
  check(request: IncomingAuth, serverNow: number): string | undefined;
}

const SECURITY_TOKEN_HEADER = 'x-security-token';
const AUTHORIZATION = new RegExp(`^${SIGNING_ALGORITHM} Access=([^,\\s]+), ?SignedHeaders=([^,\\s]+), ?Signature=([0-9a-fA-F]+)$`);

/**
 * Builds the gateway's verifier for `auth`; `maxSkew` (ms) bounds `X-Sdk-Date`.
 * @throws {TypeError} when `auth` is malformed.
 */
export function createVerifier(auth: SimulatorAuth, maxSkew: number): CredentialVerifier {
  if (typeof auth === 'object' && auth !== null && 'tokens' in auth) return tokenVerifier(auth);
  assertOptions('auth', auth, ['accessKey', 'secretKey', 'securityToken']);
  assertNonEmptyString('auth.accessKey', auth.accessKey);
  assertNonEmptyString('auth.secretKey', auth.secretKey);
  if (auth.securityToken !== undefined) assertNonEmptyString('auth.securityToken', auth.securityToken);
  return new SignatureVerifier(auth, maxSkew);
}

function tokenVerifier(auth: TokenAuth): CredentialVerifier {
  assertOptions('auth', auth, ['tokens']);
  assertList('auth.tokens', auth.tokens);
  auth.tokens.forEach((token, index) => assertNonEmptyString(`auth.tokens[${index}]`, token));
  const tokens = new Set(auth.tokens);
  return {
    check: ({ headers }) => {
      const token = headers['x-auth-token'];
      if (token === undefined) return 'X-Auth-Token is missing';
      return typeof token === 'string' && tokens.has(token) ? undefined : 'X-Auth-Token is invalid or expired';
    },
  };
}

/** Verifies `SDK-HMAC-SHA256` signatures with the client's own signer, and locks keys that fail too often. */
class SignatureVerifier implements CredentialVerifier {
  readonly #keys: AccessKeyAuth;
  readonly #maxSkew: number;
  readonly #lockout = new Lockout();

  constructor(keys: AccessKeyAuth, maxSkew: number) {
    this.#keys = keys;
    this.#maxSkew = maxSkew;
  }

  check(request: IncomingAuth, serverNow: number): string | undefined {
    const match = AUTHORIZATION.exec(headerValue(request.headers, 'authorization') ?? '');
    if (!match) return 'Authorization header is missing or malformed';
    const [, accessKey = '', signedList = '', signature = ''] = match;
    if (accessKey !== this.#keys.accessKey) return 'unknown access key';
    if (this.#lockout.isLocked(accessKey, serverNow)) return 'access key locked after repeated signature failures';
    const signed = signedList.toLowerCase().split(';');
    const problem = this.#checkDate(request.headers, signed, serverNow) ?? this.#checkToken(request.headers, signed);
    if (problem !== undefined) return problem;
    const expected = this.#expectedSignature(request, signed);
    if (expected === undefined) return 'a signed header is missing';
    if (sameHex(expected, signature)) return undefined;
    this.#lockout.fail(accessKey, serverNow);
    return 'signature mismatch';
  }

  #checkDate(headers: IncomingHttpHeaders, signed: readonly string[], serverNow: number): string | undefined {
    const date = parseSdkDate(headerValue(headers, SDK_DATE_HEADER) ?? '');
    if (date === undefined) return 'X-Sdk-Date is missing or malformed';
    if (!signed.includes(SDK_DATE_HEADER)) return 'X-Sdk-Date is not signed';
    if (Math.abs(date - serverNow) > this.#maxSkew) return 'request expired: X-Sdk-Date is too far from server time';
    return undefined;
  }

  #checkToken(headers: IncomingHttpHeaders, signed: readonly string[]): string | undefined {
    if (this.#keys.securityToken === undefined) return undefined;
    if (headerValue(headers, SECURITY_TOKEN_HEADER) !== this.#keys.securityToken) return 'X-Security-Token is missing or invalid';
    return signed.includes(SECURITY_TOKEN_HEADER) ? undefined : 'X-Security-Token is not signed';
  }

  /** Re-signs the request as received; `undefined` when a header it claims to sign is absent. */
  #expectedSignature(request: IncomingAuth, signed: readonly string[]): string | undefined {
    const headers: Record<string, string> = {};
    for (const name of signed) {
      const value = headerValue(request.headers, name);
      if (value === undefined) return undefined;
      headers[name] = value;
    }
    const path = request.target.path ?? request.target.rawPath;
    const { method, target, body } = request;
    return sign({ method, path, query: target.query, headers, body }, this.#keys.secretKey).signature;
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Constant-time comparison, so response timing does not leak the expected signature. */
function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected.toLowerCase());
  const b = Buffer.from(given.toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b);
}
