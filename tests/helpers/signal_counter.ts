/**
 * Builds tests/fixtures/count_signals.c, a job that counts each signal it receives (one byte per
 * delivery, written from the handler), for the tests of what `impact run` forwards.
 *
 * @module
 */
import { fixturePath } from "./fixture_files.ts";

/** The built counter, removed with `await using`. */
export interface SignalCounter extends AsyncDisposable {
  /** The executable: `<path> <counts file> <ready file>`. */
  path: string;
}

/**
 * Compiles the counter.
 *
 * @returns It, or undefined when there is no C compiler (`cc`).
 */
export async function buildSignalCounter(): Promise<SignalCounter | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "impact-signals-" });
  const remove = () => Deno.remove(dir, { recursive: true });
  const path = `${dir}/count_signals`;
  try {
    const out = await new Deno.Command("cc", {
      args: ["-O1", "-o", path, fixturePath("count_signals.c")],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return { path, [Symbol.asyncDispose]: remove };
  } catch (error) {
    await remove();
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
