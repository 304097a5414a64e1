/**
 * Scrapes the metrics endpoint with a real Prometheus server (Debian's `prometheus` package)
 * and reads the series back through its query API. Skipped with a line saying so where
 * `prometheus` is missing, except under CI, where it must run.
 */
import { equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { createMetricsTotals, renderMetrics } from "../../lib/report/prometheus.ts";
import { serveMetrics } from "../../lib/report/metrics_server.ts";
import type { SampleRecord } from "../../lib/log/schema.ts";
import { canStart, skipUnlessCi } from "../helpers/requirements.ts";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function sample(cpuJ: number, gpuJ: number): SampleRecord {
  return {
    t: new Date().toISOString(),
    intervalSeconds: 1,
    devices: [
      {
        component: "cpu",
        device: "package-0",
        method: "counter",
        machineEnergyJoules: cpuJ,
        attributedEnergyJoules: cpuJ,
        powerWatts: cpuJ,
      },
      {
        component: "gpu",
        device: "gpu-3",
        method: "counter",
        machineEnergyJoules: gpuJ,
        attributedEnergyJoules: gpuJ,
        powerWatts: gpuJ,
      },
    ],
    cpu: { jobShare: 1, jobCpuSeconds: 1, utilization: 1 },
    memory: { jobBytes: 0, kind: "rss" },
  };
}

const present = await canStart("prometheus");
const skip = skipUnlessCi(
  "the Prometheus scrape test",
  present ? undefined : "`prometheus` is not on PATH",
  "install it (`apt-get install prometheus` on Debian) to run it",
);

Deno.test({
  name: "a real Prometheus scrapes /metrics and returns the energy counters by label",
  ignore: skip,
  async fn() {
    if (!present) throw new Error("prometheus is not on PATH: run `apt-get install prometheus`");
    const totals = createMetricsTotals({ intensityGramsPerKwh: 400 });
    totals.add(sample(120, 480));
    totals.add(sample(80, 520));
    const labels = { host: "node-7", slurm_job_id: "4242", team: 'vision "A"' };
    await using server = await serveMetrics({
      port: 0,
      getText: () => renderMetrics(totals, labels),
    });
    const dir = await Deno.makeTempDir();
    const webPort = freePort();
    const config = join(dir, "prometheus.yml");
    await Deno.writeTextFile(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: impact",
        "    honor_labels: true",
        "    static_configs:",
        `      - targets: ["127.0.0.1:${server.port}"]`,
        "",
      ].join("\n"),
    );
    const child = new Deno.Command("prometheus", {
      args: [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
        "--log.level=warn",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let log = "";
    const drain = (async () => {
      for (;;) {
        const { value, done } = await stderr.read();
        if (done) break;
        log += value;
      }
    })();
    try {
      type Result = { metric: Record<string, string>; value: [number, string] };
      let results: Result[] = [];
      const deadline = Date.now() + 18_000;
      while (Date.now() < deadline) {
        try {
          const response = await fetch(
            `http://127.0.0.1:${webPort}/api/v1/query?query=impact_energy_joules_total`,
          );
          const body = await response.json() as { data?: { result?: Result[] } };
          results = body.data?.result ?? [];
          if (results.length >= 2) break;
        } catch {
          // Not listening yet.
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      equal(results.length, 2, `no scraped series; prometheus said:\n${log}`);
      const byDevice = Object.fromEntries(results.map((r) => [r.metric.device, r]));
      equal(byDevice["package-0"]?.value[1], "200");
      equal(byDevice["gpu-3"]?.value[1], "1000");
      const gpu = byDevice["gpu-3"]!.metric;
      equal(gpu.component, "gpu");
      equal(gpu.host, "node-7");
      equal(gpu.slurm_job_id, "4242");
      // Prometheus' own target label keeps its scrape job name.
      equal(gpu.job, "impact");
      equal(gpu.team, 'vision "A"');
      const carbon = await (await fetch(
        `http://127.0.0.1:${webPort}/api/v1/query?query=impact_carbon_grams_total`,
      )).json() as { data: { result: Result[] } };
      // 1200 J = 1/3000 kWh, x 400 g/kWh.
      const grams = Number(carbon.data.result[0]?.value[1]);
      ok(Math.abs(grams - 400 / 3000) < 1e-9, String(grams));
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await drain;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
