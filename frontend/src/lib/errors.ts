// API errors are JSON {error, message, details}; validation errors list {field, message}.
export type FieldErrors = Record<string, string>;

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly fields: FieldErrors = {},
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: string;
  message?: string;
  details?: unknown;
}

const PLAIN: Record<number, string> = {
  401: "You are signed out. Sign in again.",
  403: "You do not have permission to do that.",
  404: "That could not be found, or you do not have access to it.",
  429: "Too many attempts. Wait a minute and try again.",
};

export function toApiError(body: unknown, response: Response | undefined): ApiError {
  const status = response?.status ?? 0;
  const parsed = (body ?? {}) as ErrorBody;
  const fields: FieldErrors = {};
  if (Array.isArray(parsed.details)) {
    for (const item of parsed.details as { field?: string; message?: string }[]) {
      if (item.field && item.message) {
        fields[item.field.replace(/^body\./, "")] = item.message;
      }
    }
  }
  const message =
    parsed.message ??
    PLAIN[status] ??
    (status >= 500
      ? "The server ran into a problem. Try again in a moment."
      : "Could not reach TestAble. Check your connection.");
  return new ApiError(message, parsed.error ?? "unknown", status, fields);
}

/** Unwrap an openapi-fetch result: the data, or a thrown ApiError in plain words. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw toApiError(result.error, result.response);
  }
  return result.data as T;
}
