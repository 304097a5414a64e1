/**
 * `impact`: measure the energy, carbon and social cost of compute jobs.
 *
 * @module
 */
export { VERSION } from "./lib/version.ts";
export type {
  Attribution,
  ComponentTotal,
  DeviceSample,
  RunInfo,
  RunSummary,
  SampleRecord,
} from "./lib/log/schema.ts";
export type {
  Component,
  DeviceEnergy,
  EnergySensor,
  Method,
  SensorStatus,
} from "./lib/sensors/types.ts";
