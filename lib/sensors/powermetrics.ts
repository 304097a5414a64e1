/**
 * Mac power through `powermetrics --samplers cpu_power,gpu_power -i <ms>`: a sensor
 * that keeps one powermetrics running and integrates each sample's power over the sample's own
 * "(N ms elapsed)" window (method `integrated`). Its output format is
 * lib/sensors/powermetrics_parse.ts.
 *
 * powermetrics needs root. The sensor runs it directly (impact started with sudo), else
 * tries `sudo -n` (works with a NOPASSWD sudoers rule), else reports it unavailable and says so.
 *
 * Devices: CPU Power -> cpu `package-0`, GPU Power -> gpu `gpu-0`, ANE Power -> cpu `ane-0`
 * (the neural engine sits on the SoC and is shared like the CPU), DRAM Power (macOS 12) ->
 * dram `dram-0`. `Combined Power` (macOS 13+) and `Package Power` (macOS 12) are sums of
 * those and are kept as a check, never as devices, so nothing is counted twice. On Intel Macs
 * the one power line, `Intel energy model derived package power (CPUs+GT+SA)`, is cpu
 * `package-0` (the whole chip, like RAPL's package domain).
 *
 * @module
 */

import { unavailableStatus } from "./status.ts";
import type { Runtime } from "../runtime.ts";
import { readChildLines, stopChild } from "./child_stream.ts";
import type { Component, DeviceEnergy, SensorStatus } from "../types.ts";
import { type EnergySensor, SensorError } from "./types.ts";
import {
  parsePowermetrics,
  PowermetricsParser,
  type PowermetricsSample,
} from "./powermetrics_parse.ts";

/** Where each sample figure goes. */
const DEVICES: { field: keyof PowermetricsSample; component: Component; device: string }[] = [
  { field: "cpuWatts", component: "cpu", device: "package-0" },
  { field: "gpuWatts", component: "gpu", device: "gpu-0" },
  { field: "aneWatts", component: "cpu", device: "ane-0" },
  { field: "dramWatts", component: "dram", device: "dram-0" },
  // Intel Macs print no CPU line, only the package's (cores, integrated GPU, system agent).
  { field: "intelPackageWatts", component: "cpu", device: "package-0" },
];
/** Each device once, with its component (two fields may feed one device). */
const DEVICE_COMPONENTS = new Map(DEVICES.map((d) => [d.device, d.component]));

/** Options of {@link createPowermetricsSensor}. */
export interface PowermetricsOptions {
  /** Sampling period (`-i`), milliseconds. */
  intervalMs: number;
  /** The executable; default `$IMPACT_POWERMETRICS`, else `/usr/bin/powermetrics`. */
  executable?: string;
  /** The sudo executable tried with `-n` when not root (default `sudo`). */
  sudo?: string;
}

const NAME = "powermetrics";
const SAMPLERS = "cpu_power,gpu_power";
const NEEDS_ROOT = /superuser|must be run as root|Operation not permitted/i;

/**
 * Creates the powermetrics sensor (macOS: Apple Silicon, and Intel Macs).
 *
 * @param runtime Where powermetrics is spawned.
 * @param options Period and executables.
 * @returns The sensor (method `integrated`).
 */
export function createPowermetricsSensor(
  runtime: Runtime,
  options: PowermetricsOptions,
): EnergySensor {
  const executable = options.executable ?? runtime.env("IMPACT_POWERMETRICS") ??
    "/usr/bin/powermetrics";
  const sudo = options.sudo ?? "sudo";
  let status: SensorStatus | undefined;
  /** `[command, ...leading args]` that worked in probe(). */
  let launcher: [string, ...string[]] = [executable];
  let child: Deno.ChildProcess | undefined;
  let streamDone: Promise<void> | undefined;
  let closing = false;
  let failure: SensorError | undefined;
  const energy = new Map<string, { joules: number; watts?: number }>();

  const unavailable = (reason: string, fix?: string): SensorStatus => {
    const result = unavailableStatus(NAME, reason, { fix });
    return result;
  };

  async function tryOnce(command: string, lead: string[]) {
    const out = await runtime.output(command, {
      args: [...lead, "--samplers", SAMPLERS, "-i", "100", "-n", "1"],
    });
    return { ...out, samples: out.code === 0 ? parsePowermetrics(out.stdout) : [] };
  }

  async function probeOnce(): Promise<SensorStatus> {
    let out = await tryOnce(executable, []);
    if (out.code !== 0 && NEEDS_ROOT.test(`${out.stdout}\n${out.stderr}`)) {
      const viaSudo = await tryOnce(sudo, ["-n", executable]).catch(() => undefined);
      if (!viaSudo || viaSudo.code !== 0) {
        return unavailable(
          "powermetrics needs root (sudo), and `sudo -n powermetrics` was refused",
          `Run impact with sudo (sudo impact run ...), or allow it without a password: add "<user> ALL=(root) NOPASSWD: ${executable}" with visudo`,
        );
      }
      out = viaSudo;
      launcher = [sudo, "-n", executable];
    }
    if (out.code !== 0) {
      const said = `${out.stdout}\n${out.stderr}`.split("\n").map((l) => l.trim()).find(Boolean);
      return unavailable(`powermetrics exited with code ${out.code}${said ? `: ${said}` : ""}`);
    }
    const sample = out.samples[0];
    const devices = DEVICES.filter((d) => sample?.[d.field] !== undefined);
    if (!sample || devices.length === 0) {
      return unavailable("powermetrics printed no CPU, GPU or package power");
    }
    return {
      sensor: NAME,
      available: true,
      methods: ["integrated"],
      devices: [...new Set(devices.map((d) => d.device))],
      detail: { command: [...launcher, "--samplers", SAMPLERS] },
    };
  }

  function addSample(sample: PowermetricsSample) {
    for (const d of DEVICES) {
      const watts = sample[d.field];
      if (typeof watts !== "number") continue;
      const entry = energy.get(d.device) ?? { joules: 0 };
      entry.joules += watts * sample.elapsedMs / 1000;
      entry.watts = watts;
      energy.set(d.device, entry);
    }
  }

  async function stream(process: Deno.ChildProcess) {
    const parser = new PowermetricsParser();
    const end = await readChildLines(process, (line) => {
      for (const sample of parser.push(line)) addSample(sample);
    });
    let error = end.error;
    if (!error) {
      try {
        for (const sample of parser.end()) addSample(sample);
      } catch (caught) {
        error = caught as Error;
      }
    }
    if (error && !closing) failure = new SensorError(NAME, error.message, { cause: error });
    const said = end.stderr.trim().split("\n")[0];
    if (!closing && !failure) {
      failure = new SensorError(
        NAME,
        `powermetrics ended with exit code ${end.code} during the run${said ? `: ${said}` : ""}`,
      );
    }
  }

  return {
    name: NAME,
    async probe() {
      status ??= await probeOnce().catch((error: unknown) =>
        error instanceof Deno.errors.NotFound
          ? unavailable(
            `powermetrics was not found at ${executable}`,
            "powermetrics ships with macOS; it is not available on other systems",
          )
          : unavailable(`powermetrics could not be run: ${(error as Error).message}`)
      );
      return status;
    },
    async start() {
      const found = await this.probe();
      if (!found.available) throw new SensorError(NAME, found.reason ?? "unavailable");
      energy.clear();
      // Probed devices read as zero until the first sample arrives.
      for (const device of found.devices) energy.set(device, { joules: 0 });
      closing = false;
      failure = undefined;
      const [command, ...lead] = launcher;
      child = runtime.spawn(command, {
        args: [...lead, "--samplers", SAMPLERS, "-i", String(options.intervalMs)],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      });
      streamDone = stream(child);
    },
    read() {
      if (failure) return Promise.reject(failure);
      return Promise.resolve(
        [...DEVICE_COMPONENTS].flatMap(([device, component]): DeviceEnergy[] => {
          const entry = energy.get(device);
          if (!entry) return [];
          const result: DeviceEnergy = {
            component,
            device,
            method: "integrated",
            energyJoules: entry.joules,
          };
          if (entry.watts !== undefined) result.powerWatts = entry.watts;
          return [result];
        }),
      );
    },
    async close() {
      closing = true;
      await stopChild(child, streamDone);
      child = undefined;
      streamDone = undefined;
    },
  };
}
