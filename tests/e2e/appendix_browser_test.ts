/**
 * The appendix in a real browser: headless Chromium (Debian's `chromium`) driven by
 * playwright-core opens the generated site from file://, follows every link, reads the
 * summary tables against the figures, counts plotted series, sorts a table, and fails on any
 * console error or any request that is not file://. Screenshots go to tests/artifacts/.
 *
 * Needs /usr/bin/chromium (`apt-get install chromium`): skipped with a line saying so where it
 * is missing, except under CI, where it must run.
 */
import { equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { summaryStats } from "../../lib/report/appendix/stats.ts";
import type { RunFigures } from "../../lib/accounting/types.ts";
import { readLogs } from "../../lib/report/read_logs.ts";
import { runCli } from "../../lib/cli/app.ts";
import { captureContext } from "../helpers/context.ts";
import { writeLogSet } from "../helpers/log_fixtures.ts";
import { skipUnlessCi } from "../helpers/requirements.ts";

const CHROMIUM = "/usr/bin/chromium";
const artifacts = fileURLToPath(new URL("../artifacts/", import.meta.url));

async function chromiumPresent(): Promise<boolean> {
  try {
    return (await Deno.stat(CHROMIUM)).isFile;
  } catch {
    return false;
  }
}

const present = await chromiumPresent();
const skip = skipUnlessCi(
  "the appendix's browser tests",
  present ? undefined : `Chromium is not at ${CHROMIUM}`,
  "install it (`apt-get install chromium` on Debian) to run them",
);

const specJson = JSON.stringify({
  "Pong PPO <script>": {
    filter: "pong/ppo",
    description: "Proximal policy optimisation on Pong",
    executive_summary_variables: [
      "total_power",
      "exp_len_hours",
      "estimated_carbon_impact_kg",
      "lr",
    ],
    child_experiments: { small: { filter: "small" }, large: { filter: "large" } },
    executive_summary_plots: [{ x: "exp_len_hours", y: "total_power" }],
  },
  "Breakout A2C": { filter: "breakout/a2c", description: "A2C on Breakout" },
});

/**
 * Writes real log directories under `root/logs`, builds the site with `impact appendix`
 * into `root/site`, and returns the expected figures from `readLogs`.
 */
async function prepareSite(root: string): Promise<{ runs: RunFigures[]; memorySeries: number }> {
  const logs = join(root, "logs");
  await writeLogSet(logs, [
    ...[1, 2, 3, 4].map((i) => ({
      name: `pong/ppo/${i % 2 ? "small" : "large"}/run-${i}`,
      cpuWatts: 30 + 10 * i,
      dramWatts: 5,
      gpuWatts: [100 * i, 90 * i],
      samples: 30 * i,
      zone: "FR",
      labels: { lr: String(i / 10) },
    })),
    { name: "breakout/a2c/run-1", cpuWatts: 60, dramWatts: 4, samples: 40, zone: "DE" },
    { name: "breakout/a2c/run-2", cpuWatts: 70, dramWatts: 4, samples: 50 },
  ]);
  await Deno.writeTextFile(join(root, "spec.json"), specJson);
  const ctx = captureContext(undefined, root);
  const code = await runCli(
    ["appendix", "logs", "--site-spec", "spec.json", "--out", "site", "--title", "Appendix"],
    ctx,
  );
  equal(code, 0, ctx.err());
  const figures = await readLogs([logs]);
  // GPUs of the fixture logs report no memory: the memory plot has the job's line only.
  return { runs: figures.runs, memorySeries: 1 };
}

Deno.test({
  name: "the appendix opens from file://, links resolve, numbers match, no console errors",
  ignore: skip,
  async fn() {
    if (!present) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: run \`apt-get install chromium\` (Debian)`,
      );
    }
    const root = await Deno.makeTempDir({ prefix: "impact-appendix-" });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    try {
      const { runs, memorySeries } = await prepareSite(root);
      const site = join(root, "site");
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console error: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file://")) return route.continue();
        problems.push(`external request: ${url}`);
        return route.abort();
      });

      // Follow every link from the index, breadth first.
      const index = pathToFileURL(join(site, "index.html")).href;
      const queue = [index];
      const seen = new Set(queue);
      while (queue.length > 0) {
        const url = queue.shift()!;
        const response = await page.goto(url);
        ok(response === null || response.ok(), `${url} loads`);
        const hrefs = await page.$$eval(
          "a[href]",
          (as) => as.map((a) => (a as unknown as { href: string }).href),
        );
        for (const href of hrefs) {
          const target = href.split("#")[0]!;
          ok(target.startsWith("file://"), `link ${href} stays on file://`);
          const stat = await Deno.stat(fileURLToPath(target)).catch(() => null);
          ok(stat?.isFile, `link ${href} on ${url} points to a file`);
          if (target.endsWith(".html") && !seen.has(target)) {
            seen.add(target);
            queue.push(target);
          }
        }
      }
      equal(seen.size, 1 + 2 + runs.length, "index, two set pages and every run page");

      // The index's summary tables against the figures.
      await page.goto(index);
      const pong = runs.filter((r) => r.dir.includes("pong"));
      equal(pong.length, 4);
      const expected: Record<string, number[]> = {
        energy_kwh: pong.map((r) => r.energyKwh),
        hours: pong.map((r) => r.hours),
        kg_co2e: pong.map((r) => r.kgCO2e),
        "label:lr": pong.map((r) => Number(r.info.labels.lr)),
      };
      const table = page.locator("table.summary").first();
      for (const [metric, values] of Object.entries(expected)) {
        const stats = summaryStats(values);
        for (
          const [stat, want] of [["mean", stats.mean], ["se", stats.standardError], [
            "sum",
            stats.sum,
          ]] as const
        ) {
          const cell = table.locator(`tr[data-metric="${metric}"] td[data-stat="${stat}"]`);
          const got = Number(await cell.getAttribute("data-value"));
          ok(Math.abs(got - want!) < 1e-9, `${metric} ${stat}: ${got} vs ${want}`);
          const shown = Number((await cell.textContent())!.replaceAll(",", ""));
          ok(
            Math.abs(shown - want!) <= Math.abs(want!) * 1e-3 + 1e-12,
            `${metric} ${stat} shown ${shown}`,
          );
        }
      }
      const total = Number(await page.locator("#total-energy").getAttribute("data-value"));
      ok(Math.abs(total - runs.reduce((s, r) => s + r.energyKwh, 0)) < 1e-9);
      equal(await page.locator("rect.bar").count(), 2, "one energy bar per set");
      equal(
        await page.locator("figure.plot g.series:has(circle)").count(),
        2,
        "scatter: one series per child set",
      );
      equal(await page.locator("h1").textContent(), "Appendix");
      ok(
        (await page.locator("nav").textContent())!.includes("Pong PPO <script>"),
        "names show as text",
      );
      await Deno.mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "appendix_index.png"), fullPage: true });

      // A set page sorts its runs table by energy when the heading is clicked.
      await page.goto(pathToFileURL(join(site, "sets", "pong-ppo-script.html")).href);
      const energyColumn = page.locator("table.runs thead th", { hasText: "Total energy" });
      await energyColumn.locator("button").click();
      await energyColumn.locator("button").click();
      const firstRun = await page.locator("table.runs tbody tr td a").first().textContent();
      equal(firstRun, "pong/ppo/large/run-4", "descending sort puts the largest first");

      // A run page plots one power line per device.
      await page.goto(pathToFileURL(join(site, "runs", "pong-ppo-large-run-4.html")).href);
      const figures = page.locator("figure.plot");
      equal(await figures.count(), 3, "power, utilisation and memory");
      equal(await figures.nth(0).locator("path.series").count(), 4, "cpu, dram and two GPUs");
      equal(await figures.nth(2).locator("path.series").count(), memorySeries, "memory lines");
      await page.screenshot({ path: join(artifacts, "appendix_run.png"), fullPage: true });

      // Phone width: nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 800 });
      const overflow = await page.evaluate<number>(
        "document.documentElement.scrollWidth - innerWidth",
      );
      ok(overflow <= 0, `run page overflows a phone screen by ${overflow}px`);

      // Without scripts the runs table reads as is: plain headings, every run listed.
      const noScript = await browser.newContext({ javaScriptEnabled: false });
      const plain = await noScript.newPage();
      await plain.goto(pathToFileURL(join(site, "sets", "pong-ppo-script.html")).href);
      equal(await plain.locator("table.runs thead button").count(), 0);
      equal(await plain.locator("table.runs tbody tr").count(), 4);
      await noScript.close();

      // Dark theme follows the system's preference.
      await page.setViewportSize({ width: 1000, height: 900 });
      await page.emulateMedia({ colorScheme: "dark" });
      await page.goto(index);
      const background = await page.evaluate<string>(
        "getComputedStyle(document.body).backgroundColor",
      );
      equal(background, "rgb(21, 24, 28)", "dark background under prefers-color-scheme: dark");
      await page.screenshot({ path: join(artifacts, "appendix_index_dark.png") });

      equal(problems.join("\n"), "");
    } finally {
      await browser.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});
