import { readFile } from 'node:fs/promises';
import { isSafeId } from '../validation/ids.js';
import { UsageError } from './usage-error.js';

/** Where `wait` takes job ids from. */
export interface IdSources {
  /** Ids given as arguments; `-` reads stdin. */
  readonly args: readonly string[];
  /** `--file`: a path, or `-` for stdin. */
  readonly file: string | undefined;
}

/**
 * Collects job ids from arguments, `--file` and stdin (`-`): one id per line,
 * blank lines and `#` comments ignored, duplicates dropped (first order kept).
 * Every id is checked before anything is watched; `stdin` is opened only when `-` asks for it.
 * @throws {UsageError} for an unreadable file or an invalid id, naming where it came from.
 */
export async function readIds(sources: IdSources, stdin: () => AsyncIterable<unknown>): Promise<string[]> {
  const ids: string[] = [];
  let stdinRead = false;
  const readStdin = async (): Promise<void> => {
    if (stdinRead) return;
    stdinRead = true;
    collect(ids, await readStream(stdin()), 'stdin');
  };
  for (const [index, arg] of sources.args.entries()) {
    if (arg === '-') await readStdin();
    else check(arg, `argument ${index + 1}`);
    if (arg !== '-') ids.push(arg);
  }
  if (sources.file === '-') await readStdin();
  else if (sources.file !== undefined) collect(ids, await readIdFile(sources.file), sources.file);
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new UsageError('no job ids: the input held none (blank lines and # comments are ignored)', 'wait');
  return unique;
}

/** Parses id-per-line text; `where` names the source in errors. */
export function parseIdLines(text: string, where: string): string[] {
  const ids: string[] = [];
  collect(ids, text, where);
  return ids;
}

function collect(ids: string[], text: string, where: string): void {
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const id = (line.split('#', 1)[0] ?? '').trim();
    if (id === '') continue;
    check(id, `${where} line ${index + 1}`);
    ids.push(id);
  }
}

function check(id: string, where: string): void {
  const safe: boolean = isSafeId(id);
  if (safe) return;
  const shown = id.length > 40 ? `${id.slice(0, 40)}…` : id;
  throw new UsageError(`invalid job id ${JSON.stringify(shown)} (${where}): expected 1-128 characters of A-Z a-z 0-9 _ - .`, 'wait');
}

async function readIdFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : typeof code === 'string' ? code : 'unreadable';
    throw new UsageError(`cannot read job ids from ${JSON.stringify(path)}: ${why}`, 'wait');
  }
}

async function readStream(stream: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
