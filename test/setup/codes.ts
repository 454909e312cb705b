/** The `code` of what `fn` throws, or undefined when it does not throw (tests assert codes, not messages). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}
