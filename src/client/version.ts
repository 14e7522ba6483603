/** This package's version; a test keeps it equal to package.json's. */
export const VERSION = '0.1.0';

/** `User-Agent` naming the library, its version and the runtime. */
export const USER_AGENT = `evs-job-watcher/${VERSION} (node ${process.version})`;
