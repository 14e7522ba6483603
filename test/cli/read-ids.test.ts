import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIdLines, readIds } from '../../src/cli/read-ids.js';
import { UsageError } from '../../src/cli/usage-error.js';

function stdinOf(text: string): () => AsyncIterable<unknown> {
  return () => [Buffer.from(text)] as unknown as AsyncIterable<unknown>;
}

const noStdin = (): AsyncIterable<unknown> => {
  throw new Error('stdin must not be opened');
};

describe('readIds', () => {
  it('parses one id per line, skipping blank lines and # comments (whole or trailing)', () => {
    expect(parseIdLines('# header\r\na1\n\n   b2   \nc3 # created by CI\n#d4\n', 'ids')).toEqual(['a1', 'b2', 'c3']);
  });

  it('merges arguments, stdin and a file, keeping the first order and dropping duplicates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evs-jobs-'));
    const file = join(dir, 'ids.txt');
    await writeFile(file, 'f1\nx\n');
    expect(await readIds({ args: ['x', '-', 'y'], file }, stdinOf('s1\nx\n'))).toEqual(['x', 's1', 'y', 'f1']);
    expect(await readIds({ args: ['a'], file: undefined }, noStdin)).toEqual(['a']);
    expect(await readIds({ args: ['-'], file: '-' }, stdinOf('s1\n'))).toEqual(['s1']);
  });

  it('names the source and line of an invalid id', async () => {
    await expect(readIds({ args: ['ok', 'bad id'], file: undefined }, noStdin)).rejects.toThrow('invalid job id "bad id" (argument 2)');
    await expect(readIds({ args: ['-'], file: undefined }, stdinOf('ok\n\n../etc\n'))).rejects.toThrow('(stdin line 3)');
  });

  it('refuses an unreadable file and input with no ids', async () => {
    await expect(readIds({ args: [], file: '/nonexistent/ids' }, noStdin)).rejects.toThrow(/cannot read job ids from "\/nonexistent\/ids": no such file/);
    await expect(readIds({ args: [], file: tmpdir() }, noStdin)).rejects.toThrow(/is a directory/);
    await expect(readIds({ args: ['-'], file: undefined }, stdinOf('# nothing\n\n'))).rejects.toBeInstanceOf(UsageError);
  });
});
