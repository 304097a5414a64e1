/**
 * `impact cloud`: a provider's regions with grid zone, carbon intensity and PUE, cleanest first,
 * or one region (`impact cloud aws:eu-west-1`, `impact cloud aws eu-west-1`).
 *
 * @module
 */
import type { CliContext, RegisterCommand } from "../context.ts";
import { parseCloudRegion, parseYearOption } from "../flag_values.ts";
import { CliError } from "../errors.ts";
import { ExitCode } from "../../run/errors.ts";
import type { CloudRegion } from "../../geo/types.ts";
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

/**
 * The regions asked for: a provider's (`aws`), or one region, written as `run --cloud` takes
 * it (`aws:eu-west-1`, or `eu-west-1` where one provider alone has it) or as two words
 * (`aws eu-west-1`).
 */
async function regionsAsked(
  what: string,
  region: string | undefined,
): Promise<{ regions: CloudRegion[]; one: boolean }> {
  const cloud = await import("../../geo/cloud.ts");
  if (region !== undefined) {
    if (what.includes(":")) {
      throw new CliError(
        `${JSON.stringify(what)} already names a region; drop ${JSON.stringify(region)}`,
        ExitCode.usage,
      );
    }
    return { regions: [await parseCloudRegion(`${what}:${region}`)], one: true };
  }
  if (cloud.isCloudProvider(what)) return { regions: cloud.cloudRegions(what), one: false };
  try {
    return { regions: [await parseCloudRegion(what)], one: true };
  } catch (error) {
    if (what.includes(":") || !(error instanceof CliError)) throw error;
    throw new CliError(
      `${JSON.stringify(what)} is no cloud provider (${cloud.CLOUD_PROVIDERS.join(", ")}) ` +
        `nor a region id one of them has; ${error.message}`,
      ExitCode.input,
      { cause: error },
    );
  }
}

async function run(
  what: string,
  region: string | undefined,
  options: { json?: boolean; year?: string },
  ctx: CliContext,
): Promise<void> {
  const intensity = await import("../../geo/intensity.ts");
  const year = parseYearOption(options.year, intensity.INTENSITY_YEARS);
  const { regions, one } = await regionsAsked(what, region);
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
    ctx.stdout(JSON.stringify(one ? rows[0] : rows, null, 2) + "\n");
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
    .argument(
      "<provider>",
      "aws, gcp or azure; or one region as run --cloud takes it (aws:eu-west-1, eu-west-1)",
    )
    .argument("[region]", "one region id of the provider, e.g. eu-west-1")
    .option("--year <year>", "the year of the intensity figures (latest by default)")
    .option("--json", "print JSON")
    .action((provider, region, options) => run(provider, region, options, ctx));
};
