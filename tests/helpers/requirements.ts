/**
 * Tests that need something a fresh machine may lack (Chromium, Prometheus, Node.js) or that
 * download from the npm registry: they run where it is at hand, and elsewhere skip with one
 * line saying how to run them, so `deno task test` passes on a machine with only Deno.
 * Under CI (`CI` set, as `.ci/run` does) they always run, and fail where the thing is missing.
 *
 * @module
 */

/** Whether this is a CI run (`CI` set to anything but "" or "false"). */
export const underCi = !["", "false"].includes(Deno.env.get("CI") ?? "");

/** Whether the tests that download were asked for (`IMPACT_NETWORK_TESTS=1`), or this is CI. */
export const networkTestsWanted = underCi || Deno.env.get("IMPACT_NETWORK_TESTS") === "1";

/**
 * Whether tests that need something should be ignored here; prints the one skip line.
 *
 * @param what What the tests check, for the skip line.
 * @param missing Why they cannot run here, or undefined when they can.
 * @param enable How to make them run.
 * @returns true to ignore them (never under CI: there a missing requirement fails them).
 */
export function skipUnlessCi(what: string, missing: string | undefined, enable: string): boolean {
  if (missing === undefined || underCi) return false;
  console.log(`skipped: ${what}: ${missing}; ${enable} (under CI=1 they run and fail instead)`);
  return true;
}

/**
 * Whether a test that downloads should be ignored here; prints the one skip line.
 *
 * @param what What the test checks.
 * @param cost What it downloads and how long it takes.
 * @returns true to ignore it (never under CI or with IMPACT_NETWORK_TESTS=1).
 */
export function skipUnlessNetworkWanted(what: string, cost: string): boolean {
  if (networkTestsWanted) return false;
  console.log(`skipped: ${what} (${cost}); set IMPACT_NETWORK_TESTS=1 to run it (CI=1 does too)`);
  return true;
}

/**
 * Whether a program starts (`<program> --version` exits, whatever its code).
 *
 * @param program A name on PATH or a path.
 * @returns true when it could be started.
 */
export async function canStart(program: string): Promise<boolean> {
  try {
    await new Deno.Command(program, { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return true;
  } catch {
    return false;
  }
}
