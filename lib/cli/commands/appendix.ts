/**
 * `impact appendix <dirs...> --site-spec spec.json --out site/`: a static HTML appendix of
 * the energy and carbon of every run, grouped by a site specification.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import type { CliContext, RegisterCommand } from "../context.ts";
import { folderWriter } from "../folder_writer.ts";
import { parseCountry, parsePueFlag } from "../flag_values.ts";
import { CliError, fileCliError } from "../errors.ts";
import { ExitCode } from "../../run/errors.ts";
import { fileProblem } from "../../file_errors.ts";
import { VERSION } from "../../version.ts";
import type { LogsFigures } from "../../accounting/types.ts";
import type { SampleRecord } from "../../log/schema.ts";

/** What the command reads logs with; tests replace `load`. */
export interface AppendixDeps {
  /** The figures of every log directory at or below `dirs`. */
  readLogs(dirs: string[], options: { pue?: number; overridePue?: string }): Promise<LogsFigures>;
  /** One log directory's samples, for the plots. */
  readSamples(dir: string): Promise<readonly SampleRecord[]>;
  /** The social cost of carbon applied (US$ per tonne) and its source, when known. */
  socialCost?: { usdPerTonne: number; source: string };
}

/** Where the command gets its readers; tests replace `load`. */
export const appendixCommandDeps: { load: (country?: string) => Promise<AppendixDeps> } = {
  load: async (country) => {
    const [{ readLogs }, social, { readSamples }] = await Promise.all([
      import("../../report/read_logs.ts"),
      import("../../geo/social_cost.ts"),
      import("../../log/read.ts"),
    ]);
    const code = country === undefined
      ? social.GLOBAL_SOCIAL_COST
      : await parseCountry(country, { world: true });
    let cost;
    try {
      cost = social.socialCostFor(code);
    } catch (error) {
      if (error instanceof social.UnknownCountryError) {
        throw new CliError(error.message, ExitCode.input, { cause: error });
      }
      throw error;
    }
    const whose = cost.fallbackFrom
      ? `global median: ${cost.fallbackFrom} is not in the dataset`
      : cost.iso3 === social.GLOBAL_SOCIAL_COST
      ? "global median"
      : `median for ${cost.iso3}`;
    return {
      readLogs: (dirs, options) => readLogs(dirs, options),
      // Only samples.jsonl: readLogs has already read and checked impact.json and summary.json.
      readSamples: (dir) => readSamples(dir),
      socialCost: {
        usdPerTonne: cost.p50,
        source:
          `${cost.p50} ${social.SOCIAL_COST_SOURCE.units}, ${whose} (${social.SOCIAL_COST_SOURCE.citation})`,
      },
    };
  },
};

/** The command's options after parsing. */
export interface AppendixCommandOptions {
  dirs: string[];
  siteSpec: string;
  out: string;
  title: string;
  pue?: number;
}

function workerModulePresent(url: URL): boolean {
  try {
    return url.protocol === "file:" && Deno.statSync(url).isFile;
  } catch {
    return false;
  }
}

/**
 * A log directory's files for its zip; one that cannot be read is left out and said so (the
 * run's figures were read already; its download is a copy).
 */
async function readRawFiles(
  dir: string,
  warn: (text: string) => void,
): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  const walk = async (folder: string): Promise<void> => {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      try {
        if (entry.isDirectory) await walk(path);
        else if (entry.isFile) {
          files[relative(dir, path).replaceAll("\\", "/")] = await Deno.readFile(path);
        }
      } catch (error) {
        const problem = fileProblem(error, path, entry.isDirectory ? "list" : "read");
        if (!problem) throw error;
        warn(`${problem.message}; left out of the run's zip`);
      }
    }
  };
  await walk(dir);
  return files;
}

/** The site's writer, its file-system failures in words (an output: exit 2). */
function siteWriter(
  out: string,
  shown: string,
): (path: string, data: string | Uint8Array) => Promise<void> {
  const write = folderWriter(out);
  return async (path, data) => {
    try {
      await write(path, data);
    } catch (error) {
      throw fileCliError(error, join(shown, path), "write", "output");
    }
  };
}

/**
 * Builds the appendix.
 *
 * @param options Parsed flags.
 * @param ctx Output streams and working directory.
 * @param deps Log readers.
 * @returns Nothing; throws CliError with ExitCode.input for a bad spec or unreadable logs.
 */
export async function runAppendix(
  options: AppendixCommandOptions,
  ctx: CliContext,
  deps: AppendixDeps,
): Promise<void> {
  const { parseSiteSpec, SiteSpecError } = await import("../../report/site_spec.ts");
  const { buildAppendix } = await import("../../report/appendix/build.ts");
  const specPath = resolve(ctx.cwd, options.siteSpec);
  let specText: string;
  try {
    specText = await Deno.readTextFile(specPath);
  } catch (error) {
    throw fileCliError(error, options.siteSpec, "read", "input");
  }
  let spec;
  try {
    spec = parseSiteSpec(specText, options.siteSpec);
  } catch (error) {
    if (error instanceof SiteSpecError) throw new CliError(error.message, ExitCode.input);
    throw error;
  }
  let figures: LogsFigures;
  try {
    // PUE as every log command reads it: --pue, then OVERRIDE_PUE, then the run's own.
    const overridePue = ctx.runtime.env("OVERRIDE_PUE");
    figures = await deps.readLogs(options.dirs.map((d) => resolve(ctx.cwd, d)), {
      ...(options.pue !== undefined ? { pue: options.pue } : {}),
      ...(overridePue !== undefined ? { overridePue } : {}),
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new CliError(why, ExitCode.input, { cause: error });
  }
  const out = resolve(ctx.cwd, options.out);
  // Before any page is rendered: an --out that is a file or cannot be written stops here.
  try {
    await Deno.mkdir(out, { recursive: true });
  } catch (error) {
    throw fileCliError(error, options.out, "create", "output");
  }
  const { ZIP_WORKER_URL } = await import("../../report/appendix/zip.ts");
  const built = await buildAppendix({
    title: options.title,
    spec,
    figures,
    version: VERSION,
    ...(deps.socialCost
      ? {
        socialCostUsdPerTonne: deps.socialCost.usdPerTonne,
        socialCostSource: deps.socialCost.source,
      }
      : {}),
    source: {
      samples: (run) => deps.readSamples(run.dir),
      files: (run) => readRawFiles(run.dir, (text) => ctx.stderr(`impact: warning: ${text}\n`)),
    },
    // A bundle or a binary built without the worker module zips on the main thread.
    ...(workerModulePresent(ZIP_WORKER_URL) ? {} : { zipWorkers: 0 }),
    write: siteWriter(out, options.out),
  });
  for (const warning of figures.warnings) ctx.stderr(`impact: warning: ${warning}\n`);
  for (const name of built.model.unknownMetrics) {
    ctx.stderr(
      `impact: warning: no run has a value for "${name}" (not a metric, no run has that label)\n`,
    );
  }
  const pages = built.files.filter((f) => f.endsWith(".html")).length;
  ctx.stdout(
    `Wrote ${pages} pages for ${figures.runs.length} runs in ${built.model.sets.length} sets to ${options.out}\n` +
      `Open ${join(options.out, "index.html")} in a browser (works offline, from file://)\n`,
  );
}

/** Registers `impact appendix`. */
export const register: RegisterCommand = (program, ctx) => {
  program
    .command("appendix")
    .description("Build a static HTML appendix (pages, plots, downloads) from log directories")
    .argument("<dirs...>", "log directories, or folders holding them")
    .requiredOption(
      "--site-spec <file>",
      "the site specification (JSON; see data/site_spec.schema.json)",
    )
    .requiredOption("--out <dir>", "where to write the site")
    .option("--title <title>", "the site's title", "Compute appendix")
    .option("--pue <x>", "power usage effectiveness applied to every run", parsePueFlag)
    .option(
      "--country <code>",
      "country whose social cost of carbon is shown (ISO 3166-1 alpha-2 or alpha-3); global by default",
    )
    .action(async (dirs, flags) => {
      const options: AppendixCommandOptions = {
        dirs,
        siteSpec: flags.siteSpec,
        out: flags.out,
        title: flags.title,
      };
      if (flags.pue !== undefined) options.pue = flags.pue;
      await runAppendix(options, ctx, await appendixCommandDeps.load(flags.country));
    });
};
