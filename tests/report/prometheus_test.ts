import { equal, match, ok, rejects, throws } from "node:assert/strict";
import {
  createMetricsTotals,
  escapeLabelValue,
  renderExposition,
  renderMetrics,
  sanitizeLabelName,
} from "../../lib/report/prometheus.ts";
import { parseListenAddress, serveMetrics } from "../../lib/report/metrics_server.ts";
import type { SampleRecord } from "../../lib/log/schema.ts";

function sample(cpuJ: number, gpuJ: number, seconds = 1): SampleRecord {
  return {
    t: "2025-01-01T00:00:01.000Z",
    intervalSeconds: seconds,
    devices: [
      {
        component: "cpu",
        device: "package-0",
        method: "counter",
        machineEnergyJoules: cpuJ * 2,
        attributedEnergyJoules: cpuJ,
        powerWatts: (cpuJ * 2) / seconds,
      },
      {
        component: "gpu",
        device: "gpu-0",
        method: "counter",
        machineEnergyJoules: gpuJ,
        attributedEnergyJoules: gpuJ,
        powerWatts: gpuJ / seconds,
      },
    ],
    cpu: { jobShare: 0.5, jobCpuSeconds: 0.75, utilization: 0.6 },
    memory: { jobBytes: 1000, kind: "rss" },
  };
}

Deno.test("label values escape backslash, quote and line feed", () => {
  equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  equal(sanitizeLabelName("team-a.b"), "team_a_b");
  equal(sanitizeLabelName("9lives"), "_9lives");
  throws(() => sanitizeLabelName("__name__"), /reserved "__" prefix/);
});

Deno.test("the exposition has HELP and TYPE lines, _total counters and summed energy", () => {
  const totals = createMetricsTotals({ intensityGramsPerKwh: 360, pue: 1.5 });
  totals.add(sample(100, 300));
  totals.add(sample(50, 250));
  const text = renderMetrics(totals, { host: "n1", slurm_job_id: 'train "big"' });
  match(text, /^# HELP impact_energy_joules_total .+\n# TYPE impact_energy_joules_total counter\n/);
  ok(text.includes(
    'impact_energy_joules_total{host="n1",slurm_job_id="train \\"big\\"",component="cpu",device="package-0",method="counter"} 150\n',
  ));
  ok(
    text.includes(
      'impact_machine_energy_joules_total{host="n1",slurm_job_id="train \\"big\\"",component="cpu",device="package-0",method="counter"} 300\n',
    ),
  );
  ok(
    text.includes(
      'impact_power_watts{host="n1",slurm_job_id="train \\"big\\"",component="gpu",device="gpu-0"} 250\n',
    ),
  );
  ok(text.includes("# TYPE impact_power_watts gauge\n"));
  // 700 J attributed x 1.5 PUE = 1050 J = 2.9167e-4 kWh, x 360 g/kWh = 0.105 g.
  const carbon = /impact_carbon_grams_total\{[^}]*\} ([\d.e-]+)/.exec(text);
  ok(carbon && Math.abs(Number(carbon[1]) - 0.105) < 1e-12, text);
  match(text, /impact_cpu_seconds_total\{[^}]*\} 1.5\n/);
  ok(text.endsWith("\n"));
});

Deno.test("renderExposition refuses counters without _total and bad names", () => {
  throws(
    () => renderExposition([{ name: "x_joules", help: "h", type: "counter", samples: [] }]),
    /counter "x_joules" must end in _total/,
  );
  throws(
    () => renderExposition([{ name: "bad-name", help: "h", type: "gauge", samples: [] }]),
    /invalid metric name "bad-name"/,
  );
});

Deno.test("parseListenAddress: a bare port is loopback; other hosts only when named", () => {
  equal(JSON.stringify(parseListenAddress("9464")), '{"hostname":"127.0.0.1","port":9464}');
  equal(parseListenAddress(":9464").hostname, "127.0.0.1");
  equal(parseListenAddress("0.0.0.0:9100").hostname, "0.0.0.0");
  equal(parseListenAddress("[::1]:9100").hostname, "::1");
  throws(() => parseListenAddress("localhost:http"), /port must be 0-65535, found "http"/);
  throws(() => parseListenAddress("::1:9100"), /write IPv6 addresses as \[ADDR\]:PORT/);
});

Deno.test("serveMetrics serves /metrics on loopback with the exposition content type", async () => {
  let scrapes = 0;
  await using server = await serveMetrics({
    port: 0,
    getText: () => `# HELP a_total x\n# TYPE a_total counter\na_total ${++scrapes}\n`,
  });
  equal(server.hostname, "127.0.0.1");
  const response = await fetch(server.url);
  equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  match(await response.text(), /a_total 1\n/);
  const missing = await fetch(server.url.replace("/metrics", "/nope"));
  equal(missing.status, 404);
  await missing.body?.cancel();
  await server.shutdown();
  await rejects(fetch(server.url));
});
