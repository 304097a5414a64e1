import { equal, ok, throws } from "node:assert/strict";
import table from "../../data/gpu_tdp.json" with { type: "json" };
import { gpuTdp, UnknownGpuError } from "../../lib/geo/gpu_tdp.ts";

Deno.test("a bare family name takes the most common variant and says so", () => {
  const a100 = gpuTdp("A100");
  equal(a100.name, "NVIDIA A100 SXM4 40GB");
  equal(a100.tdpWatts, 400);
  ok(a100.assumed?.includes("SXM4 40GB"), a100.assumed);
  equal(gpuTdp("H100").tdpWatts, 700);
  ok(gpuTdp("H100").assumed);
  equal(gpuTdp("V100").name, "NVIDIA V100 SXM2");
});

Deno.test("nvidia-smi names pick the exact variant", () => {
  equal(gpuTdp("NVIDIA A100-SXM4-80GB").name, "NVIDIA A100 SXM4 80GB");
  equal(gpuTdp("NVIDIA A100 80GB PCIe").tdpWatts, 300);
  equal(gpuTdp("NVIDIA A100-PCIE-40GB").tdpWatts, 250);
  equal(gpuTdp("NVIDIA H100 PCIe").tdpWatts, 350);
  equal(gpuTdp("NVIDIA H100 80GB HBM3").tdpWatts, 700);
  equal(gpuTdp("NVIDIA H100 80GB HBM3").assumed, undefined);
  equal(gpuTdp("Tesla V100-PCIE-16GB").tdpWatts, 250);
  equal(gpuTdp("Tesla T4").tdpWatts, 70);
  equal(gpuTdp("NVIDIA GeForce RTX 4090").tdpWatts, 450);
  equal(gpuTdp("rtx3090").tdpWatts, 350);
  equal(gpuTdp("AMD Instinct MI300X").tdpWatts, 750);
  equal(gpuTdp("mi250x").name, "AMD Instinct MI250X");
});

Deno.test("short families do not swallow longer ones", () => {
  equal(gpuTdp("A10").tdpWatts, 150);
  equal(gpuTdp("NVIDIA L4").tdpWatts, 72);
  equal(gpuTdp("NVIDIA L40S").tdpWatts, 350);
  equal(gpuTdp("H200").tdpWatts, 700);
  equal(gpuTdp("B200").tdpWatts, 1000);
});

Deno.test("an unknown GPU lists known names", () => {
  throws(() => gpuTdp("Voodoo 3"), (error: unknown) => {
    ok(error instanceof UnknownGpuError);
    equal(error.suggestions.length, 5);
    return true;
  });
});

Deno.test("every row cites a vendor page", () => {
  for (const row of table.rows) {
    ok(/^https:\/\/www\.(nvidia|amd)\.com\//.test(row.source), row.name);
    ok(row.tdpWatts > 0);
  }
});
