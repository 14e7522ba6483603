/** Permanent or temporary AK/SK credentials, signed with `SDK-HMAC-SHA256`. */
export interface AccessKeyCredentials {
  /** Access key id (AK). */
  readonly accessKey: string;
  /** Secret access key (SK). Never sent, logged or put into errors: it only keys the HMAC. */
  readonly secretKey: string;
  /** Security token of temporary credentials; sent (and signed) as `X-Security-Token`. */
  readonly securityToken?: string;
}

/** Context a {@link TokenProvider} is called with. */
export interface TokenRequest {
  /** True when the previous token was just refused with HTTP 401: fetch a new one, do not return a cached one. */
  readonly refresh: boolean;
}

/** Returns an IAM token; called once at first use and again, once, after a 401. */
export type TokenProvider = (request: TokenRequest) => string | Promise<string>;

/** IAM token authentication (`X-Auth-Token`), static or from a provider. */
export interface TokenCredentials {
  /** The token itself, or a function that returns one (called again once after a 401). */
  readonly token: string | TokenProvider;
}

/**
 * How requests authenticate: AK/SK, an IAM token, or `'none'` (the simulator,
 * or a proxy that authenticates for us).
 */
export type Credentials = AccessKeyCredentials | TokenCredentials | 'none';

/** Environment variables read for defaults; the AK/SK ones are those the official Huawei SDKs read. */
export const ENV = {
  accessKey: 'HUAWEICLOUD_SDK_AK',
  secretKey: 'HUAWEICLOUD_SDK_SK',
  securityToken: 'HUAWEICLOUD_SDK_SECURITY_TOKEN',
  token: 'HUAWEICLOUD_AUTH_TOKEN',
  projectId: 'HUAWEICLOUD_SDK_PROJECT_ID',
  region: 'HUAWEICLOUD_SDK_REGION',
} as const;

/** A read-only view of environment variables. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Credentials from the environment: AK/SK (with the optional security token)
 * first, then a token; `undefined` when neither is set.
 */
export function credentialsFromEnv(env: Environment): Credentials | undefined {
  const accessKey = env[ENV.accessKey];
  const secretKey = env[ENV.secretKey];
  if (accessKey && secretKey) {
    const securityToken = env[ENV.securityToken];
    return securityToken ? { accessKey, secretKey, securityToken } : { accessKey, secretKey };
  }
  const token = env[ENV.token];
  return token ? { token } : undefined;
}

/** @throws {TypeError} when `credentials` is not one of the three shapes; the message never quotes a secret. */
export function assertCredentials(credentials: unknown): asserts credentials is Credentials {
  if (credentials === 'none') return;
  if (typeof credentials === 'object' && credentials !== null) {
    const record = credentials as Record<string, unknown>;
    if ('token' in record) {
      if ((typeof record['token'] === 'string' && record['token'] !== '') || typeof record['token'] === 'function') return;
      throw new TypeError('Expected `credentials.token` to be a non-empty string or a function');
    }
    if (isNonEmpty(record['accessKey']) && isNonEmpty(record['secretKey'])) {
      if (record['securityToken'] === undefined || isNonEmpty(record['securityToken'])) return;
      throw new TypeError('Expected `credentials.securityToken` to be a non-empty string when given');
    }
  }
  throw new TypeError(
    "Expected `credentials` to be { accessKey, secretKey, securityToken? }, { token }, or 'none'",
  );
}

function isNonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
