/** `error` as an `Error` (a non-Error thrown value becomes its string). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
