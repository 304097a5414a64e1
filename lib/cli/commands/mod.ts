/**
 * The list of subcommands. Each entry registers one command on the program.
 *
 * @module
 */
import type { RegisterCommand } from "../context.ts";
import { register as doctor } from "./doctor.ts";
import { register as run } from "./run.ts";
import { register as workload } from "./workload.ts";
import { register as region } from "./region.ts";
import { register as cloud } from "./cloud.ts";
import { register as summary } from "./summary.ts";
import { register as statement } from "./statement.ts";
import { register as estimate } from "./estimate.ts";
import { register as appendix } from "./appendix.ts";
import { register as exportCommand } from "./export.ts";

/** Every subcommand, in the order `impact --help` lists them. */
export const commands: RegisterCommand[] = [
  run,
  doctor,
  summary,
  statement,
  estimate,
  appendix,
  exportCommand,
  region,
  cloud,
  workload,
];
