/** The tool's version, written into every log directory and printed by `impact --version`. */
export const VERSION = "0.1.0";
/** The year {@link VERSION} was released: the year of the tool's BibTeX entry (bump both). */
export const VERSION_YEAR = 2026;
