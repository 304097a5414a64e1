/**
 * What `impact run` was asked to do, as typed values. The CLI declares the flags and builds
 * these (lib/cli/run_flags.ts); the run reads them and nothing else, so it imports no CLI
 * framework and nothing of lib/run itself.
 *
 * @module
 */
import type { RegionFlags } from "../geo/resolve.ts";
import type { LiveProvider } from "../geo/live/poller.ts";
import type { HardwareRequirement } from "../hardware.ts";
import type { Attribution } from "../types.ts";

/** Seconds between live polls unless `--live-intensity-every` says otherwise. */
export const DEFAULT_LIVE_POLL_SECONDS = 300;

/** `--live-intensity`: poll a live grid-intensity source while the job runs. */
export interface LiveIntensityOptions {
  /** The source. */
  provider: LiveProvider;
  /** `--live-intensity-url`: base URL, when not `$IMPACT_LIVE_INTENSITY_URL` or the public API. */
  url?: string;
  /** `--live-intensity-every`: seconds between polls ({@link DEFAULT_LIVE_POLL_SECONDS} when absent). */
  everySeconds?: number;
}

/** Everything `impact run` was asked to do. */
export interface RunOptions {
  /** The command and its arguments; empty with `--demo`. */
  command: string[];
  /** Run the built-in CPU workload instead of a command. */
  demo: boolean;
  /** `--interval`, ms. */
  intervalMs: number;
  /** `--log-dir`. */
  logDir?: string;
  /** `--label key=value`. */
  labels: Record<string, string>;
  /** `--require-gpu`. */
  requireGpu: HardwareRequirement[];
  /** `--require-cpu`. */
  requireCpu: HardwareRequirement[];
  /** `--attribution`. */
  attribution: Attribution;
  /** `--quiet`: no live status line and no summary on stderr. */
  quiet: boolean;
  /** Capture git and pip/conda state into impact.json (`--no-env` turns it off). */
  captureEnv: boolean;
  /**
   * `--redact <regex>`: what impact.json must not record; every match in the strings it records
   * (command, labels, environment, region) becomes `***`. URL credentials are always redacted.
   */
  redact?: RegExp[];
  /**
   * Where the electricity comes from, as given (`--zone`, `--country`, `--lat/--lon`,
   * `--address`, `--online`, `--cloud`, `--locate-by-ip`); resolved when the run starts.
   */
  region: RegionFlags;
  /** `--live-intensity` and its settings, when given. */
  live?: LiveIntensityOptions;
  /** `--metrics [host:]port`: serve Prometheus metrics while the job runs. */
  metrics?: string;
  /** `--cgroup <path>`: the job's CPU time and memory from this cgroup. */
  cgroup?: string;
  /** `--gpus <list>`: the job's GPUs by UUID (`GPU-...`, `MIG-...`) or the sensors' index. */
  gpus?: string;
  /**
   * `--strict-sensors`: exit 5 (a sensor failed) when any device went unmeasured for a while
   * (a recorded gap); without it `impact run` exits with the command's code whatever the sensors did.
   */
  strictSensors: boolean;
}
