/**
 * `impact cloud`: a provider's regions with grid zone, carbon intensity and PUE, cleanest first.
 *
 * @module
 */
import type { CliContext, RegisterCommand } from "../context.ts";
import { parseYearOption } from "../year_option.ts";
import { logsCliError } from "./summary.ts";
import { textTable } from "../../report/plain_text.ts";

interface CloudJson {
  provider: string;
  region: string;
  location: string;
  zone: string;
  pue: number;
  intensityGramsPerKwh: number | null;
  /** Intensity x PUE: grams per kWh of IT energy. */
  effectiveGramsPerKwh: number | null;
  year: number | null;
  source: string;
  intensitySource: string | null;
}

async function run(
  provider: string,
  region: string | undefined,
  options: { json?: boolean; year?: string },
  ctx: CliContext,
): Promise<void> {
  const cloud = await import("../../geo/cloud.ts");
  const intensity = await import("../../geo/intensity.ts");
  const year = parseYearOption(options.year, intensity.INTENSITY_YEARS);
  let regions;
  try {
    regions = region === undefined
      ? cloud.cloudRegions(provider)
      : [cloud.cloudRegion(provider, region)];
  } catch (error) {
    throw logsCliError(error);
  }
  const rows: CloudJson[] = regions.map((r) => {
    const figure = intensity.intensityFor(r.zone, year);
    return {
      provider: r.provider,
      region: r.region,
      location: r.location,
      zone: r.zone,
      pue: r.pue,
      intensityGramsPerKwh: figure?.intensityGramsPerKwh ?? null,
      effectiveGramsPerKwh: figure
        ? Math.round(figure.intensityGramsPerKwh * r.pue * 10) / 10
        : null,
      year: figure?.year ?? null,
      source: r.source,
      intensitySource: figure?.source ?? null,
    };
  });
  const key = (r: CloudJson) => r.effectiveGramsPerKwh ?? Infinity;
  rows.sort((a, b) => key(a) - key(b) || a.region.localeCompare(b.region));
  if (options.json) {
    ctx.stdout(JSON.stringify(region === undefined ? rows : rows[0], null, 2) + "\n");
    return;
  }
  const table = [
    ["region", "zone", "gCO2e/kWh", "PUE", "x PUE", "location"],
    ...rows.map((r) => [
      r.region,
      r.zone,
      String(r.intensityGramsPerKwh ?? "-"),
      r.pue.toFixed(3),
      String(r.effectiveGramsPerKwh ?? "-"),
      r.location,
    ]),
  ];
  const align = ["left", "left", "right", "right", "right", "left"] as const;
  ctx.stdout(textTable(table, { align }).join("\n") + "\n");
  const first = rows.find((r) => r.intensitySource);
  ctx.stdout(
    `Intensity: ${first?.intensitySource ?? "none"} (${
      first?.year ?? "-"
    }); regions and PUE: see data/README.md\n`,
  );
}

/** Registers `impact cloud`. */
export const register: RegisterCommand = (program, ctx) => {
  program
    .command("cloud")
    .description(
      "List a cloud provider's regions with grid zone, intensity and PUE, cleanest first",
    )
    .argument("<provider>", "aws, gcp or azure")
    .argument("[region]", "one region id, e.g. eu-west-1")
    .option("--year <year>", "the year of the intensity figures (latest by default)")
    .option("--json", "print JSON")
    .action((provider, region, options) => run(provider, region, options, ctx));
};
