/**
 * Builds tests/fixtures/nvml_stub.c, a stand-in for libnvidia-ml.so.1 that follows NVIDIA's
 * nvml.h per driver branch, once per branch, for the NVML sensor and end-to-end tests.
 *
 * @module
 */
import { fixturePath } from "./fixture_files.ts";

/** The driver branches the stub can be built as (see nvml_stub.c), with what nvml.h says of each. */
export const STUB_BRANCHES = [
  { branch: 440033, driver: "440.33.01", call: "nvmlDeviceGetComputeRunningProcesses", entry: 16 },
  {
    branch: 470199,
    driver: "470.199.02",
    call: "nvmlDeviceGetComputeRunningProcesses_v2",
    entry: 24,
  },
  {
    branch: 525147,
    driver: "525.147.05",
    call: "nvmlDeviceGetComputeRunningProcesses_v3",
    entry: 24,
  },
  {
    branch: 535054,
    driver: "535.54.03",
    call: "nvmlDeviceGetComputeRunningProcesses_v3",
    entry: 32,
  },
  { branch: 535098, driver: "535.98", call: "nvmlDeviceGetComputeRunningProcesses_v2", entry: 24 },
  {
    branch: 580065,
    driver: "580.65.06",
    call: "nvmlDeviceGetComputeRunningProcesses_v3",
    entry: 24,
  },
] as const;

/** The built libraries, by branch, in a temporary folder removed with `await using`. */
export interface NvmlStubs extends AsyncDisposable {
  dir: string;
  libraries: Map<number, string>;
}

/**
 * Compiles the stub as every branch of {@link STUB_BRANCHES}.
 *
 * @returns The libraries, or undefined when there is no C compiler (`cc`).
 */
export async function buildNvmlStubs(): Promise<NvmlStubs | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "impact-nvml-" });
  const remove = () => Deno.remove(dir, { recursive: true });
  const libraries = new Map<number, string>();
  try {
    await Promise.all(STUB_BRANCHES.map(async ({ branch }) => {
      const library = `${dir}/libnvidia-ml-${branch}.so`;
      const out = await new Deno.Command("cc", {
        args: [
          "-shared",
          "-fPIC",
          "-Wl,-Bsymbolic",
          `-DSTUB_BRANCH=${branch}`,
          "-o",
          library,
          fixturePath("nvml_stub.c"),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
      libraries.set(branch, library);
    }));
    return { dir, libraries, [Symbol.asyncDispose]: remove };
  } catch (error) {
    await remove();
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
