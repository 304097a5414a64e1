/**
 * A process that tracks itself with the library's `track()`, for the tests of what impact.json
 * records of a library user's command line: `deno run -A track_child.ts <logDir> [args...]`
 * tracks for a moment, stops, and exits 0. Its own arguments are the command line the log
 * records (`Deno.execPath()`, this file, then the arguments).
 *
 * @module
 */
import { track } from "../../mod.ts";

const [logDir] = Deno.args;
const tracker = await track(logDir!, { intervalSeconds: 0.1, captureEnv: false });
await tracker.stop();
