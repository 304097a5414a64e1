/**
 * The contract between sensors and the sampler.
 *
 * A sensor reports cumulative energy per device since `start()`; the sampler takes
 * differences between reads, so a counter-based sensor gives exact totals between any
 * two reads and an integrating sensor (power x time) accumulates on its own clock.
 *
 * @module
 */

/** What a figure is about. `psys` is the whole SoC/platform domain of laptops. */
export type Component = "cpu" | "dram" | "gpu" | "psys";

/**
 * How an energy figure was obtained:
 * - `counter`: a hardware energy counter read at both ends (RAPL, NVML total energy);
 * - `integrated`: power samples multiplied by time;
 * - `estimate`: a nameplate figure (TDP) times utilisation.
 */
export type Method = "counter" | "integrated" | "estimate";

/** What a sensor found when probed. Sensors never throw from `probe()`. */
export interface SensorStatus {
  /** Sensor name: `rapl`, `procfs`, `nvml`, `nvidia-smi`, `powerlog`, `powermetrics`, `estimate`, `cgroup`. */
  sensor: string;
  /** Whether it gives figures on this machine. */
  available: boolean;
  /** Why it is unavailable (or a caveat when available), in a sentence. */
  reason?: string;
  /** The exact fix, e.g. the udev rule for `energy_uj`. */
  fix?: string;
  /** Methods of the figures it gives. */
  methods: Method[];
  /** Devices found, e.g. `package-0`, `dram-0`, `gpu-0`. */
  devices: string[];
  /** Anything else worth recording in impact.json (driver version, zone paths, ...). */
  detail?: Record<string, unknown>;
}

/** One device's cumulative reading. */
export interface DeviceEnergy {
  /** What the figure is about. */
  component: Component;
  /** Stable device id within the machine: `package-0`, `dram-1`, `psys`, `gpu-0`. */
  device: string;
  /** How the figure is obtained. */
  method: Method;
  /** Joules since `start()`, monotonic: wraparound already handled by the sensor. */
  energyJoules: number;
  /** Latest instantaneous or mean power, where the source gives it. */
  powerWatts?: number;
  /** Device utilisation in [0, 1], where known. */
  utilization?: number;
  /** Device memory in use, bytes (GPUs). */
  memoryUsedBytes?: number;
  /** Processes seen on the device (GPUs), for attribution. */
  processIds?: number[];
  /** GPU UUID, for matching `CUDA_VISIBLE_DEVICES` and compute-apps output. */
  uuid?: string;
}

/** A source of energy figures. */
export interface EnergySensor {
  /** Sensor name, as in {@link SensorStatus.sensor}. */
  readonly name: string;
  /** Finds devices and checks access; never throws. */
  probe(): Promise<SensorStatus>;
  /** Takes the baseline; cumulative energies count from here. */
  start(): Promise<void>;
  /**
   * Cumulative energy per device since `start()`.
   * Throws {@link SensorError} when a sensor that was available fails.
   */
  read(): Promise<DeviceEnergy[]>;
  /**
   * The longest safe gap between reads in milliseconds (RAPL: before a counter can wrap
   * twice unseen); the sampler reads at least this often. Undefined: no limit.
   */
  maxReadIntervalMs?(): number | undefined;
  /** Releases processes and handles. Safe to call twice. */
  close(): Promise<void>;
}

/** A sensor that was available failed; the user sees this, never a silent zero. */
export class SensorError extends Error {
  /**
   * Names the sensor and what failed.
   *
   * @param sensor The sensor's name.
   * @param message What failed, naming the file or field.
   * @param options The underlying error.
   */
  constructor(readonly sensor: string, message: string, options?: ErrorOptions) {
    super(`${sensor}: ${message}`, options);
    this.name = "SensorError";
  }
}
