/** Distinct strings kept; a broken server sending random types must not grow memory. */
const MAX_INTERNED = 256;

/**
 * One copy of each job type and status string for all watches of one watcher:
 * every parsed answer brings fresh copies, and a million watches would keep a million each.
 */
export class Interner {
  readonly #strings = new Map<string, string>();

  intern(text: string): string {
    const known = this.#strings.get(text);
    if (known !== undefined) return known;
    if (this.#strings.size < MAX_INTERNED) this.#strings.set(text, text);
    return text;
  }
}
