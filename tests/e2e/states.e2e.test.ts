import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { choose, jobState, jobStatus, openTab } from "./browser.ts";
import { FAST_MS_PER_TOKEN } from "./harness.ts";
import { startedJob, usePageSuite } from "./page-suite.ts";

/**
 * The analysis page says what is true, in Chromium against the production build: a field that
 * lets a person type, a batch panel laid out at a desktop's and a phone's width, no Retry where
 * retrying cannot help, a canceled job drawn as the person's choice rather than an error, and
 * the history showing the progress the card shows.
 */
const LONG = "Northwind Family Bakery";
const SHORT = "Harbor Street Coffee Roasters";
const WIDTHS = [1280, 390] as const;

const suite = usePageSuite();
const { errors } = suite;

async function freshPage(width = 1280): Promise<Page> {
  const context = await suite.visitor();
  const page = await openTab(context, suite.app.url, errors);
  await page.setViewportSize({ width, height: 900 });
  return page;
}

async function started(page: Page): Promise<string> {
  await page.getByTestId("start").click();
  return startedJob(page);
}

describe("the analysis page tells the truth", () => {
  it("lets a person type the horizon freely, and settles it into 1–10 when they leave the field", async () => {
    const page = await freshPage();
    await choose(page, SHORT, "market_intelligence");
    const horizon = page.getByLabel("Horizon (years)");
    expect(await horizon.inputValue()).toBe("3");

    await horizon.click();
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace");
    expect(await horizon.inputValue()).toBe(""); // not "1": an emptied field stays empty while typing
    await page.keyboard.type("5");
    expect(await horizon.inputValue()).toBe("5"); // not "10"
    await page.keyboard.press("Backspace");
    await page.keyboard.type("15");
    expect(await horizon.inputValue()).toBe("15"); // what was typed, flagged, until the field is left
    expect(await horizon.getAttribute("aria-invalid")).toBe("true");
    await page.keyboard.press("Tab");
    expect(await horizon.inputValue()).toBe("10");
    expect(await horizon.getAttribute("aria-invalid")).toBe("false");

    await horizon.fill("");
    await horizon.blur();
    expect(await horizon.inputValue()).toBe("10"); // an empty field goes back to the last number

    await horizon.fill("7");
    const jobId = await started(page); // clicking Start leaves the field first
    expect(JSON.parse((await suite.app.jobHash(jobId))!.params)).toMatchObject({ horizonYears: 7 });
    await jobStatus(page, "succeeded");
  });

  for (const width of WIDTHS) {
    it(`lays the batch panel's listings out as checkbox and title on one or two lines, at ${width} px`, async () => {
      const page = await freshPage(width);
      const picks = page.getByTestId("batch-panel").locator("label.batch-pick");
      expect(await picks.count()).toBe(5);
      for (const box of await picks.evaluateAll((labels) =>
        labels.map((label) => {
          const input = label.querySelector("input")!.getBoundingClientRect();
          const lineHeight = parseFloat(getComputedStyle(label).lineHeight) || 20;
          return {
            checkbox: input.width,
            lines: label.getBoundingClientRect().height / lineHeight,
            text: label.textContent,
          };
        }),
      )) {
        expect(box.checkbox, box.text ?? "").toBeLessThanOrEqual(24);
        expect(box.lines, box.text ?? "").toBeLessThan(2.5);
      }
      expect(
        await page.evaluate(
          () => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
        ),
      ).toBe(true);
    });
  }

  it("offers no Retry on a content-policy failure, and says why and what to do instead", async () => {
    const page = await freshPage();
    await choose(page, SHORT, "risk_assessment");
    suite.app.openai.setKnobs({
      latencyMsPerToken: FAST_MS_PER_TOKEN,
      failNext: [{ kind: "content_filter", count: 1 }],
    });
    await started(page);
    await jobStatus(page, "failed");
    const failure = page.getByTestId("job-error");
    expect(await failure.getAttribute("data-code")).toBe("content_policy");
    expect(await failure.textContent()).toContain("The AI provider declined to analyse this text");
    expect(await page.getByTestId("job-error-advice").textContent()).toBe(
      "Retrying would get the same answer. Edit the listing or pick another.",
    );
    expect(await page.getByTestId("retry").count()).toBe(0);
    await expect.poll(() => page.getByTestId("start").isEnabled()).toBe(true); // another listing can be started
  });

  it("offers no Retry either on a request the provider rejects: the same request gets the same answer", async () => {
    const page = await freshPage();
    await choose(page, SHORT, "business_analysis");
    suite.app.openai.setKnobs({
      latencyMsPerToken: FAST_MS_PER_TOKEN,
      failNext: [{ kind: "400", count: 1 }],
    });
    await started(page);
    await jobStatus(page, "failed");
    expect(await page.getByTestId("retry").count()).toBe(0);
    expect(await page.getByTestId("job-error-advice").textContent()).toMatch(/same request/);
  });

  it("offers Retry where a new attempt can pass (a model answer that failed validation twice), and Retry runs it again", async () => {
    const page = await freshPage();
    await choose(page, SHORT, "market_intelligence");
    // The answer and its one repair both come back as broken JSON: invalid_output.
    suite.app.openai.setKnobs({
      latencyMsPerToken: FAST_MS_PER_TOKEN,
      failNext: [{ kind: "invalid_json", count: 2 }],
    });
    const jobId = await started(page);
    await jobStatus(page, "failed");
    expect(await page.getByTestId("job-error").getAttribute("data-code")).toBe("invalid_output");
    expect(await page.getByTestId("job-error-advice").count()).toBe(0);
    await page.getByTestId("retry").click();
    await jobStatus(page, "succeeded");
    expect((await jobState(page)).id).toBe(jobId);
  });

  it("draws a canceled job as neutral, with no Start again beside Start analysis", async () => {
    suite.app.openai.setKnobs({ latencyMsPerToken: 60 });
    const page = await freshPage();
    await choose(page, LONG, "risk_assessment");
    await started(page);
    await page.getByTestId("cancel").click();
    await jobStatus(page, "canceled", 15_000);
    const note = page.getByTestId("job-canceled");
    await note.waitFor();
    const colors = await page.evaluate(() => {
      const color = (selector: string, property: "color" | "backgroundColor") =>
        getComputedStyle(document.querySelector(selector)!)[property];
      const bad = getComputedStyle(document.documentElement).getPropertyValue("--bad").trim();
      const probe = document.createElement("span");
      probe.style.color = bad;
      document.body.append(probe);
      const badRgb = getComputedStyle(probe).color;
      probe.style.color = getComputedStyle(document.documentElement)
        .getPropertyValue("--bad-bg")
        .trim();
      const badBgRgb = getComputedStyle(probe).color;
      probe.remove();
      return {
        badRgb,
        badBgRgb,
        note: color('[data-testid="job-canceled"]', "color"),
        noteBg: color('[data-testid="job-canceled"]', "backgroundColor"),
        chip: color('[data-testid="status"]', "color"),
        chipBg: color('[data-testid="status"]', "backgroundColor"),
      };
    });
    expect([colors.note, colors.chip]).not.toContain(colors.badRgb);
    expect([colors.noteBg, colors.chipBg]).not.toContain(colors.badBgRgb);
    expect(await page.getByTestId("job-error").count()).toBe(0);
    expect(await page.getByTestId("retry").count()).toBe(0);
    expect(await page.getByRole("button", { name: /start again/i }).count()).toBe(0);
    expect(await page.getByTestId("start").textContent()).toBe("Start analysis");
  });

  it("shows in the history the progress the card shows while the job runs", async () => {
    suite.app.openai.setKnobs({ latencyMsPerToken: 40 }); // ~16 s
    const page = await freshPage();
    await choose(page, LONG, "business_analysis");
    const jobId = await started(page);
    // The bar and the job's history row, read in one go (no render can fall between them).
    const read = () =>
      page.evaluate(
        (id) => ({
          status: document.querySelector('[data-testid="job"]')?.getAttribute("data-status"),
          bar: document
            .querySelector('[data-testid="job"] [role="progressbar"]')
            ?.getAttribute("aria-valuenow"),
          row:
            document.querySelector(
              `[data-testid="history"] li[data-job-id="${id}"] [data-testid="history-status"]`,
            )?.textContent ?? null,
        }),
        jobId,
      );
    const seen: number[] = [];
    for (let now = await read(); now.status !== "succeeded"; now = await read()) {
      if (now.status === "running" && now.row !== null) {
        expect(now.row).toBe(`${now.bar}%`);
        if (seen.at(-1) !== Number(now.bar)) seen.push(Number(now.bar));
      }
      await page.waitForTimeout(200); // sampling interval, not a wait for the app
    }
    // It moved while listed (the first step's value stayed up there before).
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(40);
    await expect
      .poll(() =>
        page
          .locator(
            `[data-testid="history"] li[data-job-id="${jobId}"] [data-testid="history-status"]`,
          )
          .textContent(),
      )
      .toBe("succeeded");
  });

  it("logged no console error and threw no uncaught exception in any page above", () => {
    expect(errors).toEqual([]);
  });
});
