/**
 * Generates data/cpu_tdp.json (CPU model -> TDP in watts) from the MIT-licensed TDP tables
 * shipped in the npm package `@grnsft/if-plugins`, pinned below to 0.3.2:
 * `data2.csv` (from CodeCarbon's cpu_power.csv) and `boavizta-data.csv` (from the Boavizta
 * API's cpu_specs.csv). The package's `data.csv` (a Kaggle set under CC BY-NC-SA 4.0) is
 * deliberately not read.
 *
 * Run: `deno run -A scripts/data/gen_cpu_tdp.ts` (or `deno task data`).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

const PACKAGE = "@grnsft/if-plugins";
const VERSION = "0.3.2";
const FILES = [
  { file: "data2.csv", origin: "CodeCarbon cpu_power.csv (MIT)" },
  { file: "boavizta-data.csv", origin: "Boavizta API crowdsourcing/cpu_specs.csv (MIT)" },
];

/**
 * Reads one CSV of the package from Deno's npm cache. A child Deno imports it as text with
 * `--no-config --no-lock`, so the package's large dependency tree stays out of the project's
 * import map, lockfile and `deno check .`; the version is pinned here.
 */
async function readPackageFile(file: string): Promise<string> {
  const specifier = `npm:${PACKAGE}@${VERSION}/build/lib/tdp-finder/${file}`;
  const code = `import text from ${JSON.stringify(specifier)} with { type: "text" };\n` +
    "await Deno.stdout.write(new TextEncoder().encode(text));";
  const { code: exit, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", "--no-lock", "-q", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (exit !== 0) {
    throw new Error(`Reading ${specifier} failed: ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout);
}

const best = new Map<string, { name: string; tdpWatts: number; source: number }>();
for (const [source, { file }] of FILES.entries()) {
  const lines = (await readPackageFile(file)).split(/\r?\n/).slice(1);
  for (const line of lines) {
    const comma = line.lastIndexOf(",");
    if (comma < 0) continue;
    // Like the package's own reader: the name before any "@ frequency" suffix.
    const name = line.slice(0, comma).split("@")[0]!.trim().replace(/^"|"$/g, "");
    const tdpWatts = Number(line.slice(comma + 1));
    if (name === "" || !Number.isFinite(tdpWatts) || tdpWatts <= 0) continue;
    const key = name.toLowerCase();
    const seen = best.get(key);
    // Keep the higher figure when both sources list a model, as the package's reader does.
    if (!seen || seen.tdpWatts < tdpWatts) best.set(key, { name, tdpWatts, source });
  }
}

const rows = [...best.values()]
  .sort((a, b) => a.name.localeCompare(b.name))
  .map((r) => [r.name, r.tdpWatts, r.source]);
const table = {
  source: `npm ${PACKAGE}@${VERSION} build/lib/tdp-finder/{${FILES.map((f) => f.file).join(",")}}`,
  sources: FILES.map((f) => `${f.file}: ${f.origin}`),
  licence: "MIT (Green Software Foundation; CodeCarbon; Boavizta)",
  year: 2025, // publication of @grnsft/if-plugins 0.3.2 on npm
  columns: ["model", "tdpWatts", "sourceIndex"],
  rows,
};
const out = fileURLToPath(new URL("../../data/cpu_tdp.json", import.meta.url));
await Deno.writeTextFile(out, JSON.stringify(table) + "\n");
console.log(`cpu_tdp: ${rows.length} models -> ${out}`);
