/**
 * Builds the appendix site: the index, a page per experiment set, a page and a zip per run,
 * and the stylesheet. Runs are rendered a few at a time, so a site of hundreds of long runs
 * never holds every run's samples in memory at once.
 *
 * @module
 */
import type { LogsFigures, RunFigures } from "../../accounting/types.ts";
import { LOG_FILES, type SampleRecord } from "../../log/schema.ts";
import type { SiteSpec } from "../site_spec.ts";
import { type AppendixModel, buildModel } from "./model.ts";
import {
  type PageContext,
  renderIndex,
  renderRunPage,
  renderSetPage,
  renderSetPlots,
} from "./pages.ts";
import { STYLESHEET } from "./templates.ts";
import { startZipper } from "./zip.ts";
import { redactText } from "../../redact.ts";

/** Where a run's samples and raw files come from. */
export interface RunSource {
  /** The run's samples.jsonl records, in time order. */
  samples(run: RunFigures): Promise<readonly SampleRecord[]>;
  /** The log directory's files (name relative to it, bytes), for the zip download; without it, no downloads. */
  files?(run: RunFigures): Promise<Record<string, Uint8Array>>;
}

/**
 * The files of a run as the zip publishes them: `impact.json` with URL credentials redacted
 * (logs written before the writer redacted them may hold a `--live-intensity-url` password).
 */
function publishable(files: Record<string, Uint8Array>): Record<string, Uint8Array> {
  const info = files[LOG_FILES.info];
  if (info === undefined) return files;
  const text = new TextDecoder().decode(info);
  const redacted = redactText(text);
  return redacted === text
    ? files
    : { ...files, [LOG_FILES.info]: new TextEncoder().encode(redacted) };
}

/** What {@link buildAppendix} needs. */
export interface AppendixOptions {
  title: string;
  spec: SiteSpec;
  figures: LogsFigures;
  source: RunSource;
  /** Writes one file of the site (path relative to the site's root, `/`-separated). */
  write(path: string, data: string | Uint8Array): Promise<void>;
  /** The impact version, shown in the footer. */
  version: string;
  /** When the site was built (ISO 8601); now by default. */
  generated?: string;
  /** Social cost of carbon, US$ per tonne CO2e; without it social cost shows as "—". */
  socialCostUsdPerTonne?: number;
  /** Where the social cost came from, shown on run pages. */
  socialCostSource?: string;
  /** Plot power, utilisation and memory on run pages (true by default). */
  plots?: boolean;
  /** Zip worker threads (default: cores - 1, at most 4; 0 zips on this thread). */
  zipWorkers?: number;
  /** How many runs render at once (4 by default). */
  concurrency?: number;
}

/** What was built. */
export interface AppendixResult {
  model: AppendixModel;
  /** Every file written, relative to the site's root. */
  files: string[];
}

/**
 * Builds the site.
 *
 * @param options Spec, figures, where samples come from and where files go.
 * @returns The model and the files written.
 */
export async function buildAppendix(options: AppendixOptions): Promise<AppendixResult> {
  const metricOptions = options.socialCostUsdPerTonne === undefined
    ? {}
    : { socialCostUsdPerTonne: options.socialCostUsdPerTonne };
  const model = buildModel(options.spec, options.figures, metricOptions);
  const ctx: PageContext = {
    siteTitle: options.title,
    version: options.version,
    generated: options.generated ?? new Date().toISOString().slice(0, 10),
    metricOptions,
    warnings: options.figures.warnings,
  };
  if (options.socialCostSource !== undefined) ctx.socialCostSource = options.socialCostSource;
  const files: string[] = [];
  const write = async (path: string, data: string | Uint8Array) => {
    await options.write(path, data);
    files.push(path);
  };
  await write("assets/style.css", STYLESHEET);
  const plots = renderSetPlots(model, ctx);
  await write("index.html", renderIndex(model, ctx, plots));
  for (const view of model.sets) {
    await write(
      `sets/${view.slug}.html`,
      renderSetPage(view, model, ctx, plots.get(view.slug) ?? []),
    );
  }
  // Deflating overlaps rendering: a worker or two zip while this thread renders pages.
  const cores = navigator.hardwareConcurrency ?? 2;
  const zipWorkers = options.zipWorkers ?? Math.max(1, Math.min(4, cores - 1));
  const readFiles = options.source.files?.bind(options.source);
  using zipper = startZipper(readFiles ? zipWorkers : 0);
  let next = 0;
  const zips: Promise<void>[] = [];
  let zipError: unknown;
  const worker = async () => {
    while (next < model.runs.length) {
      const entry = model.runs[next++]!;
      const samples = options.plots === false ? [] : await options.source.samples(entry.run);
      const page = renderRunPage(entry, samples, model, ctx, readFiles !== undefined);
      await write(`runs/${entry.slug}.html`, page);
      if (readFiles) {
        const raw = publishable(await readFiles(entry.run));
        const made = zipper.zip(entry.slug, raw).then((zip) =>
          write(`runs/${entry.slug}.zip`, zip)
        );
        zips.push(made.catch((error) => void (zipError ??= error)));
        // Keep at most a few zips in flight, so memory stays bounded for long log sets.
        if (zips.length >= 8) await Promise.all(zips.splice(0, 4));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  await Promise.all(zips);
  if (zipError !== undefined) throw zipError;
  return { model, files };
}
