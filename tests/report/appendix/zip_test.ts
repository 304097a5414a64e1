import { deepEqual, equal } from "node:assert/strict";
import { unzipSync } from "fflate";
import { zipLogDirHere } from "../../../lib/report/appendix/zip.ts";

Deno.test("the zip holds the log directory's files under the run's folder, byte for byte", async () => {
  const encoder = new TextEncoder();
  const samples = encoder.encode('{"t":"2026-03-01T10:00:01Z"}\n'.repeat(5000));
  const info = encoder.encode('{"schemaVersion":1}\n');
  const zip = await zipLogDirHere("run-1", { "samples.jsonl": samples, "impact.json": info });
  const files = unzipSync(zip);
  deepEqual(Object.keys(files).sort(), ["run-1/impact.json", "run-1/samples.jsonl"]);
  deepEqual(files["run-1/samples.jsonl"], samples);
  deepEqual(files["run-1/impact.json"], info);
  equal(zip.length < samples.length / 5, true, `compressed to ${zip.length} bytes`);
});

Deno.test("a zip worker gives the same archive as this thread", async () => {
  const { startZipper, zipLogDirHere } = await import("../../../lib/report/appendix/zip.ts");
  const files = { "samples.jsonl": new TextEncoder().encode("{}\n".repeat(1000)) };
  using zipper = startZipper(1);
  const [fromWorker, here] = await Promise.all([
    zipper.zip("run", files),
    zipLogDirHere("run", files),
  ]);
  deepEqual(fromWorker, here);
  deepEqual(Object.keys(unzipSync(fromWorker)), ["run/samples.jsonl"]);
});
