/** One performance target, judged in the run that measured it. */
export interface Target {
  readonly name: string;
  /** The measured ratio or value. */
  readonly value: number;
  /** What it must be at most (or, with `atLeast`, at least). */
  readonly limit: number;
  readonly atLeast?: boolean;
  readonly pass: boolean;
  /** The numbers behind it. */
  readonly detail: string;
}

export function atMost(name: string, value: number, limit: number, detail: string): Target {
  return { name, value, limit, pass: value <= limit, detail };
}

export function atLeast(name: string, value: number, limit: number, detail: string): Target {
  return { name, value, limit, atLeast: true, pass: value >= limit, detail };
}

export function targetRows(targets: readonly Target[]): Record<string, string | number>[] {
  return targets.map((target) => ({
    target: target.name,
    value: target.value,
    limit: `${target.atLeast ? '≥' : '≤'} ${target.limit}`,
    result: target.pass ? 'PASS' : 'MISS',
    detail: target.detail,
  }));
}
