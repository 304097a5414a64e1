/**
 * A job's power over time: attributed joules in one-second buckets, summed over its nodes'
 * sample streams, built one sample (or one samples.jsonl line) at a time without holding the
 * samples, e.g. to plot a multi-node job. Merging runs into one job is lib/accounting/merge_nodes.ts.
 *
 * @module
 */
import type { Component } from "../types.ts";
import type { SampleRecord } from "../log/schema.ts";
import { fieldMessage, isLogProblem, parseSampleLine } from "../log/validate.ts";
import { COMPONENTS } from "./figures.ts";

/** The timeline's components: a whole-node meter's (always 0 attributed) kept apart. */
const TIMELINE_COMPONENTS: readonly Component[] = [...COMPONENTS, "node"];

/** A job's power over time: attributed joules per whole second, summed over nodes. */
export interface JobTimeline {
  /** Unix seconds of the first bucket. */
  startSeconds: number;
  /** Attributed joules in each one-second bucket, per component. */
  joules: Record<Component, Float64Array>;
  /** Samples merged. */
  samples: number;
}

/** Builds a {@link JobTimeline} one sample at a time, in any order, holding no samples. */
export interface JobTimelineBuilder {
  add(sample: SampleRecord): void;
  /** Adds joules of one component at a time (ms since the epoch); counts no sample. */
  addJoules(timeMs: number, component: Component, joules: number): void;
  /** Counts one sample added through `addJoules`. */
  countSample(): void;
  finish(): JobTimeline;
}

/**
 * Starts a job timeline: one-second buckets by each sample's end time, summed over nodes.
 *
 * @returns A builder; memory grows with the job's span, not with its sample count.
 */
export function createJobTimeline(): JobTimelineBuilder {
  let start = NaN;
  let length = 0;
  let capacity = 0;
  let samples = 0;
  let joules: Record<Component, Float64Array> = emptyBuckets(0);
  const resize = (newStart: number, newCapacity: number) => {
    const shift = start - newStart;
    const next = emptyBuckets(newCapacity);
    for (const c of TIMELINE_COMPONENTS) next[c].set(joules[c].subarray(0, length), shift);
    joules = next;
    length += shift;
    start = newStart;
    capacity = newCapacity;
  };
  return {
    add(sample) {
      const ms = Date.parse(sample.t);
      for (const d of sample.devices) this.addJoules(ms, d.component, d.attributedEnergyJoules);
      if (sample.devices.length === 0) this.addJoules(ms, "cpu", 0);
      samples++;
    },
    addJoules(timeMs, component, value) {
      const t = Math.floor(timeMs / 1000);
      if (Number.isNaN(start)) {
        start = t;
        capacity = 4096;
        joules = emptyBuckets(capacity);
      }
      if (t < start) resize(t, capacity + (start - t) * 2);
      const at = t - start;
      if (at >= capacity) resize(start, Math.max(capacity * 2, at + 1));
      if (at + 1 > length) length = at + 1;
      joules[component][at]! += value;
    },
    countSample() {
      samples++;
    },
    finish() {
      const out = emptyBuckets(length);
      for (const c of TIMELINE_COMPONENTS) out[c].set(joules[c].subarray(0, length));
      return { startSeconds: Number.isNaN(start) ? 0 : start, joules: out, samples };
    },
  };
}

function emptyBuckets(length: number): Record<Component, Float64Array> {
  return {
    cpu: new Float64Array(length),
    dram: new Float64Array(length),
    gpu: new Float64Array(length),
    psys: new Float64Array(length),
    node: new Float64Array(length),
  };
}

const COMPONENT_KEY = '"component":"';
const ENERGY_KEY = '"attributedEnergyJoules":';
const COMPONENT_SET: ReadonlySet<string> = new Set(TIMELINE_COMPONENTS);

// A line's devices, reused from line to line (no arrays allocated per line).
const lineComponents: Component[] = [];
const lineJoules: number[] = [];

// Consecutive samples share their minute: Date.parse runs once per minute, not per line.
let cachedMinute = "";
let cachedMinuteMs = NaN;

function digit(line: string, at: number): number {
  const d = line.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}

/** Parses the `t` field starting at `from` (ending at the quote at `end`), in ms. */
function sampleTimeMs(line: string, from: number, end: number): number {
  // The log writer's form, `YYYY-MM-DDTHH:MM:SS.sssZ`; anything else goes to Date.parse.
  if (
    end - from !== 24 || line.charCodeAt(from + 16) !== 58 || line.charCodeAt(from + 19) !== 46 ||
    line.charCodeAt(from + 23) !== 90
  ) return Date.parse(line.slice(from, end));
  const minute = line.slice(from, from + 16);
  if (minute !== cachedMinute) {
    cachedMinuteMs = Date.parse(`${minute}:00.000Z`);
    cachedMinute = minute;
  }
  const seconds = digit(line, from + 17) * 10 + digit(line, from + 18);
  const ms = digit(line, from + 20) * 100 + digit(line, from + 21) * 10 + digit(line, from + 22);
  return seconds < 60 ? cachedMinuteMs + seconds * 1000 + ms : NaN;
}

/**
 * Adds one `samples.jsonl` line to a timeline, reading only the fields the merge needs
 * (time, each device's component and attributed joules); falls back to a full parse for any
 * line not written in the log writer's key order.
 *
 * @param builder The timeline.
 * @param line One line of `samples.jsonl`.
 * @returns The line's attributed joules (all devices).
 * @throws SyntaxError when the line is not JSON or not a usable sample (lib/log/validate.ts).
 */
export function addSampleLine(builder: JobTimelineBuilder, line: string): number {
  if (line.startsWith('{"t":"')) {
    const ms = sampleTimeMs(line, 6, line.indexOf('"', 6));
    let count = 0;
    let ok = !Number.isNaN(ms);
    for (
      let at = line.indexOf(COMPONENT_KEY);
      ok && at >= 0;
      at = line.indexOf(COMPONENT_KEY, at)
    ) {
      at += COMPONENT_KEY.length;
      const component = line.slice(at, line.indexOf('"', at));
      const close = line.indexOf("}", at);
      const key = line.indexOf(ENERGY_KEY, at);
      if (!COMPONENT_SET.has(component) || key < 0 || key > close) {
        ok = false;
        break;
      }
      const from = key + ENERGY_KEY.length;
      let to = from;
      while (to < close && line.charCodeAt(to) !== 44) to++; // up to "," or "}"
      const value = Number(line.slice(from, to));
      if (!Number.isFinite(value) || value < 0) ok = false;
      lineComponents[count] = component as Component;
      lineJoules[count++] = value;
    }
    if (ok) {
      let total = 0;
      for (let i = 0; i < count; i++) {
        builder.addJoules(ms, lineComponents[i]!, lineJoules[i]!);
        total += lineJoules[i]!;
      }
      builder.countSample();
      return total;
    }
  }
  // Anything the fast path did not take is checked against the log's schema.
  const sample = parseSampleLine(line);
  if (isLogProblem(sample)) throw new SyntaxError(`samples.jsonl line: ${fieldMessage(sample)}`);
  builder.add(sample);
  return sample.devices.reduce((s, d) => s + d.attributedEnergyJoules, 0);
}
