/** What an error body says, in either of the two shapes Huawei Cloud uses. */
export interface ErrorBody {
  /** `error.code` (EVS) or `error_code` (API gateway), e.g. `Common.0011`, `APIGW.0308`. */
  readonly code?: string;
  /** `error.message` (EVS) or `error_msg` (API gateway). */
  readonly message?: string;
  /** `request_id` (API gateway). */
  readonly requestId?: string;
}

/** Longest message kept from an error body; the rest is cut, so logs stay readable. */
const MAX_MESSAGE = 512;

/**
 * Reads `{"error":{"message","code"}}` (EVS) or `{"error_msg","error_code","request_id"}`
 * (API gateway). Returns `{}` for anything else: an error body is a hint, never a reason to throw.
 */
export function parseErrorBody(text: string): ErrorBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (!isRecord(value)) return {};
  const nested = isRecord(value['error']) ? value['error'] : undefined;
  return compact({
    code: stringField(nested?.['code']) ?? stringField(value['error_code']) ?? stringField(value['code']),
    message: stringField(nested?.['message']) ?? stringField(value['error_msg']) ?? stringField(value['message']),
    requestId: stringField(value['request_id']),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, MAX_MESSAGE) : undefined;
}

function compact(body: { code: string | undefined; message: string | undefined; requestId: string | undefined }): ErrorBody {
  return {
    ...(body.code !== undefined && { code: body.code }),
    ...(body.message !== undefined && { message: body.message }),
    ...(body.requestId !== undefined && { requestId: body.requestId }),
  };
}
