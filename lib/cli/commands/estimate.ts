/**
 * `impact estimate --gpu "A100" [--count N] --hours H --location "..." [--cpu W]
 * [--utilization U] [--pue X] [--year Y] [--json]`: a rough estimate without tracking (TDP x
 * hours x utilisation x PUE x intensity), flagged as an estimate in words and in JSON.
 *
 * `--location` takes a grid zone (`DE`, `US-CAL-CISO`), a cloud region (`aws:eu-west-1`), an
 * ISO 3166-1 alpha-2 or alpha-3 country (`US`, `FRA`) or an address (`Stanford, California`,
 * with `--pick N` where it names several places).
 *
 * @module
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import type { RegisterCommand } from "../context.ts";
import type { RegionOptions, Resolution } from "../../geo/resolve.ts";
import { CliError, inputCliError } from "../errors.ts";
import { ExitCode } from "../../run/errors.ts";
import { formatIntensity, shortFigure } from "../../report/plain_text.ts";
import { parsePueFlag, parseUtilization, parseYearFlag, parseYearOption } from "../flag_values.ts";
import { parseDecimal, parseWholeNumber } from "../../decimal.ts";

function positive(name: string) {
  return (text: string): number => {
    const value = parseDecimal(text);
    if (value === undefined || value <= 0) {
      throw new InvalidArgumentError(`${name} must be a number above 0, got "${text}"`);
    }
    return value;
  };
}

/**
 * Parses `--count`.
 *
 * @param text The flag's value.
 * @returns A whole number of GPUs, at least 1.
 */
export function parseCount(text: string): number {
  const count = parseWholeNumber(text);
  if (count === undefined || count < 1) {
    throw new InvalidArgumentError(`GPU count must be a whole number of at least 1, got "${text}"`);
  }
  return count;
}

/**
 * Parses `--cpu` as the CPU's power in watts (`150` or `150W`).
 *
 * @param text The flag's value.
 * @returns Watts.
 */
export function parseCpuWatts(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*w?\s*$/i.exec(text);
  if (!match) {
    throw new InvalidArgumentError(
      `CPU power must be its TDP in watts (e.g. 150W), got "${text}"`,
    );
  }
  return Number(match[1]);
}

/** What {@link locationOptions} asks of the tables. */
export interface KnownPlaces {
  /** Whether a text is a grid zone id (any case). */
  isZone(text: string): boolean;
  /** Whether a text is a region id one cloud provider alone has (`eu-west-1`). */
  isCloudRegion(text: string): boolean;
}

/**
 * Reads `--location` as the resolver's options, in the forms every command takes: a cloud
 * region (`aws:eu-west-1`, or `eu-west-1` where one provider alone has it), a zone (`DE`,
 * `US-CAL-CISO`), a country (ISO 3166-1 alpha-2 or alpha-3: `US`, `FRA`) or an address.
 *
 * @param location The flag's value.
 * @param known Which zones and cloud regions exist.
 * @returns Options for `resolveRegion`.
 */
export function locationOptions(location: string, known: KnownPlaces): RegionOptions {
  const text = location.trim();
  if (/^(aws|gcp|azure):/i.test(text)) return { cloud: text };
  // A known zone, or one written like a zone id (`US-CAL-XXX`): the resolver lists the
  // nearest valid ids when it is unknown. A country with a zone of its own (`DE`) is that zone.
  if (known.isZone(text) || /^[A-Z]{2}(-[A-Z0-9]+)+$/.test(text)) return { zone: text };
  if (/^[A-Za-z]{2,3}$/.test(text)) return { country: text };
  if (known.isCloudRegion(text)) return { cloud: text };
  return { address: text };
}

/** An address the gazetteer does not know: the error lists the closest candidates. */
async function addressNotFound(address: string, cause: Error): Promise<CliError> {
  const [{ searchPlaces }, { closestCandidatesClause }] = await Promise.all([
    import("../../geo/gazetteer.ts"),
    import("../../geo/address_candidates.ts"),
  ]);
  return new CliError(
    `No place found for ${JSON.stringify(address)}` +
      (closestCandidatesClause(address, searchPlaces) ||
        "; give a zone (DE), a country (FRA) or a cloud region (aws:eu-west-1) instead"),
    ExitCode.input,
    { cause },
  );
}

/** Registers `impact estimate`. */
export const register: RegisterCommand = (program, ctx) => {
  program
    .command("estimate")
    .description("A rough estimate without tracking: TDP x hours x utilisation x PUE x intensity")
    .requiredOption("--gpu <name>", 'GPU model, e.g. "A100", "H100 PCIe", "RTX 4090"')
    .option("--count <n>", "number of GPUs", parseCount, 1)
    .requiredOption("--hours <h>", "wall-clock hours", positive("Hours"))
    .requiredOption(
      "--location <where>",
      'grid zone (DE), cloud region (aws:eu-west-1), country (US, FRA) or address ("Stanford, California")',
    )
    .option("--cpu <watts>", "CPU power (TDP) in watts, all sockets", parseCpuWatts)
    .option(
      "--utilization <u>",
      "mean share of TDP drawn: 0-1, or a percentage (70% or 70)",
      parseUtilization,
      1,
    )
    .option("--pick <n>", "choose the n-th place an ambiguous address --location finds")
    .option("--pue <x>", "PUE (beats OVERRIDE_PUE and a cloud region's PUE)", parsePueFlag)
    .option("--year <y>", "year of the yearly grid intensity (latest by default)", parseYearFlag)
    .option("--json", "print JSON")
    .action(async (options) => {
      const [
        { gpuTdp },
        resolve,
        { canonicalZone, intensityFor, INTENSITY_YEARS },
        { parseCloudSpec },
        est,
        energy,
      ] = await Promise.all([
        import("../../geo/gpu_tdp.ts"),
        import("../../geo/resolve.ts"),
        import("../../geo/intensity.ts"),
        import("../../geo/cloud.ts"),
        import("../../accounting/estimate.ts"),
        import("../../accounting/energy.ts"),
      ]);
      if (options.year !== undefined) parseYearOption(String(options.year), INTENSITY_YEARS);
      let region: Resolution;
      let gpu;
      let pue;
      const where = locationOptions(options.location, {
        isZone: (z) => canonicalZone(z) !== undefined,
        isCloudRegion: (id) => {
          try {
            return parseCloudSpec(id) !== undefined;
          } catch {
            return false;
          }
        },
      });
      try {
        if (options.pick !== undefined) {
          if (where.address === undefined) {
            throw new CliError("--pick chooses among the places an address finds", ExitCode.usage);
          }
          where.pick = resolve.pickNumber(options.pick);
        }
        gpu = gpuTdp(options.gpu);
        region = await resolve.resolveRegion(where);
        const overridePue = ctx.runtime.env("OVERRIDE_PUE");
        pue = energy.choosePue({
          ...(options.pue !== undefined ? { flag: options.pue } : {}),
          ...(overridePue !== undefined ? { overridePue } : {}),
          ...(region.cloud?.pue !== undefined ? { cloudPue: region.cloud.pue } : {}),
        });
      } catch (error) {
        if (
          where.address !== undefined && error instanceof Error &&
          error.name === "RegionInputError" && /^No place found/.test(error.message)
        ) {
          throw await addressNotFound(where.address, error);
        }
        throw inputCliError(error);
      }
      if (region.alternatives && where.pick === undefined) {
        ctx.stderr(
          `impact: ${
            resolve.ambiguityNote(where.address!, region.place ?? "", region.alternatives)
          }\n`,
        );
      }
      if (!region.zone) {
        throw new CliError(
          `No grid zone at ${JSON.stringify(options.location)} (open sea or outside every zone)`,
          ExitCode.input,
        );
      }
      const intensity = intensityFor(region.zone, options.year);
      if (!intensity) {
        throw new CliError(
          `No grid intensity for zone ${region.zone}${options.year ? ` in ${options.year}` : ""}`,
          ExitCode.input,
        );
      }
      const figures = est.estimateFigures({
        gpuWatts: gpu.tdpWatts,
        gpuCount: options.count,
        cpuWatts: options.cpu ?? 0,
        hours: options.hours,
        utilization: options.utilization,
        pue: pue.pue,
        intensity,
      });
      const method = "TDP x hours x utilisation x PUE x grid intensity";
      if (options.json) {
        ctx.stdout(
          JSON.stringify(
            {
              ...figures,
              method: "estimate",
              formula: method,
              gpu: { ...gpu, count: options.count },
              cpuWatts: options.cpu ?? 0,
              pueSource: pue.source,
              zone: intensity.zone,
              country: intensity.country,
              region,
              intensityGramsPerKwh: intensity.intensityGramsPerKwh,
              intensitySource: intensity.source,
              intensityYear: intensity.year,
              ...(intensity.fallbackFrom ? { intensityFallbackFrom: intensity.fallbackFrom } : {}),
            },
            null,
            2,
          ) + "\n",
        );
        return;
      }
      const lines = [
        "ESTIMATE (not measured): " + method,
        `  ${options.count} x ${gpu.name} at ${gpu.tdpWatts} W${
          options.cpu ? ` + CPU at ${options.cpu} W` : ""
        }, ${shortFigure(options.hours)} h, ${
          shortFigure(options.utilization * 100)
        }% of TDP, PUE ${pue.pue} (${pue.source})`,
        `  Zone ${intensity.zone}${region.place ? ` (${region.place})` : ""}: ${
          formatIntensity(intensity.intensityGramsPerKwh)
        } gCO2e/kWh, ${intensity.source}, ${intensity.year}${
          intensity.fallbackFrom
            ? ` (zone ${intensity.fallbackFrom} has no figures; its country's used)`
            : ""
        }`,
        `  Energy: ${shortFigure(figures.energyKwh)} kWh (GPU ${
          shortFigure(figures.gpuKwh)
        } kWh, CPU ${shortFigure(figures.cpuKwh)} kWh)`,
        `  Carbon: ${shortFigure(figures.kgCO2e)} kg CO2e`,
        ...(gpu.assumed ? [`  Assumed: ${gpu.assumed}`] : []),
        "This is a rough estimate from nameplate power; track the job with `impact run` to measure it.",
      ];
      ctx.stdout(lines.join("\n") + "\n");
    });
};
