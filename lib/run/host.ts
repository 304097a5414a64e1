/**
 * The host a run saw (name, OS, architecture, kernel), for impact.json.
 *
 * @module
 */
import type { RunInfo } from "../log/schema.ts";

/**
 * Describes this machine.
 *
 * @returns Hostname, OS, architecture and kernel release.
 */
export function hostInfo(): RunInfo["host"] {
  const host: RunInfo["host"] = {
    hostname: safe(() => Deno.hostname()) ?? "unknown",
    os: Deno.build.os,
    arch: Deno.build.arch,
  };
  const kernel = safe(() => Deno.osRelease());
  if (kernel) host.kernel = kernel;
  return host;
}

function safe(fn: () => string): string | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
