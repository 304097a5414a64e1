import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { facilityKwh } from "../../lib/accounting/energy.ts";
import { intensityFor } from "../../lib/geo/intensity.ts";
import { readLogDir } from "../../lib/log/read.ts";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";
import { createFakeRapl } from "../helpers/fake_sysfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

/** A carbonintensity.org.uk stand-in: each answer's intensity is the next of `values`. */
function fakeUkServer(values: (number | "fail")[]) {
  let calls = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const value = values[Math.min(calls++, values.length - 1)]!;
    if (new URL(req.url).pathname !== "/intensity") return new Response("no", { status: 404 });
    if (value === "fail") return new Response("upstream down", { status: 503 });
    const from = new Date().toISOString().slice(0, 16) + "Z";
    return Response.json({
      data: [{ from, to: from, intensity: { forecast: value + 7, actual: value, index: "low" } }],
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    calls: () => calls,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function runWithLive(dir: string, url: string, extra: string[] = []) {
  // A 5 kW limit, so 20 kW is a power the zone can draw (5x its limit is the bound).
  const rapl = await createFakeRapl(join(dir, "sys"), {
    sockets: 1,
    packageMaxPowerUw: 5_000_000_000,
  });
  rapl.setPower("package-0", 20_000); // kWh large enough for the statement's 6 decimals
  const logDir = join(dir, "log");
  await using _ticker = rapl.startTicking(5);
  const r = await runImpact(
    [
      "run",
      "--no-env",
      "--log-dir",
      logDir,
      "--interval",
      "0.2",
      "--attribution",
      "whole-machine",
      "--zone",
      "GB",
      "--live-intensity",
      "uk",
      "--live-intensity-url",
      url,
      "--live-intensity-every",
      "0.3",
      ...extra,
      "--",
      "sleep",
      "2",
    ],
    dir,
    isolatedEnv(dir, { IMPACT_SYSFS_ROOT: rapl.root }),
  );
  return { ...r, logDir };
}

Deno.test("live UK intensity is stamped on each sample and impact statement charges it interval by interval", async () => {
  await using dir = await tempDir();
  await using server = fakeUkServer([100, 300, 500, 200, 400, 150, 250, 350, 450, 50]);
  const r = await runWithLive(dir.path, server.url);
  equal(r.code, 0, r.stderr);
  match(
    r.stderr,
    /carbon: .* k?g CO2e = .* x PUE 1\.58, default\) x .* time-weighted \(live carbonintensity\.org\.uk actual \(GB\)/,
  );
  const log = await readLogDir(r.logDir);
  equal(log.info.options.liveIntensity, "uk");
  equal(log.info.region?.zone, "GB");
  equal(log.info.region?.source, "--zone");
  equal(log.info.region?.live?.provider, "uk");
  equal(log.info.region?.live?.failures, 0);
  ok((log.info.region?.live?.polls ?? 0) >= 3);
  const stamped = log.samples.filter((s) => s.intensity);
  ok(stamped.length >= 5, `${stamped.length} of ${log.samples.length} samples stamped`);
  ok(new Set(stamped.map((s) => s.intensity!.gramsPerKwh)).size >= 2);

  // What the accounting must give: each stamped interval at its own value, the rest yearly.
  const yearly = intensityFor("GB")!.intensityGramsPerKwh;
  let grams = 0;
  let liveKwh = 0;
  for (const s of stamped) {
    const kwh = facilityKwh(s.devices.reduce((j, d) => j + d.attributedEnergyJoules, 0), 1.58);
    grams += kwh * s.intensity!.gramsPerKwh;
    liveKwh += kwh;
  }
  const totalKwh = facilityKwh(log.summary.totals.attributedEnergyJoules, 1.58);
  grams += (totalKwh - liveKwh) * yearly;
  const st = await runImpact(
    ["statement", r.logDir, "--country", "GBR", "--format", "json"],
    dir.path,
    isolatedEnv(dir.path),
  );
  equal(st.code, 0, st.stderr);
  const json = JSON.parse(st.stdout);
  ok(
    Math.abs(json.kgCO2e - grams / 1000) <= 1e-7, // the statement gives kg to 7 decimals
    `${json.kgCO2e} vs ${grams / 1000}`,
  );
  ok(Math.abs(json.kgCO2e - (totalKwh * yearly) / 1000) > 1e-4, "differs from the yearly product");
  match(json.intensitySource, /live: carbonintensity\.org\.uk/);
});

Deno.test("a failing live source falls back to the yearly value and says so", async () => {
  await using dir = await tempDir();
  await using server = fakeUkServer(["fail"]);
  const r = await runWithLive(dir.path, server.url);
  equal(r.code, 0, r.stderr);
  match(r.stderr, /live intensity poll failed \(.*503/);
  match(r.stderr, /live intensity: \d+ of \d+ poll\(s\) failed .*yearly figure/);
  const log = await readLogDir(r.logDir);
  ok((log.info.region?.live?.failures ?? 0) >= 1);
  match(log.info.region?.live?.lastFailure ?? "", /503/);
  const yearly = intensityFor("GB")!;
  const stamped = log.samples.filter((s) => s.intensity);
  ok(stamped.length > 0);
  deepEqual(
    new Set(stamped.map((s) => s.intensity!.gramsPerKwh)),
    new Set([yearly.intensityGramsPerKwh]),
  );
  match(stamped[0]!.intensity!.source, /live uk failed/);
  ok(server.calls() >= 1);
});

Deno.test("a bad zone or address stops impact run before the child starts (exit 3)", async () => {
  await using dir = await tempDir();
  const env = isolatedEnv(dir.path);
  const marker = join(dir.path, "started");
  const zone = await runImpact(
    ["run", "--no-env", "--log-dir", join(dir.path, "a"), "--zone", "DX", "--", "touch", marker],
    dir.path,
    env,
  );
  equal(zone.code, 3, zone.stderr);
  match(zone.stderr, /Unknown grid zone "DX"; nearest valid zones: .*DE/);
  const place = await runImpact(
    [
      "run",
      "--no-env",
      "--log-dir",
      join(dir.path, "b"),
      "--address",
      "Stanfrod, Califronia",
      "--",
      "touch",
      marker,
    ],
    dir.path,
    env,
  );
  equal(place.code, 3, place.stderr);
  match(place.stderr, /closest candidates: .*Stanford, California/);
  const exists = await Deno.stat(marker).then(() => true, () => false);
  equal(exists, false);
});

Deno.test("IMPACT_ZONE and --cloud are recorded with their source; no region still logs energy", async () => {
  await using dir = await tempDir();
  const rapl = await createFakeRapl(join(dir.path, "sys"), { sockets: 1 });
  rapl.setPower("package-0", 40);
  await using _ticker = rapl.startTicking(5);
  const env = isolatedEnv(dir.path, { IMPACT_SYSFS_ROOT: rapl.root, IMPACT_ZONE: "FR" });
  const base = ["run", "--no-env", "--interval", "0.2", "--attribution", "whole-machine"];
  const [fromEnv, cloud, none] = await Promise.all([
    runImpact([...base, "--log-dir", join(dir.path, "env"), "--", "sleep", "0.5"], dir.path, env),
    runImpact(
      [
        ...base,
        "--log-dir",
        join(dir.path, "cloud"),
        "--cloud",
        "aws:eu-west-1",
        "--",
        "sleep",
        "0.5",
      ],
      dir.path,
      env,
    ),
    runImpact(
      [...base, "--log-dir", join(dir.path, "none"), "--", "sleep", "0.5"],
      dir.path,
      { ...env, IMPACT_ZONE: "" },
    ),
  ]);
  equal(fromEnv.code, 0, fromEnv.stderr);
  const envLog = await readLogDir(join(dir.path, "env"));
  equal(envLog.info.region?.zone, "FR");
  equal(envLog.info.region?.source, "IMPACT_ZONE");
  equal(envLog.info.region?.intensity?.zone, "FR");
  ok((envLog.info.region?.intensity?.year ?? 0) >= 2021);
  match(fromEnv.stderr, /carbon: .* k?g CO2e .* zone FR from IMPACT_ZONE/);
  const cloudLog = await readLogDir(join(dir.path, "cloud"));
  equal(cloudLog.info.region?.source, "--cloud");
  equal(cloudLog.info.region?.zone, "IE");
  match(cloud.stderr, /PUE 1\.135, cloud/);
  const noneLog = await readLogDir(join(dir.path, "none"));
  deepEqual(noneLog.info.region, { source: "unknown" });
  ok(noneLog.summary.totals.machineEnergyJoules > 0);
  match(none.stderr, /carbon: region unknown/);
});
