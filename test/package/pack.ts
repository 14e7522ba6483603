import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

export const run = promisify(execFile);

/** The repository root, whose `dist/` the CLI tests' global setup has just built. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** The subset of package.json these tests read. */
export interface Manifest {
  readonly name: string;
  readonly exports: Readonly<Record<string, string | { readonly types: string; readonly default: string }>>;
  readonly typesVersions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  readonly bin: Readonly<Record<string, string>>;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
}

export const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Manifest;

/** Every import specifier the package offers, e.g. `evs-job-watcher/simulator`, with its built files. */
export const entryPoints = Object.entries(manifest.exports).flatMap(([subpath, target]) =>
  typeof target === 'string' ? [] : [{ specifier: join(manifest.name, subpath), subpath, types: target.types, js: target.default }],
);

/** A tarball packed from the current `dist/`, in a temp dir of its own. */
export interface Packed {
  /** Absolute path of the `.tgz`. */
  readonly tarball: string;
  /** Its temp dir; anything else a test needs may go there too. */
  readonly dir: string;
  /** Paths inside the package, e.g. `dist/index.js`. */
  readonly files: readonly string[];
}

/**
 * Packs the package once for the test file (`npm pack --ignore-scripts`: `prepack`
 * would rebuild `dist/` under the CLI tests' feet) and removes it afterwards.
 * Read the result inside tests or hooks, not at collection time.
 */
export function usePackedTarball(): () => Packed {
  let packed: Packed | undefined;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evs-pack-'));
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root });
    const [result] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    packed = { tarball: join(dir, result.filename), dir, files: result.files.map((file) => file.path) };
  });
  afterAll(async () => {
    if (packed !== undefined) await rm(packed.dir, { recursive: true, force: true });
  });
  return () => {
    if (packed === undefined) throw new Error('the tarball is packed in beforeAll');
    return packed;
  };
}
