import { deepEqual, equal } from "node:assert/strict";
import { visibleAmdGpus } from "../../lib/sensors/gpu_visibility.ts";

// Four MI300X-class GPUs as amd-smi reports them (UUIDs as ROCr writes them: GPU-<serial>),
// serials from the SR-IOV capture's Unique IDs.
const gpus = ["8d1457e2c20f59d2", "b4fa34630e85d42a", "e8986800e182538a", "eff71edc82169115"].map((
  serial,
  index,
) => ({ index, uuid: `GPU-${serial}`, device: `amd-gpu-${index}` }));

const env = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("ROCR_VISIBLE_DEVICES picks from every GPU, by index or UUID; HIP_VISIBLE_DEVICES then counts what is left", () => {
  equal(visibleAmdGpus(env({}), gpus), undefined);
  deepEqual(visibleAmdGpus(env({ ROCR_VISIBLE_DEVICES: "3,GPU-b4fa" }), gpus), {
    devices: ["amd-gpu-3", "amd-gpu-1"],
    source: "ROCR_VISIBLE_DEVICES",
  });
  deepEqual(visibleAmdGpus(env({ HIP_VISIBLE_DEVICES: "2" }), gpus)?.devices, ["amd-gpu-2"]);
  deepEqual(
    visibleAmdGpus(env({ ROCR_VISIBLE_DEVICES: "1,2,3", HIP_VISIBLE_DEVICES: "0,2" }), gpus),
    {
      devices: ["amd-gpu-1", "amd-gpu-3"],
      source: "ROCR_VISIBLE_DEVICES, then HIP_VISIBLE_DEVICES",
    },
  );
});

Deno.test("an entry that names no GPU ends the list; empty or -1 leaves none", () => {
  deepEqual(visibleAmdGpus(env({ HIP_VISIBLE_DEVICES: "1,7,2" }), gpus)?.devices, ["amd-gpu-1"]);
  // "GPU-e" begins two UUIDs: ambiguous, so it names no GPU and the list is empty.
  deepEqual(visibleAmdGpus(env({ ROCR_VISIBLE_DEVICES: "GPU-e" }), gpus)?.devices, []);
  deepEqual(visibleAmdGpus(env({ ROCR_VISIBLE_DEVICES: "" }), gpus)?.devices, []);
  deepEqual(visibleAmdGpus(env({ HIP_VISIBLE_DEVICES: "-1" }), gpus)?.devices, []);
});

Deno.test("resolveGpus reads ROCR_VISIBLE_DEVICES for AMD GPUs and CUDA_VISIBLE_DEVICES for NVIDIA ones", async () => {
  const { resolveGpus } = await import("../../lib/sensors/gpu_visibility.ts");
  // Before, AMD GPUs were selected as `gpu-<index>` by CUDA's rules, which names no device an
  // AMD sensor reports, so ROCR_VISIBLE_DEVICES changed nothing.
  const amdOnly = resolveGpus({ env: env({ ROCR_VISIBLE_DEVICES: "GPU-b4fa,3" }), gpus });
  deepEqual(amdOnly.gpus.map((g) => g.device), ["amd-gpu-1", "amd-gpu-3"]);
  equal(amdOnly.source, "ROCR_VISIBLE_DEVICES");
  // CUDA's variable never names an AMD GPU.
  const cuda = resolveGpus({ env: env({ CUDA_VISIBLE_DEVICES: "0" }), gpus });
  equal(cuda.restricted, false);
  deepEqual(cuda.gpus, []);
  // SLURM's list names the node's GPUs of either vendor; the job's cgroup holds exactly these.
  const slurm = resolveGpus({ env: env({ SLURM_JOB_GPUS: "0,1,2,3" }), gpus });
  deepEqual(slurm.gpus.map((g) => g.device), ["amd-gpu-0", "amd-gpu-1", "amd-gpu-2", "amd-gpu-3"]);
  // A node with both: each vendor's variable over its own GPUs.
  const mixed = resolveGpus({
    env: env({ CUDA_VISIBLE_DEVICES: "1", HIP_VISIBLE_DEVICES: "0" }),
    gpus: [...gpus.slice(0, 2), { index: 0, uuid: "GPU-aa00" }, { index: 1, uuid: "GPU-bb11" }],
  });
  deepEqual(mixed.gpus.map((g) => g.device), ["gpu-1", "amd-gpu-0"]);
  equal(mixed.source, "CUDA_VISIBLE_DEVICES; HIP_VISIBLE_DEVICES");
  // --gpus takes the sensors' device ids on such a node.
  const explicit = resolveGpus({ env: env({}), gpus, explicit: "2" });
  deepEqual(explicit.gpus.map((g) => g.device), ["amd-gpu-2"]);
});
