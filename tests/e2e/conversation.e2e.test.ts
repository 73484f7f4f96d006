import { describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { seriousViolations } from "./axe.ts";
import { jobStatus, openTab } from "./browser.ts";
import { startedJob, usePageSuite } from "./page-suite.ts";

/**
 * A conversation analysis, as a person does it in Chromium against the production build:
 * switch to conversations, upload a transcript file, start, leave by refreshing mid-way, and
 * read the report with its tone chart and speaker table when it is done; axe-core finds no
 * serious problem in the upload form or the report.
 */
const suite = usePageSuite();

function transcript(turns: number): string {
  const lines = ["WEBVTT", ""];
  for (let i = 0; i < turns; i++) {
    const who = i % 3 === 0 ? "Dana" : i % 3 === 1 ? "Sam" : "Priya";
    const s = (n: number) =>
      `00:${String(Math.floor(n / 60)).padStart(2, "0")}:${String(n % 60).padStart(2, "0")}.000`;
    lines.push(
      `${s(i * 4)} --> ${s(i * 4 + 3)}`,
      `<v ${who}>Point ${i}: we should ship the onboarding changes before the holiday freeze.`,
      "",
    );
  }
  return lines.join("\n");
}

describe("a conversation analysis in the browser", () => {
  it("uploads a transcript, survives a refresh mid-way, and shows the tone chart and the speakers", async () => {
    const context = await suite.visitor();
    const page = await openTab(context, suite.app.url, suite.errors);
    await page.getByTestId("subject-conversation").click();
    expect(await seriousViolations(page)).toEqual([]); // the upload form
    await page.getByLabel("Transcript file").setInputFiles({
      name: "standup.vtt",
      mimeType: "text/vtt",
      buffer: Buffer.from(transcript(90)),
    });
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    const choice = page.getByTestId("conversations").getByRole("radio", { name: /standup/ });
    await choice.waitFor();
    expect(await choice.isChecked()).toBe(true);
    expect(await page.getByTestId("conversations").textContent()).toContain("3 speakers");
    expect(await page.getByTestId("analysis-type").inputValue()).toBe("conversation_analysis");
    await page.getByLabel("Focus").selectOption("debate");

    suite.app.openai.setKnobs({ latencyMsPerToken: 4 });
    await page.getByTestId("start").click();
    const jobId = await startedJob(page);
    expect(JSON.parse((await suite.app.jobHash(jobId))!.input)).toMatchObject({
      conversationId: expect.stringMatching(/^cnv_/),
    });
    await eventually(async () =>
      (await suite.app.jobHash(jobId))?.status === "running" ? true : null,
    );
    await page.reload();
    // Back on the same job, in conversation mode, without pressing anything.
    await eventually(
      async () => (await page.getByTestId("job").getAttribute("data-job-id")) === jobId || null,
    );
    expect(await page.getByTestId("subject-conversation").getAttribute("aria-pressed")).toBe(
      "true",
    );

    await jobStatus(page, "succeeded");
    const report = page.getByTestId("result");
    await report.getByRole("img", { name: /tone/i }).waitFor();
    const speakers = report.getByRole("table").filter({ hasText: "Share of the talk" });
    for (const name of ["Dana", "Sam", "Priya"])
      expect(await speakers.textContent()).toContain(name);
    expect(await seriousViolations(page)).toEqual([]); // the report, its chart and tables
    expect(suite.errors).toEqual([]);
  });
});
