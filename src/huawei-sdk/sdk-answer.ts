/** The SDK's own field on every answer (`SdkResponse.httpStatusCode`): not part of the job. */
const STATUS_FIELD = 'httpStatusCode';

/**
 * Turns what an SDK `showJob` resolved with into the wire shape `parseJob` reads.
 * Today's generated clients resolve the parsed body itself (snake_case, plus
 * `httpStatusCode`); model objects of other versions name fields in camelCase.
 * Both become snake_case at every depth; where an object has both spellings of a key, the wire's wins.
 */
export function toWireJob(answer: unknown): unknown {
  const wire = toWire(answer);
  // The copy is ours alone.
  if (typeof wire === 'object' && wire !== null) delete (wire as Record<string, unknown>)[snakeCase(STATUS_FIELD)];
  return wire;
}

/** The `httpStatusCode` the SDK put on an answer, when it is a number. */
export function answerStatus(answer: unknown): number | undefined {
  const status = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>)[STATUS_FIELD] : undefined;
  return typeof status === 'number' ? status : undefined;
}

function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const wire: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const snake = snakeCase(key);
    if (snake !== key && Object.hasOwn(source, snake)) continue;
    wire[snake] = toWire(source[key]);
  }
  return wire;
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (char) => `_${char.toLowerCase()}`);
}
