/**
 * Which GPUs a job may use: the one place that reads `--gpus`, `CUDA_VISIBLE_DEVICES`,
 * `SLURM_STEP_GPUS`/`SLURM_JOB_GPUS` and `NVIDIA_VISIBLE_DEVICES`, for the sampler (which GPUs
 * count as the job's) and the SLURM step (which GPUs a task or node sampler holds).
 *
 * Entries are resolved against the GPUs the sensors see from inside the job, by UUID where the
 * setting gives one. That is what makes SLURM's renumbering safe: under `ConstrainDevices=yes`
 * the job's device cgroup lets NVML and nvidia-smi open only the job's GPUs, CUDA numbers those
 * from 0, and a physical index from SLURM names the same GPU only when it is one of them.
 * - `--gpus`: UUIDs (`GPU-...`, `MIG-...`, a unique prefix is enough) or indices as the sensors
 *   number them (`impact doctor`, `nvidia-smi -L`).
 * - `CUDA_VISIBLE_DEVICES`: UUIDs, or CUDA ordinals, which count the GPUs the job can open in
 *   PCI order (the sensors' order); CUDA stops at the first entry it cannot match.
 * - `SLURM_STEP_GPUS`, `SLURM_JOB_GPUS`, `NVIDIA_VISIBLE_DEVICES` (a container's): host
 *   indices. When the sensors see as many GPUs as the list names, they are the job's (its
 *   device cgroup, or the container, holds exactly those); when they see more, nothing confines
 *   the job and the indices are read as the sensors' own, a guess labelled `index-guess`
 *   (SLURM numbers GPUs by gres.conf, NVML by PCI bus).
 * - `MIG-` UUIDs name a slice of a GPU: the GPU counts with the slice's share of its compute.
 * - AMD GPUs (devices `amd-gpu-N`, `amd-apu-N`) are chosen by `ROCR_VISIBLE_DEVICES` and
 *   `HIP_VISIBLE_DEVICES` as the ROCm runtime reads them ({@link visibleAmdGpus}), else by
 *   SLURM's lists; the NVIDIA variables never name them, and the AMD ones never name an NVIDIA
 *   GPU. On a node with both, each vendor's GPUs are resolved apart and the results joined.
 *
 * The rule that decided is recorded (impact.json `gpuVisibility`).
 *
 * @module
 */
import {
  gpuDeviceId,
  type GpuInfo,
  type GpuSelection,
  type JobGpu,
  type MigDeviceInfo,
  type VisibilityRule,
} from "../types.ts";

/** A GPU as the sensors report it: their index, its UUID and its MIG devices. */
export type VisibleGpu = Pick<GpuInfo, "index" | "uuid" | "migDevices" | "device">;

/** AMD's GPUs and APUs, which the ROCm variables name (and the CUDA ones never do). */
function isAmd(gpu: VisibleGpu): boolean {
  return /^amd-/.test(gpuDeviceId(gpu));
}

/** How a setting's numbers are read. */
type Numbering = "explicit" | "ordinals" | "host-indices";

/**
 * The environment variables that name a job's NVIDIA (and other non-AMD) GPUs, in the order
 * they are consulted (the most specific first). AMD GPUs are read through
 * {@link AMD_GPU_VISIBILITY_VARIABLES}, then SLURM's rows of this table.
 */
const GPU_VISIBILITY_VARIABLES: readonly {
  name: string;
  numbering: Numbering;
  /** One task's binding: a SLURM node sampler, counting the node, reads it last. */
  taskOnly?: boolean;
}[] = [
  { name: "CUDA_VISIBLE_DEVICES", numbering: "ordinals", taskOnly: true },
  { name: "SLURM_STEP_GPUS", numbering: "host-indices" },
  { name: "SLURM_JOB_GPUS", numbering: "host-indices" },
  { name: "NVIDIA_VISIBLE_DEVICES", numbering: "host-indices" },
];

/** What to resolve. */
export interface GpuRequest {
  /** Returns an environment variable. */
  env: (name: string) => string | undefined;
  /** The GPUs the sensors see (the job can open), with their MIG devices. */
  gpus: readonly VisibleGpu[];
  /** `--gpus`, when given: it comes before every variable. */
  explicit?: string | undefined;
  /**
   * `node` for a SLURM node sampler: the job's GPUs on the node (SLURM's lists first), not one
   * task's `CUDA_VISIBLE_DEVICES`.
   */
  scope?: "task" | "node";
}

const RULE_STRENGTH: VisibilityRule[] = [
  "uuid",
  "explicit",
  "ordinal",
  "device-cgroup",
  "index-guess",
];

/**
 * Resolves the job's GPUs against the GPUs the sensors see.
 *
 * @param request The environment, `--gpus`, the sensors' GPUs and the scope.
 * @returns The GPUs, with the setting and rule that decided.
 * @throws {Error} For a malformed `--gpus` (an entry that is neither an index nor a UUID).
 * @example SLURM renumbered the job's GPUs; the sensors see the job's three
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { resolveGpus } from "./gpu_visibility.ts";
 *
 * // NVML inside the job opens GPUs 4, 5 and 6 only; CUDA numbers them 0, 1, 2.
 * const gpus = [4, 5, 6].map((index) => ({ index, uuid: `GPU-${index}000` }));
 * const env: Record<string, string> = { SLURM_JOB_GPUS: "4,5,6", CUDA_VISIBLE_DEVICES: "1" };
 * const task = resolveGpus({ env: (name) => env[name], gpus });
 * deepEqual(task.gpus.map((g) => g.device), ["gpu-5"]);
 * equal(task.rule, "ordinal");
 * const node = resolveGpus({ env: (name) => env[name], gpus, scope: "node" });
 * deepEqual(node.gpus.map((g) => g.device), ["gpu-4", "gpu-5", "gpu-6"]);
 * equal(node.rule, "device-cgroup");
 * ```
 */
export function resolveGpus(request: GpuRequest): GpuSelection {
  if (request.explicit !== undefined) {
    const problem = gpuListProblem(request.explicit);
    if (problem) throw new Error(problem);
  }
  const amd = request.gpus.filter(isAmd);
  const others = request.gpus.filter((gpu) => !isAmd(gpu));
  if (amd.length === 0) return resolveAmong(request, others, GPU_VISIBILITY_VARIABLES);
  const amdSelection = resolveAmd(request, amd);
  if (others.length === 0) return amdSelection;
  return joinSelections(resolveAmong(request, others, GPU_VISIBILITY_VARIABLES), amdSelection);
}

/** The variable rows that name GPUs of every vendor (SLURM's). */
const SLURM_VARIABLES = GPU_VISIBILITY_VARIABLES.filter((v) => v.name.startsWith("SLURM_"));

/** `--gpus`, else the first variable of `variables` that is set, over `gpus`. */
function resolveAmong(
  request: GpuRequest,
  gpus: readonly VisibleGpu[],
  variables: typeof GPU_VISIBILITY_VARIABLES,
): GpuSelection {
  const sorted = [...gpus].sort((a, b) => a.index - b.index);
  if (request.explicit !== undefined) {
    return select("--gpus", request.explicit, listEntries(request.explicit), "explicit", sorted);
  }
  // A node sampler reads a task's own binding only when nothing names the job's GPUs.
  const ordered = request.scope === "node"
    ? [...variables.filter((v) => !v.taskOnly), ...variables.filter((v) => v.taskOnly)]
    : variables;
  for (const { name, numbering } of ordered) {
    const value = setting(request.env, name);
    // An empty CUDA_VISIBLE_DEVICES hides every GPU; elsewhere empty is unset.
    if (value === undefined || (value === "" && name !== "CUDA_VISIBLE_DEVICES")) continue;
    if (name === "NVIDIA_VISIBLE_DEVICES" && value.toLowerCase() === "all") {
      return unrestricted(`NVIDIA_VISIBLE_DEVICES=all: every GPU is the container's`);
    }
    const none = ["", "-1", "none", "void", "nodevfiles"].includes(value.toLowerCase());
    if (none) {
      return {
        restricted: true,
        gpus: [],
        source: name,
        value,
        basis: `${name}="${value}" gives the job no GPU`,
        unmatched: [],
      };
    }
    return select(name, value, listEntries(value), numbering, sorted);
  }
  return unrestricted("no setting names the job's GPUs: its processes tell which it uses");
}

/** AMD GPUs: `--gpus`, else ROCr's and HIP's lists, else SLURM's. */
function resolveAmd(request: GpuRequest, gpus: readonly VisibleGpu[]): GpuSelection {
  if (request.explicit !== undefined) return resolveAmong(request, gpus, []);
  const visible = visibleAmdGpus(request.env, gpus);
  if (!visible) return resolveAmong(request, gpus, SLURM_VARIABLES);
  const value = AMD_GPU_VISIBILITY_VARIABLES.map((name) => request.env(name))
    .filter((v) => v !== undefined).join(" / ");
  return {
    restricted: true,
    gpus: visible.devices.map((device) => {
      const gpu = gpus.find((g) => gpuDeviceId(g) === device)!;
      const job: JobGpu = { device, index: gpu.index, share: 1 };
      if (gpu.uuid !== undefined) job.uuid = gpu.uuid;
      return job;
    }),
    source: visible.source,
    value,
    rule: "ordinal",
    basis:
      `${visible.source}: ROCm ordinals (or UUIDs) over the ${gpus.length} AMD GPU(s) the job can open`,
    unmatched: [],
  };
}

/** One decision from two vendors' (each over its own GPUs, so no GPU is in both). */
function joinSelections(a: GpuSelection, b: GpuSelection): GpuSelection {
  if (!a.restricted && !b.restricted) return a;
  const weakest = [a.rule, b.rule].filter((r): r is VisibilityRule => r !== undefined)
    .sort((x, y) => RULE_STRENGTH.indexOf(y) - RULE_STRENGTH.indexOf(x))[0];
  const joined: GpuSelection = {
    // A vendor no setting restricts keeps its processes as the test of use; the sampler
    // counts a GPU the selection does not list by its processes.
    restricted: a.restricted && b.restricted,
    gpus: [...a.gpus, ...b.gpus],
    source: [a.source, b.source].filter((x) => x !== "none").join("; "),
    basis: `${a.basis}; ${b.basis}`,
    unmatched: [...a.unmatched, ...b.unmatched],
  };
  const value = [a.value, b.value].filter((v) => v !== undefined).join("; ");
  if (value !== "") joined.value = value;
  if (weakest !== undefined) joined.rule = weakest;
  return joined;
}

/**
 * What is wrong with a `--gpus` value, if anything: it must list indices (`0`, `2-3`) or UUIDs
 * (`GPU-...`, `MIG-...`).
 *
 * @param value The flag's value.
 * @returns The problem in a sentence naming the value, or undefined when it is well formed.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { gpuListProblem } from "./gpu_visibility.ts";
 *
 * equal(gpuListProblem("0,GPU-5a1c,MIG-9f0e"), undefined);
 * equal(gpuListProblem("gpu0"), '--gpus "gpu0" must list GPU indices or UUIDs (GPU-..., MIG-...)');
 * ```
 */
export function gpuListProblem(value: string): string | undefined {
  const entries = listEntries(value);
  const ok = entries.length > 0 &&
    entries.every((e) => /^(\d+(-\d+)?|GPU-[\w-]+|MIG-[\w/-]+)$/i.test(e));
  return ok ? undefined : `--gpus "${value}" must list GPU indices or UUIDs (GPU-..., MIG-...)`;
}

function unrestricted(basis: string): GpuSelection {
  return { restricted: false, gpus: [], source: "none", basis, unmatched: [] };
}

/** One entry's match: a GPU (or one of its MIG devices) and the rule, or why none. */
type EntryMatch = { gpu: VisibleGpu; mig?: MigDeviceInfo; rule: VisibilityRule } | {
  why: string;
};

function select(
  source: string,
  value: string,
  entries: string[],
  numbering: Numbering,
  sorted: VisibleGpu[],
): GpuSelection {
  const matches = matchEntries(entries, numbering, sorted);
  const unmatched: string[] = [];
  const byIndex = new Map<number, JobGpu>();
  let weakest = -1;
  matches.forEach(({ entry, match }) => {
    if ("why" in match) return unmatched.push(`${entry}: ${match.why}`);
    weakest = Math.max(weakest, RULE_STRENGTH.indexOf(match.rule));
    const { gpu, mig } = match;
    let job = byIndex.get(gpu.index);
    if (!job) {
      job = { device: gpuDeviceId(gpu), index: gpu.index, share: mig ? 0 : 1 };
      if (gpu.uuid !== undefined) job.uuid = gpu.uuid;
      byIndex.set(gpu.index, job);
    }
    if (!mig) {
      job.share = 1;
      delete job.shareBasis;
    } else if (!job.migDevices?.includes(mig.uuid)) {
      job.migDevices = [...(job.migDevices ?? []), mig.uuid];
      if (job.share < 1) {
        job.share = Math.min(1, job.share + mig.share);
        job.shareBasis = job.shareBasis ? `${job.shareBasis} + ${mig.shareBasis}` : mig.shareBasis;
      }
    }
  });
  const rule = weakest < 0 ? undefined : RULE_STRENGTH[weakest]!;
  const selection: GpuSelection = {
    restricted: true,
    gpus: [...byIndex.values()],
    source,
    value,
    basis: basisOf(source, rule, sorted.length, entries.length),
    unmatched,
  };
  if (rule !== undefined) selection.rule = rule;
  return selection;
}

function basisOf(
  source: string,
  rule: VisibilityRule | undefined,
  seen: number,
  named: number,
): string {
  switch (rule) {
    case "uuid":
      return `${source} names the GPUs by UUID`;
    case "explicit":
      return `${source} names the GPUs by the sensors' index`;
    case "ordinal":
      return `${source} ordinals count the ${seen} GPU(s) the job can open, in PCI order`;
    case "device-cgroup":
      return `the job can open ${seen} GPU(s), as many as ${source} names: its device cgroup (or container) holds exactly those`;
    case "index-guess":
      return `${source} read as the sensors' indices: the job can open ${seen} GPU(s), not the ${named} named, so no device cgroup confines it to them and the index is a guess (SLURM numbers GPUs by gres.conf, NVML by PCI bus); give --gpus <UUIDs> to be exact`;
    default:
      return `${source} names no GPU the sensors see`;
  }
}

function matchEntries(
  entries: string[],
  numbering: Numbering,
  sorted: VisibleGpu[],
): { entry: string; match: EntryMatch }[] {
  // CUDA reads its list as written; the others accept hand-set ranges (`0-3`).
  const listed = numbering === "ordinals" ? entries : entries.flatMap(expandRange);
  if (numbering === "host-indices" && listed.every((e) => /^\d+$/.test(e))) {
    const matches = hostIndices(listed.map(Number), sorted);
    return matches.map((match, i) => ({ entry: listed[i]!, match }));
  }
  const matches: { entry: string; match: EntryMatch }[] = [];
  let stopped = false;
  for (const entry of listed) {
    if (stopped) {
      matches.push({
        entry,
        match: { why: "after an entry CUDA cannot match, it reads no further" },
      });
      continue;
    }
    const match = matchEntry(entry, numbering, sorted);
    // CUDA stops at the first entry it cannot match (a typo hides every GPU after it).
    if ("why" in match && numbering === "ordinals") stopped = true;
    matches.push({ entry, match });
  }
  return matches;
}

function matchEntry(entry: string, numbering: Numbering, sorted: VisibleGpu[]): EntryMatch {
  if (/^MIG-GPU-/i.test(entry)) {
    return {
      why:
        "the MIG-GPU-<uuid>/<gi>/<ci> form (drivers before R470) is not resolved; name the slice by its MIG- UUID (nvidia-smi -L)",
    };
  }
  if (/^MIG-/i.test(entry)) {
    const found = sorted.flatMap((gpu) =>
      (gpu.migDevices ?? []).filter((mig) => startsWith(mig.uuid, entry)).map((mig) => ({
        gpu,
        mig,
      }))
    );
    if (found.length === 1) return { ...found[0]!, rule: "uuid" };
    return {
      why: found.length > 1
        ? "names more than one MIG device"
        : "no MIG device of the GPUs the sensors see has this UUID",
    };
  }
  if (/^GPU-/i.test(entry)) {
    const found = sorted.filter((gpu) => gpu.uuid !== undefined && startsWith(gpu.uuid, entry));
    if (found.length === 1) return { gpu: found[0]!, rule: "uuid" };
    return {
      why: found.length > 1 ? "names more than one GPU" : "no GPU the sensors see has this UUID",
    };
  }
  if (/^\d+$/.test(entry)) {
    const n = Number(entry);
    if (numbering === "ordinals") {
      const gpu = sorted[n];
      return gpu
        ? { gpu, rule: "ordinal" }
        : { why: `the job can open ${sorted.length} GPU(s), so ordinal ${n} names none` };
    }
    const gpu = sorted.find((g) => g.index === n);
    return gpu ? { gpu, rule: "explicit" } : { why: `no GPU the sensors see has index ${n}` };
  }
  return { why: "not a GPU index or UUID" };
}

/** Host indices (SLURM's, a container's) against what the sensors see from inside the job. */
function hostIndices(indices: number[], sorted: VisibleGpu[]): EntryMatch[] {
  const seen = sorted.map((g) => g.index);
  if (sorted.length === indices.length) {
    // The job's cgroup (or container) lets it open exactly the GPUs named: those, whatever
    // numbers the sensors give them. Same indices: the same GPUs, in the same order.
    const same = indices.every((i) => seen.includes(i));
    return indices.map((index, k) => ({
      gpu: same ? sorted.find((g) => g.index === index)! : sorted[k]!,
      rule: "device-cgroup",
    }));
  }
  return indices.map((index) => {
    const gpu = sorted.find((g) => g.index === index);
    return gpu
      ? { gpu, rule: "index-guess" }
      : { why: `no GPU the sensors see has index ${index}` };
  });
}

function startsWith(uuid: string, prefix: string): boolean {
  return uuid.toLowerCase().startsWith(prefix.toLowerCase());
}

/** A hand-set range (`0-3`) as its indices; any other entry as is. */
function expandRange(entry: string): string[] {
  const range = /^(\d+)-(\d+)$/.exec(entry);
  if (!range) return [entry];
  const out: string[] = [];
  for (let i = Number(range[1]); i <= Number(range[2]); i++) out.push(String(i));
  return out;
}

/** The comma-separated entries of a device list, trimmed, empty ones dropped. */
function listEntries(value: string): string[] {
  return value.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
}

/** A variable's value, trimmed; unset when absent or SLURM's `(null)`. */
function setting(env: (name: string) => string | undefined, name: string): string | undefined {
  const value = env(name)?.trim();
  return value === undefined || value === "(null)" ? undefined : value;
}

/**
 * The variables the ROCm runtime reads to choose a job's AMD GPUs, in the order it applies
 * them: `ROCR_VISIBLE_DEVICES` (ROCr, over every GPU), then `HIP_VISIBLE_DEVICES` (HIP, over
 * the GPUs ROCr left).
 */
const AMD_GPU_VISIBILITY_VARIABLES = ["ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"];

/**
 * Which AMD GPUs a job may use under `ROCR_VISIBLE_DEVICES` and `HIP_VISIBLE_DEVICES`, read as
 * the ROCm runtime reads them: ROCr's list (indices or `GPU-` UUIDs, a unique prefix enough)
 * picks from every GPU, then HIP's (ordinals, or UUIDs) picks from what ROCr left. Each list
 * stops at the first entry that names no GPU, as `CUDA_VISIBLE_DEVICES` does; an empty value
 * (or `-1`) leaves none. Indices count logical GPUs, so an MI300X partition or an MI250X die is
 * one GPU each.
 *
 * @param env Returns an environment variable.
 * @param gpus The AMD GPUs the sensors report (`index` the ROCm ordinal, `uuid` the
 *   `GPU-<ASIC serial>` ROCr writes).
 * @returns The visible GPUs' device ids and the variables that decided, or undefined when
 *   neither variable is set.
 * @example ROCr keeps GPUs 2 and 3, HIP then takes the second of them
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { visibleAmdGpus } from "./gpu_visibility.ts";
 *
 * const gpus = [0, 1, 2, 3].map((index) => ({ index, device: `amd-gpu-${index}` }));
 * const env: Record<string, string> = { ROCR_VISIBLE_DEVICES: "2,3", HIP_VISIBLE_DEVICES: "1" };
 * deepEqual(visibleAmdGpus((name) => env[name], gpus), {
 *   devices: ["amd-gpu-3"],
 *   source: "ROCR_VISIBLE_DEVICES, then HIP_VISIBLE_DEVICES",
 * });
 * ```
 */
export function visibleAmdGpus(
  env: (name: string) => string | undefined,
  gpus: readonly VisibleGpu[],
): { devices: string[]; source: string } | undefined {
  let visible = [...gpus].sort((a, b) => a.index - b.index);
  const used: string[] = [];
  for (const name of AMD_GPU_VISIBILITY_VARIABLES) {
    const value = env(name)?.trim();
    if (value === undefined) continue;
    used.push(name);
    const picked: VisibleGpu[] = [];
    for (const entry of value === "-1" ? [""] : listEntries(value)) {
      let match: VisibleGpu | undefined;
      if (/^\d+$/.test(entry)) match = visible[Number(entry)];
      else if (/^GPU-/i.test(entry)) {
        const found = visible.filter((g) => g.uuid !== undefined && startsWith(g.uuid, entry));
        if (found.length === 1) match = found[0];
      }
      if (match === undefined || picked.includes(match)) break;
      picked.push(match);
    }
    visible = picked;
  }
  return used.length === 0
    ? undefined
    : { devices: visible.map(gpuDeviceId), source: used.join(", then ") };
}
