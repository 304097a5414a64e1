import { equal, match } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MOD = fileURLToPath(new URL("../../mod.ts", import.meta.url));

Deno.test("the API reference renders with deno doc --html and documents track()", async () => {
  const out = await Deno.makeTempDir();
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["doc", "--html", "--name=impact", `--output=${out}`, MOD],
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(result.code, 0, new TextDecoder().decode(result.stderr));
    const all = await Deno.readTextFile(join(out, "all_symbols.html"));
    match(all, /track/);
    match(all, /readLogDir/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
