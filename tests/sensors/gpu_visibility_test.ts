import { deepEqual, equal, throws } from "node:assert/strict";
import {
  taskGpus,
  visibleGpuDevices,
  visibleGpuIndices,
} from "../../lib/sensors/gpu_visibility.ts";
import type { DeviceEnergy } from "../../lib/types.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("CUDA_VISIBLE_DEVICES selects GPUs by index or uuid prefix, as CUDA does", () => {
  const gpus = [0, 1, 2, 3].map((index) => ({
    index,
    uuid: `GPU-${index}a2b0000-1111-2222-3333-00000000000${index}`,
  }));
  deepEqual(visibleGpuIndices(undefined, gpus), [0, 1, 2, 3]);
  deepEqual(visibleGpuIndices("", gpus), []);
  deepEqual(visibleGpuIndices("-1", gpus), []);
  deepEqual(visibleGpuIndices("2,0", gpus), [2, 0]);
  deepEqual(visibleGpuIndices("GPU-3a2b,1", gpus), [3, 1]);
  // CUDA stops at the first id it cannot match.
  deepEqual(visibleGpuIndices("1,7,2", gpus), [1]);
  deepEqual(visibleGpuIndices("MIG-4f1c0000-aaaa-bbbb-cccc-000000000000", gpus), []);
});

Deno.test("the sampler's GPUs are matched by the same reading, once the sensors report any", () => {
  const gpu = (index: number, uuid?: string): DeviceEnergy => ({
    component: "gpu",
    device: `gpu-${index}`,
    method: "counter",
    energyJoules: 0,
    ...(uuid ? { uuid } : {}),
  });
  const cpu: DeviceEnergy = {
    component: "cpu",
    device: "package-0",
    method: "counter",
    energyJoules: 0,
  };
  equal(visibleGpuDevices("0", [cpu]), undefined);
  deepEqual(
    visibleGpuDevices("GPU-b,0", [cpu, gpu(0, "GPU-a1"), gpu(1, "GPU-b2")]),
    new Set(["gpu-1", "gpu-0"]),
  );
  deepEqual(visibleGpuDevices("0-1", [gpu(0), gpu(1)]), new Set());
});

Deno.test("taskGpus maps CUDA_VISIBLE_DEVICES onto SLURM's physical GPU indices", () => {
  equal(taskGpus(envOf({})), undefined);
  deepEqual(taskGpus(envOf({ SLURM_JOB_GPUS: "2,3" })), {
    indices: [2, 3],
    source: "SLURM_JOB_GPUS",
  });
  // Constrained devices: the task sees its GPUs renumbered from 0.
  deepEqual(
    taskGpus(envOf({ SLURM_STEP_GPUS: "4,6", SLURM_JOB_GPUS: "4,5,6", CUDA_VISIBLE_DEVICES: "1" })),
    {
      indices: [6],
      source: "CUDA_VISIBLE_DEVICES as positions in SLURM_STEP_GPUS",
    },
  );
  deepEqual(taskGpus(envOf({ SLURM_JOB_GPUS: "4,5", CUDA_VISIBLE_DEVICES: "5" }))?.indices, [5]);
  deepEqual(taskGpus(envOf({ CUDA_VISIBLE_DEVICES: "0-2" }))?.indices, [0, 1, 2]);
  deepEqual(taskGpus(envOf({ CUDA_VISIBLE_DEVICES: "GPU-aa11,GPU-bb22" })), {
    uuids: ["GPU-aa11", "GPU-bb22"],
    source: "CUDA_VISIBLE_DEVICES",
  });
  throws(
    () => taskGpus(envOf({ SLURM_JOB_GPUS: "1", CUDA_VISIBLE_DEVICES: "3" })),
    /CUDA_VISIBLE_DEVICES "3" does not fit SLURM_JOB_GPUS "1"/,
  );
});
