import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Examples import the package by name, as users do; tests run them from source.
  resolve: {
    alias: [
      { find: /^evs-job-watcher\/simulator$/, replacement: fileURLToPath(new URL('./src/simulator/index.ts', import.meta.url)) },
      { find: /^evs-job-watcher\/huawei-sdk$/, replacement: fileURLToPath(new URL('./src/huawei-sdk/index.ts', import.meta.url)) },
      { find: /^evs-job-watcher\/otel$/, replacement: fileURLToPath(new URL('./src/otel/index.ts', import.meta.url)) },
      { find: /^evs-job-watcher\/redis$/, replacement: fileURLToPath(new URL('./src/redis/index.ts', import.meta.url)) },
      { find: /^evs-job-watcher$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests spawn the built binary (and the fleet tests their workers): build dist/ once per run; the fleet tests need redis-server.
    globalSetup: ['test/cli/global-setup.ts', 'test/redis/global-setup.ts'],
    // The JSON report feeds the `N passed, N failed` line that .ci/run prints.
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
