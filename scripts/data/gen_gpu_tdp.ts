/**
 * Generates data/gpu_tdp.json: GPU board power (TDP / maximum board power, watts) for
 * `impact estimate`, from the vendors' specification pages, one source per row.
 *
 * The figures are facts copied from those pages by hand (the build machines have no web
 * access); each row names the page. `family` is the token a user types ("A100"); `variant`
 * tokens tell the variants apart; `default` marks the variant an ambiguous name means.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** One row of the table. */
export interface GpuTdpRow {
  name: string;
  vendor: "NVIDIA" | "AMD";
  family: string;
  variant: string[];
  tdpWatts: number;
  default?: string;
  source: string;
}

const NV = "https://www.nvidia.com/en-us";
const AMD = "https://www.amd.com/en/products/accelerators/instinct";

/** The table. Keep one source URL per row. */
export const GPU_TDP_ROWS: GpuTdpRow[] = [
  {
    name: "NVIDIA H100 SXM5 80GB",
    vendor: "NVIDIA",
    family: "h100",
    variant: ["sxm", "sxm5", "hbm3"],
    tdpWatts: 700,
    default: "the SXM board of HGX/DGX H100 systems and cloud 8-GPU instances",
    source: `${NV}/data-center/h100/`,
  },
  {
    name: "NVIDIA H100 PCIe 80GB",
    vendor: "NVIDIA",
    family: "h100",
    variant: ["pcie"],
    tdpWatts: 350,
    source: `${NV}/data-center/h100/`,
  },
  {
    name: "NVIDIA H100 NVL 94GB",
    vendor: "NVIDIA",
    family: "h100",
    variant: ["nvl"],
    tdpWatts: 400,
    source: `${NV}/data-center/h100/`,
  },
  {
    name: "NVIDIA H200 SXM 141GB",
    vendor: "NVIDIA",
    family: "h200",
    variant: ["sxm"],
    tdpWatts: 700,
    default: "the SXM board of HGX H200 systems",
    source: `${NV}/data-center/h200/`,
  },
  {
    name: "NVIDIA H200 NVL 141GB",
    vendor: "NVIDIA",
    family: "h200",
    variant: ["nvl"],
    tdpWatts: 600,
    source: `${NV}/data-center/h200/`,
  },
  {
    name: "NVIDIA B200 (HGX B200)",
    vendor: "NVIDIA",
    family: "b200",
    variant: ["sxm", "hgx"],
    tdpWatts: 1000,
    source: `${NV}/data-center/hgx/`,
  },
  {
    name: "NVIDIA L40S",
    vendor: "NVIDIA",
    family: "l40s",
    variant: [],
    tdpWatts: 350,
    source: `${NV}/data-center/l40s/`,
  },
  {
    name: "NVIDIA L40",
    vendor: "NVIDIA",
    family: "l40",
    variant: [],
    tdpWatts: 300,
    source: `${NV}/data-center/l40/`,
  },
  {
    name: "NVIDIA L4",
    vendor: "NVIDIA",
    family: "l4",
    variant: [],
    tdpWatts: 72,
    source: `${NV}/data-center/l4/`,
  },
  {
    name: "NVIDIA A100 SXM4 40GB",
    vendor: "NVIDIA",
    family: "a100",
    variant: ["sxm", "sxm4", "40gb"],
    tdpWatts: 400,
    default: "the SXM4 40GB board of AWS p4d and GCP a2-highgpu instances",
    source: `${NV}/data-center/a100/`,
  },
  {
    name: "NVIDIA A100 SXM4 80GB",
    vendor: "NVIDIA",
    family: "a100",
    variant: ["sxm", "sxm4", "80gb"],
    tdpWatts: 400,
    source: `${NV}/data-center/a100/`,
  },
  {
    name: "NVIDIA A100 PCIe 40GB",
    vendor: "NVIDIA",
    family: "a100",
    variant: ["pcie", "40gb"],
    tdpWatts: 250,
    source: `${NV}/data-center/a100/`,
  },
  {
    name: "NVIDIA A100 PCIe 80GB",
    vendor: "NVIDIA",
    family: "a100",
    variant: ["pcie", "80gb"],
    tdpWatts: 300,
    source: `${NV}/data-center/a100/`,
  },
  {
    name: "NVIDIA A40",
    vendor: "NVIDIA",
    family: "a40",
    variant: [],
    tdpWatts: 300,
    source: `${NV}/data-center/a40/`,
  },
  {
    name: "NVIDIA A10",
    vendor: "NVIDIA",
    family: "a10",
    variant: [],
    tdpWatts: 150,
    source: `${NV}/data-center/products/a10-gpu/`,
  },
  {
    name: "NVIDIA V100 SXM2",
    vendor: "NVIDIA",
    family: "v100",
    variant: ["sxm", "sxm2"],
    tdpWatts: 300,
    default: "the SXM2 board of DGX-1 and AWS p3 instances",
    source: `${NV}/data-center/v100/`,
  },
  {
    name: "NVIDIA V100 PCIe",
    vendor: "NVIDIA",
    family: "v100",
    variant: ["pcie"],
    tdpWatts: 250,
    source: `${NV}/data-center/v100/`,
  },
  {
    name: "NVIDIA T4",
    vendor: "NVIDIA",
    family: "t4",
    variant: [],
    tdpWatts: 70,
    source: `${NV}/data-center/tesla-t4/`,
  },
  {
    name: "NVIDIA P100 PCIe",
    vendor: "NVIDIA",
    family: "p100",
    variant: ["pcie"],
    tdpWatts: 250,
    default: "the PCIe board cloud P100 instances use",
    source: `${NV}/data-center/tesla-p100/`,
  },
  {
    name: "NVIDIA P100 SXM2",
    vendor: "NVIDIA",
    family: "p100",
    variant: ["sxm", "sxm2", "nvlink"],
    tdpWatts: 300,
    source: `${NV}/data-center/tesla-p100/`,
  },
  {
    name: "NVIDIA RTX A6000",
    vendor: "NVIDIA",
    family: "a6000",
    variant: [],
    tdpWatts: 300,
    source: `${NV}/design-visualization/rtx-a6000/`,
  },
  {
    name: "NVIDIA GeForce RTX 3090",
    vendor: "NVIDIA",
    family: "3090",
    variant: [],
    tdpWatts: 350,
    source: `${NV}/geforce/graphics-cards/30-series/rtx-3090-3090ti/`,
  },
  {
    name: "NVIDIA GeForce RTX 4090",
    vendor: "NVIDIA",
    family: "4090",
    variant: [],
    tdpWatts: 450,
    source: `${NV}/geforce/graphics-cards/40-series/rtx-4090/`,
  },
  {
    name: "NVIDIA GeForce RTX 5090",
    vendor: "NVIDIA",
    family: "5090",
    variant: [],
    tdpWatts: 575,
    source: `${NV}/geforce/graphics-cards/50-series/rtx-5090/`,
  },
  {
    name: "AMD Instinct MI250X",
    vendor: "AMD",
    family: "mi250x",
    variant: [],
    tdpWatts: 560,
    source: `${AMD}/mi200/mi250x.html`,
  },
  {
    name: "AMD Instinct MI250",
    vendor: "AMD",
    family: "mi250",
    variant: [],
    tdpWatts: 560,
    source: `${AMD}/mi200/mi250.html`,
  },
  {
    name: "AMD Instinct MI210",
    vendor: "AMD",
    family: "mi210",
    variant: [],
    tdpWatts: 300,
    source: `${AMD}/mi200/mi210.html`,
  },
  {
    name: "AMD Instinct MI300X",
    vendor: "AMD",
    family: "mi300x",
    variant: [],
    tdpWatts: 750,
    source: `${AMD}/mi300/mi300x.html`,
  },
];

if (import.meta.main) {
  const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
  const path = join(root, "data", "gpu_tdp.json");
  const out = {
    note:
      "Board power (TDP / maximum board power) in watts from each vendor's specification page; configurable-TDP parts list their maximum",
    rows: GPU_TDP_ROWS,
  };
  await Deno.writeTextFile(path, JSON.stringify(out, null, 1) + "\n");
  console.log(`data: wrote ${path} (${GPU_TDP_ROWS.length} GPUs)`);
}
