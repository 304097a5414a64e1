/**
 * Hardware assertions (`--require-gpu name=...`, `--require-cpu model=...`), as
 * experiment-impact-tracker's `assert_gpus_by_attributes`: refuse to run on the wrong
 * machine, listing what was found. Pure.
 *
 * @module
 */
import { type CpuInfo, gpuDeviceId, type GpuInfo } from "./types.ts";

/** One required attribute: exact, or a substring when written with a leading `~`. */
export interface HardwareRequirement {
  /** The attribute: `name` for GPUs, `model` for CPUs (or any other field of the info). */
  key: string;
  value: string;
  /** True when the value must only occur in the attribute (case-insensitive). */
  substring: boolean;
}

/** The hardware does not match a requirement; the message lists what was found. */
export class HardwareMismatchError extends Error {
  /** @param message Names the requirement and the hardware found. */
  constructor(message: string) {
    super(message);
    this.name = "HardwareMismatchError";
  }
}

/**
 * Parses `key=value` or `key=~substring`.
 *
 * @param text The flag's value.
 * @param defaultKey The key assumed when the text has no `=` (e.g. `name`).
 * @returns The requirement.
 * @throws {Error} When the key or value is empty.
 */
export function parseHardwareRequirement(text: string, defaultKey: string): HardwareRequirement {
  const eq = text.indexOf("=");
  const key = eq < 0 ? defaultKey : text.slice(0, eq).trim();
  let value = eq < 0 ? text : text.slice(eq + 1);
  const substring = value.startsWith("~");
  if (substring) value = value.slice(1);
  if (key === "" || value.trim() === "") {
    throw new Error(`Hardware requirement "${text}" needs the form key=value or key=~substring`);
  }
  return { key, value, substring };
}

function matches(actual: unknown, req: HardwareRequirement): boolean {
  if (actual === undefined || actual === null) return false;
  const text = String(actual);
  return req.substring
    ? text.toLowerCase().includes(req.value.toLowerCase())
    : text.trim() === req.value.trim();
}

function describe(req: HardwareRequirement): string {
  return `${req.key}=${req.substring ? "~" : ""}${req.value}`;
}

/**
 * Checks that the machine has GPUs and every GPU meets every requirement. Every vendor's GPUs
 * count (NVIDIA, AMD through amd-smi or amdgpu, Intel through xe/i915), each by the name its
 * sensor found (`AMD Instinct MI250X`, `Intel Arc Pro B60`).
 *
 * @param requirements From `--require-gpu`.
 * @param gpus The GPUs found.
 * @throws {HardwareMismatchError} Listing the GPUs found.
 * @example Require H100s; an MI250X node does not pass
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { assertGpus } from "./hardware.ts";
 * assertGpus([{ key: "name", value: "H100", substring: true }], [
 *   { index: 0, name: "NVIDIA H100 80GB HBM3" },
 * ]);
 * throws(
 *   () =>
 *     assertGpus([{ key: "name", value: "H100", substring: true }], [
 *       { index: 0, name: "AMD Instinct MI250X", device: "amd-gpu-0" },
 *     ]),
 *   /found amd-gpu-0 "AMD Instinct MI250X"/,
 * );
 * ```
 */
export function assertGpus(requirements: HardwareRequirement[], gpus: GpuInfo[]): void {
  if (requirements.length === 0) return;
  const found = gpus.length === 0
    ? "no GPUs were found"
    : `found ${gpus.map((g) => `${gpuDeviceId(g)} "${g.name}"`).join(", ")}`;
  for (const req of requirements) {
    const bad = gpus.length === 0 ||
      gpus.some((g) => !matches((g as unknown as Record<string, unknown>)[req.key], req));
    if (bad) throw new HardwareMismatchError(`GPU requirement ${describe(req)} not met: ${found}`);
  }
}

/**
 * Checks that the CPU meets every requirement.
 *
 * @param requirements From `--require-cpu`.
 * @param cpu The CPU found.
 * @throws {HardwareMismatchError} Naming the CPU found.
 * @example Require an EPYC
 * ```ts
 * import { assertCpus } from "./hardware.ts";
 * assertCpus([{ key: "model", value: "EPYC", substring: true }], { model: "AMD EPYC 9654" });
 * ```
 */
export function assertCpus(requirements: HardwareRequirement[], cpu: CpuInfo): void {
  for (const req of requirements) {
    const actual = (cpu as Record<string, unknown>)[req.key];
    if (!matches(actual, req)) {
      const found = cpu.model ? `found "${cpu.model}"` : "the CPU model could not be read";
      throw new HardwareMismatchError(
        `CPU requirement ${describe(req)} not met: ${found}${
          req.key !== "model" ? ` (${req.key}: ${actual ?? "unknown"})` : ""
        }`,
      );
    }
  }
}
