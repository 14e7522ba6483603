import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';
import { entryPoints, manifest, root, usePackedTarball } from './pack.js';

const packed = usePackedTarball();
/** Runs a checker and returns its exit code and output, without throwing on a non-zero exit. */
function check(script: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: root, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('the packed tarball (npm pack)', () => {
  it('holds the built package, README, LICENSE and package.json, and nothing from src/ or test/', () => {
    const { files } = packed();

    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']));
    expect(files.filter((file) => !file.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(file))).toEqual([]);
  });

  it('ships every source map with its sources inlined, and no declaration maps (they would point at the unshipped src/)', async () => {
    const { files } = packed();
    const maps = files.filter((file) => file.endsWith('.map'));

    expect(maps.filter((file) => file.endsWith('.d.ts.map'))).toEqual([]);
    expect(maps.length).toBe(files.filter((file) => file.endsWith('.js')).length);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(await readFile(join(root, map), 'utf8')) as { sources: string[]; sourcesContent?: unknown[] };
      expect({ map, inlined: sourcesContent?.length === sources.length && sourcesContent.every((text) => typeof text === 'string') }).toEqual({ map, inlined: true });
    }
  });

  it('has a file behind every entry point, its types, typesVersions and the bin', () => {
    const { files } = packed();
    const targets = [
      ...entryPoints.flatMap((entry) => [entry.js, entry.types]),
      ...Object.values(manifest.typesVersions).flatMap((paths) => Object.values(paths).flat()),
      ...Object.values(manifest.bin),
    ].map((path) => path.replace(/^\.\//, ''));

    expect(targets.filter((path) => !files.includes(path))).toEqual([]);
  });

  it('ships no JavaScript that imports ioredis: the Redis fleet needs it for types only, and the core never', async () => {
    const { files } = packed();
    const scripts = files.filter((file) => file.endsWith('.js'));
    const importers: string[] = [];
    for (const file of scripts) if (/from ['"]ioredis['"]|require\(['"]ioredis['"]\)|import\(['"]ioredis['"]\)/.test(await readFile(join(root, file), 'utf8'))) importers.push(file);

    expect(scripts.length).toBeGreaterThan(0);
    expect(importers).toEqual([]);
    expect(manifest.dependencies).not.toHaveProperty('ioredis');
  });

  it('passes publint --strict', async () => {
    const tarball = await readFile(packed().tarball);
    const { messages, pkg } = await publint({ pack: { tarball: new Uint8Array(tarball).buffer }, strict: true, level: 'suggestion' });

    expect(messages.map((message) => formatMessage(message, pkg, { color: false }))).toEqual([]);
  });

  it('resolves with types in every mode arethetypeswrong checks; require() of it from node16 CommonJS is the one known row (see README, Install)', async () => {
    const result = await check(join(root, 'node_modules/.bin/attw'), ['--format', 'json', packed().tarball]);
    const { problems } = JSON.parse(result.stdout) as { problems: Record<string, unknown[]> };

    // TypeScript 5.6 inside attw does not know require(esm); TS ≥ 5.8 under module nodenext/node20 and Node ≥ 20.19 do (consumer.test.ts).
    expect(problems).toEqual({
      CJSResolvesToESM: entryPoints.map(({ subpath }) => ({ kind: 'CJSResolvesToESM', entrypoint: subpath, resolutionKind: 'node16-cjs' })),
    });
  });
});
