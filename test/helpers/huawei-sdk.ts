import { createRequire } from 'node:module';

// The official SDK logs every failed request to stdout with its headers, signature included (log4js): off in tests.
const require = createRequire(import.meta.url);
const { Logger4jInstance } = require('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger') as { Logger4jInstance: { level: string } };
Logger4jInstance.level = 'off';

/** The AK/SK the simulators of the SDK tests accept. */
export const AK = 'QTWAOYTTINDUT2QVKYUC';
export const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
