import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Builds `dist/` once per test run, from a clean slate like `npm run build`, so the
 * CLI tests spawn the real binary (`node dist/cli/main.js`) exactly as users run it
 * and the package tests pack no file left over from an older build.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  rmSync(new URL('../../dist', import.meta.url), { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
