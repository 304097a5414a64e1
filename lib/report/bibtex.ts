/**
 * BibTeX entries a carbon impact statement cites: the tool, Henderson et al. 2020 (the
 * method of experiment-impact-tracker) and Ricke et al. 2018 (the country-level social cost
 * of carbon).
 *
 * @module
 */
import { VERSION_YEAR } from "../version.ts";

/** Citation keys used by the statement's `\cite{}`. */
export const CITATION_KEYS = {
  tool: "impact",
  henderson: "henderson2020towards",
  ricke: "ricke2018country",
} as const;

/** Henderson et al. 2020, JMLR 21(248):1-43. */
export const HENDERSON_2020 = `@article{${CITATION_KEYS.henderson},
  author  = {Henderson, Peter and Hu, Jieru and Romoff, Joshua and Brunskill, Emma and Jurafsky, Dan and Pineau, Joelle},
  title   = {Towards the Systematic Reporting of the Energy and Carbon Footprints of Machine Learning},
  journal = {Journal of Machine Learning Research},
  year    = {2020},
  volume  = {21},
  number  = {248},
  pages   = {1--43},
  url     = {http://jmlr.org/papers/v21/20-312.html}
}`;

/** Ricke et al. 2018, Nature Climate Change 8, 895-900. */
export const RICKE_2018 = `@article{${CITATION_KEYS.ricke},
  author  = {Ricke, Katharine and Drouet, Laurent and Caldeira, Ken and Tavoni, Massimo},
  title   = {Country-level social cost of carbon},
  journal = {Nature Climate Change},
  year    = {2018},
  volume  = {8},
  number  = {10},
  pages   = {895--900},
  doi     = {10.1038/s41558-018-0282-y}
}`;

/**
 * The tool's own entry: `@misc`, which every BibTeX style knows (`@software` is biblatex's),
 * with the fields a checker asks of it. The author is the project (braced twice, so BibTeX
 * reads it as one name, not as first and last names).
 *
 * @param version The tool's version.
 * @param year The year that version was released.
 * @returns A BibTeX `@misc` entry.
 */
export function toolEntry(version: string, year: number = VERSION_YEAR): string {
  return `@misc{${CITATION_KEYS.tool},
  author       = {{The impact developers}},
  title        = {impact: measuring the energy, carbon and social cost of compute jobs},
  year         = {${year}},
  howpublished = {Software, version ${version}},
  note         = {Version ${version}; a successor to experiment-impact-tracker}
}`;
}

/**
 * All three entries, separated by blank lines.
 *
 * @param version The tool's version.
 * @returns BibTeX text ready for a .bib file.
 */
export function statementBibtex(version: string): string {
  return [toolEntry(version), HENDERSON_2020, RICKE_2018].join("\n\n") + "\n";
}
