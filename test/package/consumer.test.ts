import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { entryPoints, manifest, root, run, usePackedTarball, type Manifest } from './pack.js';

// A scratch project outside the repository with the tarball unpacked into its node_modules, as `npm install` would
// leave it, and the packed package.json's dependencies linked from ours: no network, and an import that package.json
// does not declare fails here. The README examples are its code, once as ESM and once as CommonJS.

const packed = usePackedTarball();
/** What a TypeScript user installs beside us. */
const userPackages = ['@types/node'];
let consumer = '';

beforeAll(async () => {
  consumer = join(packed().dir, 'consumer');
  const installed = join(consumer, 'node_modules', manifest.name);
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', packed().tarball, '-C', installed, '--strip-components=1']);
  const { dependencies } = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Manifest;
  for (const name of [...Object.keys(dependencies), ...userPackages]) {
    await mkdir(join(consumer, 'node_modules', name, '..'), { recursive: true });
    await symlink(join(root, 'node_modules', name), join(consumer, 'node_modules', name), 'dir');
  }
  const examples = (await readdir(join(root, 'examples'))).filter((file) => file.endsWith('.ts'));
  for (const type of ['module', 'commonjs']) {
    await mkdir(join(consumer, type));
    await writeFile(join(consumer, type, 'package.json'), JSON.stringify({ type }));
    for (const file of examples) await copyFile(join(root, 'examples', file), join(consumer, type, file));
  }
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

describe('a TypeScript consumer of the packed tarball, typechecking the README examples', () => {
  // Programs share parsed files (lib, @types/node, our .d.ts): the checks cost about one.
  const parsed = new Map<string, ts.SourceFile | undefined>();
  const base = ts.createCompilerHost({});

  function typecheck(type: 'module' | 'commonjs', options: ts.CompilerOptions): string[] {
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
    const files = ts.sys.readDirectory(join(consumer, type), ['.ts']);
    const program = ts.createProgram(files, compilerOptions, host);
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.formatDiagnostic(diagnostic, host).trim());
  }

  it('as ESM with module nodenext, checking our declarations too (skipLibCheck off)', () => {
    expect(typecheck('module', { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: false })).toEqual([]);
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
