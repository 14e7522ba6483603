import { CredentialsError } from '../../errors/credentials-error.js';
import type { Credentials, TokenProvider } from './credentials.js';
import { authorization, formatSdkDate, SDK_DATE_HEADER } from './signer.js';

/** What an authenticator needs to know about a request. */
export interface AuthRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Server time (local clock corrected by the learned offset), in ms. */
  readonly serverNow: number;
}

/** The headers to add, plus what {@link Authenticator.retryAfterUnauthorized} needs later. */
export interface AuthResult {
  readonly headers: Record<string, string>;
  /** Opaque marker of the credential generation used (token value id, signing time). */
  readonly stamp: number;
}

/** Adds authentication headers and decides whether a 401 is worth one retry. */
export interface Authenticator {
  authorize(request: AuthRequest): Promise<AuthResult> | AuthResult;
  /**
   * Called once per request after a 401. Returns true when retrying with fresh
   * credentials may succeed (a refreshed token, a corrected signing clock).
   */
  retryAfterUnauthorized(stamp: number, serverNow: number): Promise<boolean> | boolean;
}

/** A signature that was off by more than this from the server's clock deserves a retry with the corrected clock. */
const SKEW_WORTH_RETRYING = 60_000;

/** Creates the authenticator for `credentials`. */
export function createAuthenticator(credentials: Credentials): Authenticator {
  if (credentials === 'none') return { authorize: () => ({ headers: {}, stamp: 0 }), retryAfterUnauthorized: () => false };
  if ('token' in credentials) {
    const { token } = credentials;
    return typeof token === 'string' ? staticToken(token) : new RefreshingToken(token);
  }
  return accessKeySigner(credentials.accessKey, credentials.secretKey, credentials.securityToken);
}

function staticToken(token: string): Authenticator {
  return { authorize: () => ({ headers: { 'x-auth-token': token }, stamp: 0 }), retryAfterUnauthorized: () => false };
}

function accessKeySigner(accessKey: string, secretKey: string, securityToken?: string): Authenticator {
  return {
    authorize({ method, path, headers, serverNow }) {
      const signed: Record<string, string> = { ...headers, [SDK_DATE_HEADER]: formatSdkDate(serverNow) };
      if (securityToken !== undefined) signed['x-security-token'] = securityToken;
      signed['authorization'] = authorization({ method, path, headers: signed }, { accessKey, secretKey });
      return { headers: signed, stamp: serverNow };
    },
    // A bad key must not be retried (five bad signatures lock it); a signature
    // made on a clock we have since learned was wrong may be.
    retryAfterUnauthorized: (signedAt, serverNow) => Math.abs(serverNow - signedAt) > SKEW_WORTH_RETRYING,
  };
}

/**
 * Calls the provider lazily, caches the token, and refreshes it at most once per
 * refused generation: concurrent 401s for the same token share one refresh.
 */
class RefreshingToken implements Authenticator {
  readonly #provider: TokenProvider;
  #token: Promise<string> | undefined;
  #generation = 0;

  constructor(provider: TokenProvider) {
    this.#provider = provider;
  }

  async authorize(): Promise<AuthResult> {
    this.#token ??= this.#fetch(false);
    const generation = this.#generation;
    return { headers: { 'x-auth-token': await this.#token }, stamp: generation };
  }

  retryAfterUnauthorized(stamp: number): boolean {
    // Someone already refreshed past the refused token: just retry with the new one.
    if (stamp === this.#generation) this.#token = this.#fetch(true);
    return true;
  }

  #fetch(refresh: boolean): Promise<string> {
    this.#generation += 1;
    const token = this.#call(refresh);
    // A failed fetch must not poison later requests: the next call asks again.
    token.catch(() => {
      if (this.#token === token) this.#token = undefined;
    });
    return token;
  }

  async #call(refresh: boolean): Promise<string> {
    let value: unknown;
    try {
      value = await this.#provider({ refresh });
    } catch (error) {
      throw new CredentialsError(error);
    }
    if (typeof value !== 'string' || value === '') throw new CredentialsError(new TypeError('the token provider returned no token'));
    return value;
  }
}
