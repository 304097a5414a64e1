import { deepEqual, equal } from "node:assert/strict";
import { unzipSync } from "fflate";
import { zipLogDir } from "../../../lib/report/appendix/zip.ts";

Deno.test("the zip holds the log directory's files under the run's folder, byte for byte", async () => {
  const encoder = new TextEncoder();
  const samples = encoder.encode('{"t":"2026-03-01T10:00:01Z"}\n'.repeat(5000));
  const info = encoder.encode('{"schemaVersion":1}\n');
  const zip = await zipLogDir("run-1", { "samples.jsonl": samples, "impact.json": info });
  const files = unzipSync(zip);
  deepEqual(Object.keys(files).sort(), ["run-1/impact.json", "run-1/samples.jsonl"]);
  deepEqual(files["run-1/samples.jsonl"], samples);
  deepEqual(files["run-1/impact.json"], info);
  equal(zip.length < samples.length / 5, true, `compressed to ${zip.length} bytes`);
});
