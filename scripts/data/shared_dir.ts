/**
 * Where the project's shared facts tables live (`../shared` beside the repository), for the
 * generators that read them.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Finds a file under the shared directory: `$IMPACT_SHARED_DIR`, else `../shared` from the
 * repository root, else `../../shared` (a worktree sits one level deeper).
 *
 * @param relative The file's path under the shared directory, e.g. `data/cscc.csv`.
 * @returns The path of the file (in the first candidate when no candidate has it, so the
 *   error that follows names a sensible path).
 */
export function sharedFile(relative: string): string {
  const override = Deno.env.get("IMPACT_SHARED_DIR");
  if (override) return join(override, relative);
  const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
  const candidates = [join(root, "..", "shared"), join(root, "..", "..", "shared")]
    .map((dir) => join(dir, relative));
  return candidates.find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  }) ?? candidates[0]!;
}
