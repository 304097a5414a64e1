/**
 * A runtime that refuses some reads, as a non-root user sees for `energy_uj` since Linux 5.10
 * (tests run as root, which ignores chmod).
 *
 * @module
 */
import type { Runtime } from "../../lib/runtime.ts";

/**
 * Wraps a runtime so that reading the paths `denied` accepts throws `PermissionDenied`,
 * as a non-root user sees for `energy_uj` since Linux 5.10 (root ignores chmod, so tests
 * simulate the mode through this wrapper).
 *
 * @param runtime The runtime to wrap.
 * @param denied Returns true for paths whose reads must fail.
 * @returns A runtime that refuses those reads.
 */
export function withDeniedReads(runtime: Runtime, denied: (path: string) => boolean): Runtime {
  return {
    ...runtime,
    readTextFile(path) {
      if (denied(path)) {
        return Promise.reject(new Deno.errors.PermissionDenied(`Permission denied: ${path}`));
      }
      return runtime.readTextFile(path);
    },
  };
}
