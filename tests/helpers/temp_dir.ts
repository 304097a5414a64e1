/**
 * Temporary folders for tests, removed (recursively) when the `await using` binding goes out
 * of scope.
 *
 * @module
 */

/** A temp dir removed on dispose. */
export interface TempDir extends AsyncDisposable {
  path: string;
}

/**
 * Makes a temp dir that `await using` removes.
 *
 * @returns The dir's path and its disposer.
 */
export async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "impact-test-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}
