/**
 * Generates data/cloud_regions.json: AWS, GCP and Azure regions with location, grid zone,
 * provider PUE and coordinates.
 *
 * Inputs, fetched at build time with `npm pack` (these packages pull in cloud SDKs, so they
 * are never imports of the project):
 * - `@grnsft/if-plugins@0.3.2` (MIT): build/lib/cloud-metadata/gsf-data.csv, the Green
 *   Software Foundation's region table: the list of region ids.
 * - `@cloud-carbon-footprint/aws@0.15.0`, `@cloud-carbon-footprint/azure@1.8.0` (Apache-2.0):
 *   the providers' average PUE (`PUE_AVG`).
 *
 * The table's own locations, coordinates and zones are not used: it places both São Paulo
 * regions in the Amazon, "Dallas" in Oregon and Azure regions at AWS cities, mixes encodings,
 * and names country zones where Electricity Maps has bidding zones. Every region takes its
 * location, zone and coordinates from cloud_locations.ts (the providers' published cities), and
 * a region the table lists that cloud_locations.ts lacks stops the build.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import intensity from "../../data/intensity.json" with { type: "json" };
import type { CloudRegion as Region } from "../../lib/geo/types.ts";
import { AWS_LOCATIONS, AZURE_LOCATIONS, GCP_LOCATIONS } from "./cloud_locations.ts";
import { parseCsv } from "../../lib/csv.ts";

const IF_PLUGINS = "@grnsft/if-plugins@0.3.2";
const CCF_AWS = "@cloud-carbon-footprint/aws@0.15.0";
const CCF_AZURE = "@cloud-carbon-footprint/azure@1.8.0";

/** Google's fleet-wide trailing-twelve-month PUE (CCF's GCP constant uses the same 1.1). */
const GCP_PUE = 1.1;
const GCP_PUE_SOURCE = "https://www.google.com/about/datacenters/efficiency/";

async function unpack(spec: string, into: string): Promise<string> {
  const dir = join(into, spec.replace(/[^a-z0-9.]+/gi, "_"));
  await Deno.mkdir(dir, { recursive: true });
  const pack = await new Deno.Command("npm", {
    args: ["pack", spec, "--silent", "--pack-destination", dir],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (pack.code !== 0) throw new Error(`npm pack ${spec} failed with exit code ${pack.code}`);
  const tarball = new TextDecoder().decode(pack.stdout).trim().split("\n").pop()!;
  const tar = await new Deno.Command("tar", { args: ["xzf", join(dir, tarball), "-C", dir] })
    .output();
  if (tar.code !== 0) throw new Error(`tar could not unpack ${tarball}`);
  return join(dir, "package");
}

async function pueAvg(packageDir: string, file: string, spec: string): Promise<number> {
  const text = await Deno.readTextFile(join(packageDir, file));
  const match = /PUE_AVG:\s*([0-9.]+)/.exec(text);
  if (!match) throw new Error(`${spec} ${file}: no PUE_AVG`);
  return Number(match[1]);
}

if (import.meta.main) {
  const work = await Deno.makeTempDir({ prefix: "impact-cloud-" });
  try {
    const plugins = await unpack(IF_PLUGINS, work);
    const awsPue = await pueAvg(
      await unpack(CCF_AWS, work),
      "src/domain/AwsFootprintEstimationConstants.ts",
      CCF_AWS,
    );
    const azurePue = await pueAvg(
      await unpack(CCF_AZURE, work),
      "src/domain/AzureFootprintEstimationConstants.ts",
      CCF_AZURE,
    );
    const csvPath = "build/lib/cloud-metadata/gsf-data.csv";
    // The table mixes encodings (Latin-1 "Montr\xe9al", U+FFFD in "S\ufffdo Paulo"): only its
    // region ids are used; names come from cloud_locations.ts, in UTF-8.
    const csv = new TextDecoder("latin1").decode(await Deno.readFile(join(plugins, csvPath)));
    const knownZones = new Set(Object.keys(intensity.zones));
    const [header, ...records] = parseCsv(csv).filter((r) => r.fields.join("").trim() !== "");
    const columns = header?.fields ?? [];
    const col = (name: string) => {
      const i = columns.indexOf(name);
      if (i < 0) throw new Error(`${IF_PLUGINS} ${csvPath}: no column ${name}`);
      return i;
    };
    const [cYear, cProvider, cRegion] = ["year", "cloud-provider", "cloud-region"].map(col) as [
      number,
      number,
      number,
    ];
    const providers: Record<string, Region["provider"]> = {
      "Amazon Web Services": "aws",
      "Google Cloud": "gcp",
      "Microsoft Azure": "azure",
    };
    const latest = new Map<string, { year: number; line: number }>();
    for (const { fields: cells, line } of records) {
      const provider = providers[cells[cProvider] ?? ""];
      if (!provider) {
        throw new Error(`${csvPath}:${line}: unknown provider ${cells[cProvider]}`);
      }
      const key = `${provider}:${cells[cRegion]}`;
      const year = Number(cells[cYear]);
      const seen = latest.get(key);
      if (!seen || seen.year < year) latest.set(key, { year, line });
    }
    const regions: Region[] = [];
    const tables = { aws: AWS_LOCATIONS, gcp: GCP_LOCATIONS, azure: AZURE_LOCATIONS };
    const pues = {
      aws: [awsPue, CCF_AWS],
      gcp: [GCP_PUE, GCP_PUE_SOURCE],
      azure: [azurePue, CCF_AZURE],
    };
    for (const [key, { year, line }] of latest) {
      const [provider, region] = key.split(":") as [Region["provider"], string];
      const known = tables[provider][region];
      if (!known) {
        // Azure's stage/euap rows and geographies ("europe", "global") are no regions.
        if (provider === "azure") continue;
        throw new Error(`${csvPath}:${line}: ${key} is missing from cloud_locations.ts`);
      }
      const [location, zone, latitude, longitude] = known;
      const [pue, pueSource] = pues[provider] as [number, string];
      regions.push({
        provider,
        region,
        location,
        zone,
        pue,
        latitude,
        longitude,
        source: `${IF_PLUGINS} gsf-data.csv (${year}): region list; location and zone: ` +
          `the provider's region page (scripts/data/cloud_locations.ts); PUE: ${pueSource}`,
      });
    }
    for (const r of regions) {
      if (!knownZones.has(r.zone)) {
        throw new Error(`Zone ${r.zone} of ${r.provider}:${r.region} is unknown`);
      }
    }
    regions.sort((a, b) =>
      a.provider.localeCompare(b.provider) || a.region.localeCompare(b.region)
    );
    const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
    const path = join(root, "data", "cloud_regions.json");
    const out = {
      generatedFrom: [IF_PLUGINS, CCF_AWS, CCF_AZURE].map((s) => `npm:${s}`),
      licences: { [IF_PLUGINS]: "MIT", [CCF_AWS]: "Apache-2.0", [CCF_AZURE]: "Apache-2.0" },
      pue: { aws: awsPue, azure: azurePue, gcp: GCP_PUE },
      regions,
    };
    await Deno.writeTextFile(path, JSON.stringify(out, null, 1) + "\n");
    console.log(`data: wrote ${path} (${regions.length} regions)`);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}
