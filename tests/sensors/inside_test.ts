import { deepEqual, equal, match, ok } from "node:assert/strict";
import { shareReads, subtractInside } from "../../lib/sensors/inside.ts";
import type { EnergySensor } from "../../lib/sensors/types.ts";
import { type DeviceEnergy, isDeviceFailure } from "../../lib/types.ts";
import { FakeSensor, readEnergies, virtualRuntime } from "../helpers/fake_sensors.ts";
import { readCapture } from "../helpers/captures.ts";

/** GH200 at idle, from `nvidia-smi -q`: the GPU, its memory and the whole module. */
async function gh200Watts() {
  const capture = await readCapture("nvidia-smi_q_gh200_module_power.txt");
  const draw = (section: string) =>
    Number(
      new RegExp(`${section}\\s*\\n\\s*Power Draw\\s*:\\s*([\\d.]+) W`).exec(capture.text)![1],
    );
  return { gpu: draw("GPU Power Readings"), module: draw("Module Power Readings") };
}

Deno.test("the GPU NVML reads inside a Grace module is taken out of the module's remainder, read in the same instant", async () => {
  const watts = await gh200Watts();
  deepEqual(watts, { gpu: 87.88, module: 169.77 });
  const runtime = virtualRuntime();
  const gpu = new FakeSensor("nvml", runtime, [{
    component: "gpu",
    device: "gpu-0",
    powerWatts: watts.gpu,
  }]);
  // The module meter less Grace (say 60 W), as the hwmon sensor reports it.
  const graceWatts = 60;
  const meters = new FakeSensor("hwmon-power-meter", runtime, [
    { component: "cpu", device: "grace-0", powerWatts: graceWatts, method: "integrated" },
    {
      component: "psys",
      device: "grace-module-rest",
      powerWatts: watts.module - graceWatts,
      method: "integrated",
    },
  ]);
  const shared = shareReads(gpu);
  const rest = subtractInside(
    meters,
    new Map([["grace-module-rest", { what: "gpu-0 (nvml)", read: shared.read }]]),
  );
  await Promise.all([shared.sensor.start(), rest.start()]);
  await Promise.all([shared.sensor.read(), rest.read()]);
  runtime.advance(10_000);
  const [gpuReadings, restReadings] = await Promise.all([
    readEnergies(shared.sensor),
    readEnergies(rest),
  ]);
  // One read of the GPU served both.
  equal(gpu.reads, 2);
  const byDevice = Object.fromEntries(
    [...gpuReadings, ...restReadings].map((
      r,
    ) => [r.device, Math.round(r.energyJoules * 100) / 100]),
  );
  deepEqual(byDevice, {
    "gpu-0": 878.8,
    "grace-0": 600,
    // 169.77 - 60 - 87.88 W over 10 s: the module less Grace less the GPU.
    "grace-module-rest": 218.9,
  });
  // Nothing counted twice: the devices add up to the module.
  equal(Math.round(Object.values(byDevice).reduce((a, b) => a + b) * 100) / 100, watts.module * 10);
});

Deno.test("a remainder whose inside device was not read is a gap, and counts again from the next read", async () => {
  const runtime = virtualRuntime();
  const gpu = new FakeSensor("nvml", runtime, [{
    component: "gpu",
    device: "gpu-0",
    powerWatts: 100,
  }], {
    deviceFailures: (read) => read === 2 ? { "gpu-0": "GPU is lost (NVML error 15)" } : {},
  });
  const module = new FakeSensor("meter", runtime, [
    { component: "psys", device: "grace-module-rest", powerWatts: 150, method: "integrated" },
  ]);
  const shared = shareReads(gpu);
  const rest = subtractInside(
    module,
    new Map([["grace-module-rest", { what: "gpu-0 (nvml)", read: shared.read }]]),
  );
  await rest.start();
  await gpu.start();
  const at = async () => (await rest.read())[0]!;
  await at(); // baseline
  runtime.advance(1000);
  const lost = await at();
  ok(isDeviceFailure(lost));
  match(lost.failure, /gpu-0, inside grace-module-rest, was not read: GPU is lost/);
  runtime.advance(1000);
  const again = await at() as DeviceEnergy;
  equal(again.energyJoules, 0); // the read after the gap only takes a baseline
  runtime.advance(1000);
  equal((await at() as DeviceEnergy).energyJoules, 50); // 150 W less 100 W, for 1 s
});

Deno.test("a remainder holds its value while the inside counter runs ahead of the meter", async () => {
  let gpuJoules = 0;
  let moduleJoules = 0;
  const reading = (device: string, joules: number) => ({
    component: "gpu" as const,
    device,
    method: "counter" as const,
    energyJoules: joules,
  });
  const meter: EnergySensor = {
    name: "meter",
    probe: () => Promise.reject(new Error("not probed here")),
    start: () => Promise.resolve(),
    read: () => Promise.resolve([{ ...reading("m", moduleJoules), component: "psys" as const }]),
    close: () => Promise.resolve(),
  };
  const rest = subtractInside(
    meter,
    new Map([["m", { what: "gpu-0", read: () => Promise.resolve([reading("gpu-0", gpuJoules)]) }]]),
  );
  await rest.read();
  const step = async (module: number, gpu: number) => {
    moduleJoules += module;
    gpuJoules += gpu;
    return (await readEnergies(rest))[0]!.energyJoules;
  };
  deepEqual([await step(200, 100), await step(0, 50), await step(200, 100), await step(200, 100)], [
    100,
    100, // the meter had not refreshed: held, never negative
    150,
    250,
  ]);
});
