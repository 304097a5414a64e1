/** The tool's version, written into every log directory and printed by `impact --version`. */
export const VERSION = "0.1.0";
