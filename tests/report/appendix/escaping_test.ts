import { equal, match, ok } from "node:assert/strict";
import { buildAppendix } from "../../../lib/report/appendix/build.ts";
import { parseSiteSpec } from "../../../lib/report/site_spec.ts";
import { makeLogsFigures, makeRun, makeSamples } from "../../fixtures/appendix_figures.ts";

const evil = `<script>alert("x")</script>`;

Deno.test("names, labels and descriptions are escaped: a <script> renders as text", async () => {
  const spec = parseSiteSpec(JSON.stringify({
    [`Set ${evil}`]: {
      filter: "runs",
      description: `desc ${evil}`,
      executive_summary_plots: [{ x: "hours", y: "energy_kwh" }],
      child_experiments: { [`child ${evil}`]: { filter: "a" } },
    },
  }));
  const run = makeRun({
    dir: `/logs/runs/a${"<img src=x onerror=alert(1)>"}`,
    energyKwh: 1,
    hours: 0.01,
    kgCO2e: 0.3,
    labels: { [`key${evil}`]: `value${evil}` },
  });
  const files = new Map<string, string | Uint8Array>();
  await buildAppendix({
    title: `Title ${evil}`,
    spec,
    figures: makeLogsFigures([run]),
    version: "0.0.0",
    source: { samples: (r) => Promise.resolve(makeSamples(r.info.start, 36)) },
    write: (path, data) => Promise.resolve(void files.set(path, data)),
  });
  const pages = [...files].filter(([p]) => p.endsWith(".html")).map(([, d]) => d as string);
  equal(pages.length, 3);
  for (const html of pages) {
    // The only scripts are our own sorting script on set pages.
    const scripts = html.match(/<script>/g) ?? [];
    ok(scripts.length <= 1);
    ok(!html.includes("<img src=x"), "no raw img tag");
    ok(!html.includes(evil));
    match(html, /Title &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
  }
  const runPage = pages.find((p) => p.includes("labels"))!;
  match(runPage, /value&lt;script&gt;/);
});
