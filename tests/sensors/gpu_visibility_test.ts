import { deepEqual, equal, match, throws } from "node:assert/strict";
import { gpuListProblem, resolveGpus, type VisibleGpu } from "../../lib/sensors/gpu_visibility.ts";

const uuidOf = (index: number) => `GPU-${index}a2b0000-1111-2222-3333-00000000000${index}`;
const gpusAt = (...indices: number[]): VisibleGpu[] =>
  indices.map((index) => ({ index, uuid: uuidOf(index) }));

/** The devices a setting resolves to, over the given GPUs (task scope unless said). */
function resolve(
  vars: Record<string, string>,
  gpus: VisibleGpu[],
  options: { scope?: "task" | "node"; explicit?: string } = {},
) {
  return resolveGpus({ env: (name) => vars[name], gpus, ...options });
}
const devices = (selection: ReturnType<typeof resolve>) => selection.gpus.map((g) => g.device);

Deno.test("CUDA_VISIBLE_DEVICES: ordinals over the GPUs the job can open, or UUIDs, as CUDA reads it", () => {
  const gpus = gpusAt(0, 1, 2, 3);
  const unset = resolve({}, gpus);
  deepEqual([unset.restricted, unset.source, unset.gpus], [false, "none", []]);
  for (const none of ["", "-1", "NoDevFiles"]) {
    const hidden = resolve({ CUDA_VISIBLE_DEVICES: none }, gpus);
    deepEqual([hidden.restricted, hidden.gpus], [true, []], none);
  }
  const ordinals = resolve({ CUDA_VISIBLE_DEVICES: "2,0" }, gpus);
  deepEqual(devices(ordinals), ["gpu-2", "gpu-0"]);
  equal(ordinals.rule, "ordinal");
  const uuids = resolve({ CUDA_VISIBLE_DEVICES: "GPU-3a2b,GPU-1a2b" }, gpus);
  deepEqual(devices(uuids), ["gpu-3", "gpu-1"]);
  equal(uuids.rule, "uuid");
  equal(uuids.basis, "CUDA_VISIBLE_DEVICES names the GPUs by UUID");
  // CUDA stops at the first entry it cannot match: 2 is hidden behind the unknown 7.
  const stopped = resolve({ CUDA_VISIBLE_DEVICES: "1,7,2" }, gpus);
  deepEqual(devices(stopped), ["gpu-1"]);
  deepEqual(stopped.unmatched, [
    "7: the job can open 4 GPU(s), so ordinal 7 names none",
    "2: after an entry CUDA cannot match, it reads no further",
  ]);
  deepEqual(resolve({ CUDA_VISIBLE_DEVICES: "GPU-" }, gpus).unmatched, [
    "GPU-: names more than one GPU",
  ]);
});

Deno.test("SLURM renumbering under ConstrainDevices picks the job's GPU, never another user's", () => {
  // The job holds physical GPUs 1 and 2. Inside its device cgroup NVML opens only those (the
  // others answer NO_PERMISSION and are left out, so the sensors' indices stay physical), and
  // SLURM renumbers CUDA_VISIBLE_DEVICES from 0: CUDA's 1 is physical 2. Reading "1" as a
  // physical index, as before, charged GPU 1's owner.
  const env = { SLURM_JOB_GPUS: "1,2", SLURM_STEP_GPUS: "1,2", CUDA_VISIBLE_DEVICES: "1" };
  const task = resolve(env, gpusAt(1, 2));
  deepEqual(devices(task), ["gpu-2"]);
  deepEqual([task.source, task.rule], ["CUDA_VISIBLE_DEVICES", "ordinal"]);
  // The node sampler counts every GPU the job holds on the node.
  const node = resolve(env, gpusAt(1, 2), { scope: "node" });
  deepEqual(devices(node), ["gpu-1", "gpu-2"]);
  deepEqual([node.source, node.rule], ["SLURM_STEP_GPUS", "device-cgroup"]);
  match(node.basis, /the job can open 2 GPU\(s\), as many as SLURM_STEP_GPUS names/);
  // In a container the sensors number the same two GPUs 0 and 1: still the job's two.
  deepEqual(devices(resolve(env, gpusAt(0, 1), { scope: "node" })), ["gpu-0", "gpu-1"]);
  deepEqual(devices(resolve(env, gpusAt(0, 1))), ["gpu-1"]);
});

Deno.test("without a device cgroup SLURM's indices are a labelled guess", () => {
  const node = resolve({ SLURM_JOB_GPUS: "2,3" }, gpusAt(0, 1, 2, 3), { scope: "node" });
  deepEqual(devices(node), ["gpu-2", "gpu-3"]);
  equal(node.rule, "index-guess");
  match(node.basis, /index is a guess .*give --gpus <UUIDs> to be exact/);
  // A hand-set range, and an index no sensor reports.
  const ranged = resolve({ SLURM_JOB_GPUS: "0-1,7" }, gpusAt(0, 1, 2, 3), { scope: "node" });
  deepEqual(devices(ranged), ["gpu-0", "gpu-1"]);
  deepEqual(ranged.unmatched, ["7: no GPU the sensors see has index 7"]);
});

Deno.test("NVIDIA_VISIBLE_DEVICES: all, none, UUIDs, or a container's host indices", () => {
  const gpus = gpusAt(0, 1);
  equal(resolve({ NVIDIA_VISIBLE_DEVICES: "all" }, gpus).restricted, false);
  deepEqual(resolve({ NVIDIA_VISIBLE_DEVICES: "void" }, gpus).gpus, []);
  deepEqual(devices(resolve({ NVIDIA_VISIBLE_DEVICES: uuidOf(1) }, gpus)), ["gpu-1"]);
  // `docker run --gpus '"device=5,7"'`: the container sees two GPUs, numbered 0 and 1.
  const container = resolve({ NVIDIA_VISIBLE_DEVICES: "5,7" }, gpus);
  deepEqual([devices(container), container.rule], [["gpu-0", "gpu-1"], "device-cgroup"]);
});

Deno.test("--gpus comes first and names GPUs by UUID or the sensors' index", () => {
  const env = { CUDA_VISIBLE_DEVICES: "0" };
  const explicit = resolve(env, gpusAt(0, 1, 2), { explicit: `2,${uuidOf(1).slice(0, 8)}` });
  deepEqual(devices(explicit), ["gpu-2", "gpu-1"]);
  deepEqual([explicit.source, explicit.rule], ["--gpus", "explicit"]);
  throws(() => resolve(env, gpusAt(0), { explicit: "gpu0" }), /--gpus "gpu0" must list/);
  equal(gpuListProblem("0-1,GPU-ab12"), undefined);
  equal(gpuListProblem(""), '--gpus "" must list GPU indices or UUIDs (GPU-..., MIG-...)');
});

Deno.test("a MIG id names a slice: its GPU counts with the slice's share, never whole", () => {
  const mig = (uuid: string, index: number, share: number) => ({
    uuid,
    index,
    share,
    shareBasis: `${Math.round(share * 98)} of 98 SMs`,
  });
  const gpus: VisibleGpu[] = [
    {
      index: 0,
      uuid: uuidOf(0),
      migDevices: [mig("MIG-aa11", 0, 3 / 7), mig("MIG-bb22", 1, 4 / 7)],
    },
    { index: 1, uuid: uuidOf(1) },
  ];
  const one = resolve({ CUDA_VISIBLE_DEVICES: "MIG-aa11" }, gpus);
  deepEqual(one.gpus, [{
    device: "gpu-0",
    index: 0,
    uuid: uuidOf(0),
    share: 3 / 7,
    migDevices: ["MIG-aa11"],
    shareBasis: "42 of 98 SMs",
  }]);
  equal(one.rule, "uuid");
  const both = resolve({ CUDA_VISIBLE_DEVICES: "MIG-aa11,MIG-bb22" }, gpus);
  equal(both.gpus[0]!.share, 1);
  const legacy = resolve({ CUDA_VISIBLE_DEVICES: `MIG-${uuidOf(0)}/1/0` }, gpus);
  deepEqual(legacy.gpus, []);
  match(legacy.unmatched[0]!, /MIG-GPU-<uuid>\/<gi>\/<ci> form .* is not resolved/);
  match(resolve({ CUDA_VISIBLE_DEVICES: "MIG-cc33" }, gpus).unmatched[0]!, /no MIG device/);
});
