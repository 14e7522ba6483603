/** What a failed job says about why, on the wire or in the CLI's events (`null` there for none). */
export interface FailureFields {
  readonly errorCode?: string | null | undefined;
  readonly failReason?: string | null | undefined;
}

/** `EVS.2024: volume quota exceeded`, or whichever of the two the job has; `undefined` when it has neither. */
export function describeFailure({ errorCode, failReason }: FailureFields): string | undefined {
  const parts = [errorCode, failReason].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length === 0 ? undefined : parts.join(': ');
}
