/**
 * Generates data/cloud_regions.json: AWS, GCP and Azure regions with location, grid zone,
 * provider PUE and coordinates.
 *
 * Inputs, fetched at build time with `npm pack` (these packages pull in cloud SDKs, so they
 * are never imports of the project):
 * - `@grnsft/if-plugins@0.3.2` (MIT): build/lib/cloud-metadata/gsf-data.csv, the Green
 *   Software Foundation's region table (region id, Electricity Maps zone, location, coordinates).
 * - `@cloud-carbon-footprint/aws@0.15.0`, `@cloud-carbon-footprint/azure@1.8.0` (Apache-2.0):
 *   the providers' average PUE (`PUE_AVG`).
 *
 * Zones come from the table's own `em-zone-id` column; ids the intensity data does not know
 * (`AUS-NSW`, `IN-MH`, blanks) are mapped by {@link ZONE_FIXES}. The table's Azure rows carry
 * locations copied from AWS rows (westeurope "Paris", northeurope "Stockholm"), so Azure regions
 * take location, zone and coordinates from {@link AZURE_LOCATIONS} (Microsoft's published region
 * cities) and the package only supplies the region list.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import intensity from "../../data/intensity.json" with { type: "json" };
import type { CloudRegion as Region } from "../../lib/geo/types.ts";

const IF_PLUGINS = "@grnsft/if-plugins@0.3.2";
const CCF_AWS = "@cloud-carbon-footprint/aws@0.15.0";
const CCF_AZURE = "@cloud-carbon-footprint/azure@1.8.0";

/** Google's fleet-wide trailing-twelve-month PUE (CCF's GCP constant uses the same 1.1). */
const GCP_PUE = 1.1;
const GCP_PUE_SOURCE = "https://www.google.com/about/datacenters/efficiency/";

/** Zone ids of the table that the intensity data spells differently, by provider:region or id. */
const ZONE_FIXES: Record<string, string> = {
  "AUS-NSW": "AU-NSW",
  "AUS-VIC": "AU-VIC",
  "IN-MH": "IN-WE", // Maharashtra (Mumbai) lies in India's Western grid region
  "IN-UP": "IN-NO", // Uttar Pradesh (Delhi NCR) lies in the Northern region
  "aws:ap-south-2": "IN-SO", // Hyderabad: Southern region
  "aws:cn-north-1": "CN",
  "aws:cn-northwest-1": "CN",
};

/** Azure region -> [location, zone, latitude, longitude] from Microsoft's region list. */
const AZURE_LOCATIONS: Record<string, [string, string, number, number]> = {
  eastus: ["Virginia, US", "US-MIDA-PJM", 37.37, -79.82],
  eastus2: ["Virginia, US", "US-MIDA-PJM", 36.68, -78.39],
  centralus: ["Iowa, US", "US-MIDW-MISO", 41.59, -93.6],
  northcentralus: ["Illinois, US", "US-MIDA-PJM", 41.88, -87.63],
  southcentralus: ["Texas, US", "US-TEX-ERCO", 29.42, -98.49],
  westcentralus: ["Wyoming, US", "US-NW-WACM", 41.14, -104.82],
  westus: ["California, US", "US-CAL-CISO", 37.78, -122.42],
  westus2: ["Washington, US", "US-NW-GCPD", 47.23, -119.85],
  westus3: ["Arizona, US", "US-SW-AZPS", 33.45, -112.07],
  canadacentral: ["Toronto, Canada", "CA-ON", 43.65, -79.38],
  canadaeast: ["Quebec City, Canada", "CA-QC", 46.82, -71.22],
  brazilsouth: ["Sao Paulo State, Brazil", "BR-CS", -23.55, -46.63],
  brazilsoutheast: ["Rio de Janeiro, Brazil", "BR-CS", -22.91, -43.21],
  northeurope: ["Ireland", "IE", 53.35, -6.26],
  westeurope: ["Netherlands", "NL", 52.37, 4.9],
  uksouth: ["London, UK", "GB", 51.51, -0.13],
  ukwest: ["Cardiff, UK", "GB", 51.48, -3.18],
  francecentral: ["Paris, France", "FR", 48.86, 2.35],
  francesouth: ["Marseille, France", "FR", 43.3, 5.37],
  germanywestcentral: ["Frankfurt, Germany", "DE", 50.11, 8.68],
  germanynorth: ["Berlin, Germany", "DE", 52.52, 13.4],
  italynorth: ["Milan, Italy", "IT-NO", 45.46, 9.19],
  norwayeast: ["Oslo, Norway", "NO-NO1", 59.91, 10.75],
  norwaywest: ["Stavanger, Norway", "NO-NO2", 58.97, 5.73],
  polandcentral: ["Warsaw, Poland", "PL", 52.23, 21.01],
  swedencentral: ["Gavle, Sweden", "SE-SE3", 60.67, 17.14],
  switzerlandnorth: ["Zurich, Switzerland", "CH", 47.37, 8.54],
  switzerlandwest: ["Geneva, Switzerland", "CH", 46.2, 6.14],
  uaenorth: ["Dubai, UAE", "AE", 25.27, 55.3],
  uaecentral: ["Abu Dhabi, UAE", "AE", 24.45, 54.38],
  qatarcentral: ["Doha, Qatar", "QA", 25.29, 51.53],
  israelcentral: ["Israel", "IL", 32.09, 34.78],
  southafricanorth: ["Johannesburg, South Africa", "ZA", -26.2, 28.05],
  southafricawest: ["Cape Town, South Africa", "ZA", -33.92, 18.42],
  centralindia: ["Pune, India", "IN-WE", 18.52, 73.86],
  southindia: ["Chennai, India", "IN-SO", 13.08, 80.27],
  westindia: ["Mumbai, India", "IN-WE", 19.08, 72.88],
  jioindiawest: ["Jamnagar, India", "IN-WE", 22.47, 70.06],
  jioindiacentral: ["Nagpur, India", "IN-WE", 21.15, 79.09],
  eastasia: ["Hong Kong", "HK", 22.32, 114.17],
  southeastasia: ["Singapore", "SG", 1.35, 103.82],
  japaneast: ["Tokyo, Japan", "JP-TK", 35.68, 139.69],
  japanwest: ["Osaka, Japan", "JP-KN", 34.69, 135.5],
  koreacentral: ["Seoul, Korea", "KR", 37.57, 126.98],
  koreasouth: ["Busan, Korea", "KR", 35.18, 129.08],
  australiaeast: ["New South Wales, Australia", "AU-NSW", -33.87, 151.21],
  australiasoutheast: ["Victoria, Australia", "AU-VIC", -37.81, 144.96],
  australiacentral: ["Canberra, Australia", "AU-NSW", -35.28, 149.13],
  australiacentral2: ["Canberra, Australia", "AU-NSW", -35.28, 149.13],
};

/**
 * Splits one CSV line with quoted fields (the table quotes its "lat,lon" column).
 *
 * @param line One line.
 * @returns Its fields.
 */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

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
    // The table is Latin-1 ("Montr\xe9al").
    const csv = new TextDecoder("latin1").decode(await Deno.readFile(join(plugins, csvPath)));
    const knownZones = new Set(Object.keys(intensity.zones));
    const [header, ...lines] = csv.split(/\r?\n/).filter((l) => l.trim() !== "");
    const columns = splitCsvLine(header!);
    const col = (name: string) => {
      const i = columns.indexOf(name);
      if (i < 0) throw new Error(`${IF_PLUGINS} ${csvPath}: no column ${name}`);
      return i;
    };
    const [cYear, cProvider, cRegion, cZone, cLocation, cGeo] = [
      "year",
      "cloud-provider",
      "cloud-region",
      "em-zone-id",
      "location",
      "geolocation",
    ].map(col) as [number, number, number, number, number, number];
    const providers: Record<string, Region["provider"]> = {
      "Amazon Web Services": "aws",
      "Google Cloud": "gcp",
      "Microsoft Azure": "azure",
    };
    const latest = new Map<string, { year: number; cells: string[]; line: number }>();
    for (const [index, line] of lines.entries()) {
      const cells = splitCsvLine(line);
      const provider = providers[cells[cProvider] ?? ""];
      if (!provider) {
        throw new Error(`${csvPath}:${index + 2}: unknown provider ${cells[cProvider]}`);
      }
      const key = `${provider}:${cells[cRegion]}`;
      const year = Number(cells[cYear]);
      const seen = latest.get(key);
      if (!seen || seen.year < year) latest.set(key, { year, cells, line: index + 2 });
    }
    const regions: Region[] = [];
    for (const [key, { year, cells, line }] of latest) {
      const provider = key.split(":")[0] as Region["provider"];
      const region = cells[cRegion]!;
      const source = `${IF_PLUGINS} gsf-data.csv (${year})`;
      if (provider === "azure") {
        const known = AZURE_LOCATIONS[region];
        if (!known) continue; // stage/euap rows and geographies ("europe", "global") are no regions
        const [location, zone, latitude, longitude] = known;
        regions.push({
          provider,
          region,
          location,
          zone,
          pue: azurePue,
          latitude,
          longitude,
          source: `${source}; location and zone: Microsoft's region list; PUE: ${CCF_AZURE}`,
        });
        continue;
      }
      const tableZone = cells[cZone]!.trim();
      const zone = ZONE_FIXES[key] ?? ZONE_FIXES[tableZone] ?? tableZone;
      if (!knownZones.has(zone)) {
        throw new Error(
          `${csvPath}:${line}: zone ${JSON.stringify(tableZone)} of ${key} is unknown`,
        );
      }
      const [lat, lon] = (cells[cGeo] ?? "").split(",").map((s) => Number(s.trim()));
      const entry: Region = {
        provider,
        region,
        location: cells[cLocation]!.trim(),
        zone,
        pue: provider === "aws" ? awsPue : GCP_PUE,
        source: `${source}; PUE: ${provider === "aws" ? CCF_AWS : GCP_PUE_SOURCE}`,
      };
      if (Number.isFinite(lat) && Number.isFinite(lon)) {
        entry.latitude = lat!;
        entry.longitude = lon!;
      }
      regions.push(entry);
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
