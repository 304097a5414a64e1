/**
 * docs/cli.md's reference: `impact --help` and every subcommand's `--help`, captured through
 * the program itself (lib/cli/app.ts's runCli), so the page says what the commands say.
 *
 * @module
 */
import { runCli } from "../../lib/cli/app.ts";
import { denoRuntime } from "../../lib/runtime.ts";

/**
 * What `impact <args>` prints on stdout, run in this process with a capturing context.
 *
 * @param args The arguments, e.g. `["run", "--help"]`.
 * @returns The text printed.
 */
async function helpText(args: string[]): Promise<string> {
  let out = "";
  let err = "";
  const code = await runCli(args, {
    runtime: denoRuntime,
    stdout: (text) => (out += text),
    stderr: (text) => (err += text),
    stderrIsTerminal: false,
    cwd: Deno.cwd(),
  });
  if (code !== 0) throw new Error(`impact ${args.join(" ")} exited ${code}: ${err}`);
  return out;
}

/**
 * The subcommands `impact --help` lists under "Commands:", in its order (`help` left out).
 *
 * @param programHelp The output of `impact --help`.
 * @returns The command names.
 */
export function listedCommands(programHelp: string): string[] {
  const section = programHelp.split(/^Commands:\n/m)[1] ?? "";
  // A command's first line starts two spaces in; its wrapped description lines further.
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)]
    .map((m) => m[1]!)
    .filter((name) => name !== "help");
}

/**
 * The reference's body: the program's help, then each command's, under one heading each.
 *
 * @returns Markdown.
 */
export async function cliReferenceMarkdown(): Promise<string> {
  const programHelp = await helpText(["--help"]);
  const names = listedCommands(programHelp);
  if (names.length === 0) throw new Error("`impact --help` lists no commands");
  const sections = [
    names.map((name) => `[${name}](#impact-${name})`).join(" · "),
    "## impact",
    fence(programHelp),
  ];
  for (const name of names) {
    sections.push(`## impact ${name}`, fence(await helpText([name, "--help"])));
  }
  return sections.join("\n\n");
}

function fence(text: string): string {
  return "```text\n" + text.trimEnd() + "\n```";
}
