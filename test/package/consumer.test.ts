import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { entryPoints, manifest, root, run, usePackedTarball, type Manifest } from './pack.js';

// A scratch project outside the repository with the tarball unpacked into its node_modules, as `npm install` would
// leave it, and the packed package.json's dependencies linked from ours: no network, and an import that package.json
// does not declare fails here. The README examples are its code, once as ESM and once as CommonJS, each folder with
// the official SDK its example uses; the project root has no SDK, so loading every entry point there proves that
// the SDK adapter does not import it. ioredis, the Redis fleet's optional peer, is installed as its users would;
// that no shipped script imports it (the fleet needs its types only) is checked in tarball.test.ts.

const packed = usePackedTarball();
/** What a TypeScript user installs beside us (the optional peers too: a user of their entry points does). */
const userPackages = ['@types/node'];
/** Entry points that load an optional peer dependency, which their user installs. */
const PEER_OF: Readonly<Record<string, string>> = { 'evs-job-watcher/otel': '@opentelemetry/api' };
/** Optional peers only named in types: `RedisFleet` takes the user's ioredis client and never imports ioredis. */
const TYPES_ONLY_PEERS = ['ioredis'];
const optionalPeers = Object.keys(manifest.peerDependencies ?? {}).filter((name) => manifest.peerDependenciesMeta?.[name]?.optional === true);
/** What the examples import besides us. */
const examplePackages = ['@huaweicloud/huaweicloud-sdk-core', '@huaweicloud/huaweicloud-sdk-ecs'];
/** Imports every entry point, so a typecheck of it reads every declaration file we ship. */
const ENTRY_POINTS_FILE = 'entry-points.ts';
let consumer = '';

/** Links `names` from our node_modules into `dir`/node_modules. */
async function link(dir: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await mkdir(join(dir, 'node_modules', name, '..'), { recursive: true });
    await symlink(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
}

beforeAll(async () => {
  consumer = join(packed().dir, 'consumer');
  const installed = join(consumer, 'node_modules', manifest.name);
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', packed().tarball, '-C', installed, '--strip-components=1']);
  const { dependencies } = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Manifest;
  await link(consumer, [...Object.keys(dependencies), ...optionalPeers, ...userPackages]);
  const examples = (await readdir(join(root, 'examples'))).filter((file) => file.endsWith('.ts'));
  for (const type of ['module', 'commonjs']) {
    const dir = join(consumer, type);
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type }));
    await link(dir, examplePackages);
    for (const file of examples) await copyFile(join(root, 'examples', file), join(dir, file));
  }
  const imports = entryPoints.map(({ specifier }, index) => `import * as entry${index} from '${specifier}';`);
  await writeFile(join(consumer, 'module', ENTRY_POINTS_FILE), `${imports.join('\n')}\nexport { ${entryPoints.map((_, index) => `entry${index}`).join(', ')} };\n`);
});

/** Export names of each entry point, read from the source the tests run. */
async function sourceExports(): Promise<Record<string, string[]>> {
  const names: Record<string, string[]> = {};
  for (const { specifier, js } of entryPoints) {
    const source = join(root, js.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
    names[specifier] = Object.keys((await import(source)) as object).sort();
  }
  return names;
}

describe('a consumer of the packed tarball, on this Node', () => {
  const specifiers = JSON.stringify(entryPoints.map((entry) => entry.specifier));

  it('imports every entry point from ESM', async () => {
    const script = `const names = {}; for (const s of ${specifiers}) names[s] = Object.keys(await import(s)).sort(); console.log(JSON.stringify(names));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', script], { cwd: consumer });

    expect(JSON.parse(stdout)).toEqual(await sourceExports());
  });

  it('requires every entry point from CommonJS (require(esm), Node ≥ 20.19)', async () => {
    const script = `const names = {}; for (const s of ${specifiers}) names[s] = Object.keys(require(s)).sort(); console.log(JSON.stringify(names));`;
    const { stdout } = await run(process.execPath, ['--input-type=commonjs', '--eval', script], { cwd: consumer });

    expect(JSON.parse(stdout)).toEqual(await sourceExports());
  });
});

describe('a consumer without the optional peer dependencies', () => {
  it('loads every entry point but those that need one, which fail naming it', async () => {
    expect(optionalPeers.sort()).toEqual([...Object.values(PEER_OF), ...TYPES_ONLY_PEERS].sort());
    const bare = join(packed().dir, 'bare');
    const installed = join(bare, 'node_modules', manifest.name);
    await mkdir(installed, { recursive: true });
    await run('tar', ['-xzf', packed().tarball, '-C', installed, '--strip-components=1']);
    await link(bare, Object.keys(manifest.dependencies));
    const script = `const out = {}; for (const s of ${JSON.stringify(entryPoints.map((entry) => entry.specifier))}) { try { await import(s); out[s] = 'loaded'; } catch (error) { out[s] = error.code + ' ' + (/'(@?[^']+)'/.exec(error.message)?.[1] ?? ''); } } console.log(JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', script], { cwd: bare });

    const expected = Object.fromEntries(entryPoints.map(({ specifier }) => [specifier, PEER_OF[specifier] === undefined ? 'loaded' : `ERR_MODULE_NOT_FOUND ${PEER_OF[specifier]}`]));
    expect(JSON.parse(stdout)).toEqual(expected);
  });
});

describe('a TypeScript consumer of the packed tarball, typechecking the README examples', () => {
  // Programs share parsed files (lib, @types/node, our .d.ts): the checks cost about one.
  const parsed = new Map<string, ts.SourceFile | undefined>();
  const base = ts.createCompilerHost({});

  function createProgram(files: readonly string[], options: ts.CompilerOptions): { program: ts.Program; host: ts.CompilerHost } {
    const compilerOptions: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
      types: ['node'],
      typeRoots: [join(consumer, 'node_modules', '@types')],
      skipLibCheck: true,
      ...options,
    };
    const host = ts.createCompilerHost(compilerOptions);
    host.getCurrentDirectory = () => consumer;
    host.getSourceFile = (fileName, settings, onError) => {
      const key = `${fileName} ${JSON.stringify(settings)}`;
      if (!parsed.has(key)) parsed.set(key, base.getSourceFile(fileName, settings, onError));
      return parsed.get(key);
    };
    return { program: ts.createProgram(files, compilerOptions, host), host };
  }

  /** Diagnostics of a program of every .ts file in the `type` folder. */
  function typecheck(type: 'module' | 'commonjs', options: ts.CompilerOptions): string[] {
    const { program, host } = createProgram(ts.sys.readDirectory(join(consumer, type), ['.ts'], ['**/node_modules']), options);
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.formatDiagnostic(diagnostic, host).trim());
  }

  it('with no error in any declaration file we ship (as with skipLibCheck off)', () => {
    const { program, host } = createProgram([join(consumer, 'module', ENTRY_POINTS_FILE)], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: false,
    });
    // Checking only our files, not all of @types/node, is what keeps this fast.
    const ours = program.getSourceFiles().filter((file) => file.fileName.includes(`/node_modules/${manifest.name}/`));
    const diagnostics = ours.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]);

    expect(ours.length).toBeGreaterThan(entryPoints.length);
    expect(ts.formatDiagnostics([...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...diagnostics], host)).toBe('');
  });

  it('as ESM with module nodenext', () => {
    expect(typecheck('module', { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext })).toEqual([]);
  });

  it('as ESM with moduleResolution bundler', () => {
    expect(typecheck('module', { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler })).toEqual([]);
  });

  it.each([
    ['nodenext', ts.ModuleKind.NodeNext],
    ['node20', ts.ModuleKind.Node20],
  ])('as CommonJS with module %s (TypeScript ≥ 5.8 compiles require() of an ES module)', (_, module) => {
    expect(typecheck('commonjs', { module, moduleResolution: ts.ModuleResolutionKind.NodeNext })).toEqual([]);
  });

  it('as CommonJS with moduleResolution node10 (subpaths found through typesVersions)', () => {
    expect(typecheck('commonjs', { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 })).toEqual([]);
  });

  it('not as CommonJS with module node16, which refuses require() of an ES module (TS1479): the README says to use nodenext or import()', () => {
    const errors = typecheck('commonjs', { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 });

    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((error) => !error.includes('error TS1479:'))).toEqual([]);
  });
});
