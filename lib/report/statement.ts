/**
 * The carbon impact statement for a paper, from {@link LogsFigures}: energy, carbon, hours,
 * PUE, the intensity's source and year, the social cost for a country (median and
 * 16.7-83.3% range, Ricke et al. 2018), how much of the energy was measured, and which devices
 * were not measured for part of a run (their energy is in no figure: the paragraph says so).
 *
 * `json` is a stable contract ({@link StatementData}); `latex`, `markdown` and `text` are
 * paragraphs built from the same values, followed by the BibTeX entries they cite.
 *
 * @module
 */
import type { Figures, LogsFigures } from "../accounting/types.ts";
import type { SocialCost } from "../geo/types.ts";
import { meanIntensityGramsPerKwh, measuredFraction, sumFigures } from "../accounting/figures.ts";
import { formatIntensity, gapList, shortFigure } from "./plain_text.ts";
import { type GapGroup, groupGaps } from "../accounting/gaps.ts";
import { type SocialCostUsd2005, socialCostUsd2005 } from "../accounting/social_cost.ts";
import { skippedLinesNote } from "../accounting/read_logs.ts";
import { CITATION_KEYS, statementBibtex } from "./bibtex.ts";

/** The statement formats. */
export const STATEMENT_FORMATS = ["latex", "markdown", "text", "json"] as const;

/** One of {@link STATEMENT_FORMATS}. */
export type StatementFormat = typeof STATEMENT_FORMATS[number];

/** One grid zone's share of the runs. */
export interface ZoneShare {
  /** The zone, or null for runs of unknown region (charged at the fallback). */
  zone: string | null;
  runs: number;
  energyKwh: number;
  kgCO2e: number;
  intensityGramsPerKwh: number;
  intensitySource: string;
  intensityYear: number | null;
}

/** `impact statement --format json`: the stable contract (fields after `runs` are additions). */
export interface StatementData {
  energyKwh: number;
  kgCO2e: number;
  hours: number;
  /** The PUE applied; with several, the effective one (facility kWh / IT kWh). */
  pue: number;
  /** The grid zone, or null when the runs were in several zones (see `zones`) or none known. */
  zone: string | null;
  /** The intensity the runs were charged at (energy-weighted when they differ), gCO2e/kWh. */
  intensityGramsPerKwh: number;
  intensitySource: string;
  /** The intensity's year, or null when runs used different years. */
  intensityYear: number | null;
  /** ISO 3166-1 alpha-3 of the social cost. */
  country: string;
  socialCostUsd2005: SocialCostUsd2005;
  /**
   * Measured kWh / all kWh from joules, in [0, 1]; with no energy, 1 only when every device was
   * read by a counter or a power meter.
   */
  measuredFraction: number;
  runs: number;
  zones: ZoneShare[];
  measuredEnergyKwh: number;
  estimatedEnergyKwh: number;
  cpuHours: number;
  gpuHours: number;
  runsWithoutCpuCounter: number;
  /** Set when the country has no figure of its own and the global one (WLD) was used. */
  socialCostFallbackFrom?: string;
  /** What was assumed (unknown regions, recomputed summaries, skipped lines). */
  notes: string[];
  /** Runs with a device not measured for part of the run (0 when every device was). */
  runsWithGaps: number;
  /** Device-hours not measured, over every run: their energy is in no figure here. */
  unmeasuredDeviceHours: number;
  /** What was not measured, by device and reason, the longest first (empty when nothing). */
  gaps: GapGroup[];
}

/** What a statement needs beside the figures. */
export interface StatementOptions {
  /** ISO 3166-1 alpha-3 of the social cost, as the user gave it (upper case). */
  country: string;
  /** That country's social cost of carbon per tonne. */
  socialCost: SocialCost;
  /** The tool's version, for the BibTeX entry. */
  version: string;
}

/**
 * The statement's values (the JSON contract).
 *
 * @param logs What `readLogs` returned.
 * @param options The country and its social cost.
 * @returns Every figure the statement prints.
 */
export function statementData(logs: LogsFigures, options: StatementOptions): StatementData {
  const total = logs.total;
  const zones = zoneShares(logs);
  const pues = new Set(logs.runs.map((r) => r.pue));
  const pue = pues.size === 1
    ? [...pues][0]!
    : total.itEnergyKwh > 0
    ? round(total.energyKwh / total.itEnergyKwh, 4)
    : 0;
  const years = new Set(zones.map((z) => z.intensityYear));
  const sources = [...new Set(zones.map((z) => z.intensitySource))];
  const notes = [
    ...leftOutNotes(logs),
    ...new Set(logs.runs.flatMap((r) =>
      // Each run's count of skipped lines is summed in leftOutNotes instead.
      r.notes.filter((n) => !r.skippedSampleLines || n !== skippedLinesNote(r.skippedSampleLines))
    )),
  ];
  const data: StatementData = {
    energyKwh: total.energyKwh,
    kgCO2e: total.kgCO2e,
    hours: total.hours,
    pue,
    zone: zones.length === 1 ? zones[0]!.zone : null,
    intensityGramsPerKwh: meanIntensityGramsPerKwh(logs.runs),
    intensitySource: sources.join("; "),
    intensityYear: years.size === 1 ? [...years][0]! : null,
    country: options.country,
    socialCostUsd2005: socialCostUsd2005(total.kgCO2e, options.socialCost),
    measuredFraction: measuredFraction(logs.runs),
    runs: total.runs,
    zones,
    measuredEnergyKwh: total.measuredEnergyKwh,
    estimatedEnergyKwh: total.estimatedEnergyKwh,
    cpuHours: total.cpuHours,
    gpuHours: total.gpuHours,
    runsWithoutCpuCounter: total.runsWithoutCpuCounter,
    notes,
    runsWithGaps: total.runsWithGaps,
    unmeasuredDeviceHours: total.unmeasuredDeviceHours,
    gaps: groupGaps(logs.runs),
  };
  if (options.socialCost.fallbackFrom) {
    data.socialCostFallbackFrom = options.socialCost.fallbackFrom;
  }
  return data;
}

/** What was left out of the figures as unusable, in words (each item is named in the warnings). */
function leftOutNotes(logs: LogsFigures): string[] {
  const { runs = 0, sampleLines = 0 } = logs.leftOut ?? {};
  const notes: string[] = [];
  if (runs > 0) {
    notes.push(
      `${runs} log director${
        runs === 1 ? "y" : "ies"
      } left out as unusable (impact's warnings name each)`,
    );
  }
  if (sampleLines > 0) {
    notes.push(
      `${sampleLines} unusable sample record${
        sampleLines === 1 ? "" : "s"
      } left out (impact's warnings name each file and line)`,
    );
  }
  return notes;
}

function zoneShares(logs: LogsFigures): ZoneShare[] {
  const groups = new Map<string, typeof logs.runs>();
  for (const run of logs.runs) {
    const key = run.zone ?? "";
    const group = groups.get(key);
    if (group) group.push(run);
    else groups.set(key, [run]);
  }
  return [...groups.entries()].map(([key, runs]) => {
    const figures: Figures = sumFigures(runs);
    const years = new Set(runs.map((r) => r.intensityYear ?? null));
    return {
      zone: key === "" ? null : key,
      runs: figures.runs,
      energyKwh: figures.energyKwh,
      kgCO2e: figures.kgCO2e,
      intensityGramsPerKwh: meanIntensityGramsPerKwh(runs),
      intensitySource: [...new Set(runs.map((r) => r.intensitySource))].join("; "),
      intensityYear: years.size === 1 ? [...years][0]! : null,
    };
  });
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

/**
 * A figure for prose: the terminal's figure (lib/report/plain_text.ts's `shortFigure`), with
 * thousands separated (`1,234`).
 *
 * @param x The figure.
 * @returns Its text.
 */
export function formatFigure(x: number): string {
  return Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en-US") : shortFigure(x);
}

/**
 * An amount of 2005 US dollars: whole dollars from 100 up, cents from 1 up, two significant
 * digits below (a statement for a small run must not print $0.00), a leading minus when
 * negative.
 *
 * @param usd The amount.
 * @returns e.g. `$1,234`, `$5.20`, `$0.015`, `-$0.0031`.
 */
export function formatUsd(usd: number): string {
  const abs = Math.abs(usd);
  const text = abs >= 100
    ? Math.round(abs).toLocaleString("en-US")
    : abs >= 1 || abs === 0
    ? abs.toFixed(2)
    : String(Number(abs.toPrecision(2)));
  return `${usd < 0 ? "-" : ""}$${text}`;
}

/**
 * Escapes text for LaTeX (the ten special characters).
 *
 * @param text Plain text.
 * @returns Text that LaTeX prints as given.
 */
export function escapeLatex(text: string): string {
  const map: Record<string, string> = {
    "\\": "\\textbackslash{}",
    "{": "\\{",
    "}": "\\}",
    "$": "\\$",
    "&": "\\&",
    "#": "\\#",
    "%": "\\%",
    "_": "\\_",
    "^": "\\textasciicircum{}",
    "~": "\\textasciitilde{}",
  };
  return text.replace(/[\\{}$&#%_^~]/g, (c) => map[c]!);
}

/** Pieces of the paragraph, each already in the target markup. */
interface Markup {
  co2: string;
  /** The percent sign (LaTeX: `\\%`). */
  pct: string;
  esc(text: string): string;
  cite(keys: string[]): string;
}

function paragraph(d: StatementData, m: Markup): string[] {
  const e = m.esc;
  const names = d.zones.map((z) => (z.zone === null ? "an unknown region" : z.zone));
  const place = d.zone !== null
    ? `grid zone ${d.zone}`
    : d.zones.length > 1
    ? `energy-weighted over ${names.slice(0, -1).join(", ")} and ${names.at(-1)}`
    : "an unknown region";
  const year = d.intensityYear !== null ? `, ${d.intensityYear}` : "";
  const sc = d.socialCostUsd2005;
  const percent = (x: number) => String(Number(x.toFixed(1)));
  const measuredPercent = percent(d.measuredFraction * 100);
  const sentences = [
    `The experiments in this work ran for ${formatFigure(d.hours)} hours in ${d.runs} run${
      d.runs === 1 ? "" : "s"
    } and used ${formatFigure(d.energyKwh)} kWh of electricity, including a PUE of ${
      formatFigure(d.pue)
    }${m.cite([CITATION_KEYS.tool])}.`,
    `At a carbon intensity of ${formatIntensity(d.intensityGramsPerKwh)} g${m.co2}/kWh (${
      e(place)
    }; ${e(d.intensitySource)}${year}), this amounts to ${formatFigure(d.kgCO2e)} kg ${m.co2}.`,
    `Of this energy, ${measuredPercent}${m.pct} was measured with hardware counters or power readings and ${
      percent(100 - d.measuredFraction * 100)
    }${m.pct} estimated from nameplate power${
      d.runsWithoutCpuCounter > 0
        ? `; ${d.runsWithoutCpuCounter} run${
          d.runsWithoutCpuCounter === 1 ? " had" : "s had"
        } no readable CPU energy counter`
        : ""
    }${m.cite([CITATION_KEYS.henderson])}.`,
    ...gapSentences(d, e),
    `The social cost of these emissions for ${e(d.country)} is ${
      e(formatUsd(sc.p50))
    } (16.7-83.3${m.pct} range ${e(formatUsd(sc.p16_7))} to ${
      e(formatUsd(sc.p83_3))
    }, 2005 US dollars)${
      d.socialCostFallbackFrom ? ", using the global figure as the country has none" : ""
    }${m.cite([CITATION_KEYS.ricke])}.`,
  ];
  return sentences;
}

/** What went unmeasured, for a reviewer: in how many runs, which devices, why; none if nothing. */
function gapSentences(d: StatementData, esc: (text: string) => string): string[] {
  if (d.runsWithGaps === 0) return [];
  const which = d.runsWithGaps < d.runs
    ? `For ${d.runsWithGaps} of ${d.runs} runs`
    : d.runs === 1
    ? "In this run"
    : `In all ${d.runs} runs`;
  return [
    `${which}, a device was not measured for part of the run: ${esc(gapList(d.gaps, 3))}.`,
    "The energy of those stretches is not included in these figures.",
  ];
}

/**
 * Renders the statement.
 *
 * @param data The values from {@link statementData}.
 * @param format latex, markdown, text or json.
 * @param version The tool's version, for the BibTeX entry.
 * @returns The statement text, ending with a newline.
 */
export function renderStatement(
  data: StatementData,
  format: StatementFormat,
  version: string,
): string {
  const bib = statementBibtex(version);
  if (format === "json") return JSON.stringify({ ...data, bibtex: bib }, null, 2) + "\n";
  if (format === "latex") {
    const text = paragraph(data, {
      co2: "CO$_2$e",
      pct: "\\%",
      esc: escapeLatex,
      cite: (keys) => `~\\cite{${keys.join(",")}}`,
    }).join(" ");
    const notes = data.notes.map((n) => `%   ${n}`);
    return [
      "% Carbon impact statement (impact " + version + ")",
      "\\paragraph{Carbon impact statement}",
      text,
      ...(notes.length ? ["", "% Assumptions:", ...notes] : []),
      "",
      "% BibTeX entries for the citations above (add them to your .bib file):",
      ...bib.trimEnd().split("\n").map((line) => (line === "" ? "%" : `% ${line}`)),
      "",
    ].join("\n");
  }
  const refs = (keys: string[]) => ` [${keys.join(", ")}]`;
  if (format === "markdown") {
    const text = paragraph(data, { co2: "CO2e", pct: "%", esc: escapeMarkdown, cite: refs }).join(
      " ",
    );
    return [
      "**Carbon impact statement.** " + text,
      "",
      ...(data.notes.length
        ? ["Assumptions:", "", ...data.notes.map((n) => `- ${escapeMarkdown(n)}`), ""]
        : []),
      "```bibtex",
      bib.trimEnd(),
      "```",
      "",
    ].join("\n");
  }
  const text = paragraph(data, { co2: "CO2e", pct: "%", esc: (t) => t, cite: refs }).join(" ");
  return [
    "Carbon impact statement",
    "",
    text,
    "",
    ...(data.notes.length ? ["Assumptions:", ...data.notes.map((n) => `- ${n}`), ""] : []),
    "References (BibTeX):",
    "",
    bib,
  ].join("\n");
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}
