// @vitest-environment jsdom
// jsdom keeps a file input's own list empty (tests can only set `files` on it), so its
// `required` check would block a click: file forms are submitted directly.
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import axe from "axe-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConversationReport } from "@/components/ConversationReport";
import { ConversationUpload } from "@/components/ConversationUpload";
import type { ConversationResult } from "@/lib/kinds/conversation/result";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** A fetch that answers `status` with `body` and keeps what it was sent. */
function answer(status: number, body: unknown) {
  const sent: Array<{ url: string; init: RequestInit }> = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      sent.push({ url, init });
      return Response.json(body, { status });
    }),
  );
  return sent;
}

/** Serious and critical axe-core findings in `container` (jsdom lays nothing out: no contrast). */
async function violations(container: HTMLElement) {
  const found = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
  const serious = found.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  return serious.map((v) => v.id);
}

const summary = { id: "cnv_abcdefabcdef", title: "call", speakers: ["Ana", "Bo"], turns: 3 };

describe("ConversationUpload", () => {
  it("uploads the chosen file as multipart, with the title, and says what it added", async () => {
    const sent = answer(201, { conversation: summary });
    const onUploaded = vi.fn();
    render(<ConversationUpload onUploaded={onUploaded} />);
    const file = new File(["Ana: hi\nBo: yo"], "call.txt", { type: "text/plain" });
    fireEvent.change(screen.getByLabelText(/^Title/), { target: { value: " Monday call " } });
    fireEvent.change(screen.getByLabelText("Transcript file"), { target: { files: [file] } });
    await act(async () => void fireEvent.submit(screen.getByRole("button", { name: "Upload" })));

    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe("/api/conversations");
    const body = sent[0].init.body as FormData;
    const fields = [(body.get("file") as File).name, body.get("title")];
    expect(fields).toEqual(["call.txt", "Monday call"]);
    // No JSON content type: fetch sets multipart's, with its boundary.
    expect(new Headers(sent[0].init.headers).get("content-type")).toBeNull();
    expect(onUploaded).toHaveBeenCalledWith(summary);
    expect(screen.getByRole("status").textContent).toBe("Added “call”: 3 turns by Ana, Bo.");
  });

  it("shows the server's sentence in an alert when the file cannot be read", async () => {
    const problem = "No line starts with a speaker's name, so the speakers cannot be told apart.";
    answer(400, { error: { code: "bad_request:file", message: problem } });
    const onUploaded = vi.fn();
    render(<ConversationUpload onUploaded={onUploaded} />);
    fireEvent.click(screen.getByText("Paste instead"));
    fireEvent.change(screen.getByLabelText("Conversation text"), { target: { value: "notes" } });
    const add = screen.getByRole("button", { name: "Add conversation" });
    await act(async () => void fireEvent.click(add));
    expect(screen.getByRole("alert").textContent).toBe(problem);
    expect(onUploaded).not.toHaveBeenCalled();
  });

  it("refuses a file over 2 MB without sending it", async () => {
    const sent = answer(201, { conversation: summary });
    render(<ConversationUpload onUploaded={() => {}} />);
    const big = new File([new Uint8Array(2 * 1024 * 1024 + 1)], "big.txt");
    fireEvent.change(screen.getByLabelText("Transcript file"), { target: { files: [big] } });
    await act(async () => void fireEvent.submit(screen.getByRole("button", { name: "Upload" })));
    expect(screen.getByRole("alert").textContent).toMatch(/larger than 2 MB/);
    expect(sent).toHaveLength(0);
  });

  it("has no serious accessibility problems", async () => {
    const { container } = render(<ConversationUpload onUploaded={() => {}} />);
    expect(await violations(container)).toEqual([]);
  });
});

const result: ConversationResult = {
  summary: "Dana pitched; Mr. Okafor asked for a pilot.",
  speakers: [
    { name: "Dana", talkShare: 0.72, turns: 14, words: 900, style: "Confident." },
    { name: "Mr. Okafor", talkShare: 0.28, turns: 14, words: 350, style: "Cautious." },
  ],
  sentimentOverTime: [
    { segment: 1, fromTurn: 1, toTurn: 9, sentiment: 0.5, label: "friendly" },
    { segment: 2, fromTurn: 10, toTurn: 28, sentiment: -0.25, label: "tense" },
  ],
  keyMoments: [{ turn: 4, speaker: "Mr. Okafor", description: "Asks for a pilot." }],
  topics: ["pricing", "pilot"],
};

describe("ConversationReport", () => {
  it("shows the summary, the speakers' figures, each part's tone, moments and topics", async () => {
    const { container } = render(<ConversationReport result={result} />);
    expect(screen.getByText(result.summary)).toBeTruthy();
    const dana = screen.getByRole("row", { name: /^Dana/ });
    expect(dana.textContent).toBe("Dana72 %14900Confident.");
    const chart = screen.getByRole("img");
    const name = /tone of each of 2 parts .* from -0\.25 to \+0\.50/;
    expect(chart.getAttribute("aria-label")).toMatch(name);
    const table = screen.getByRole("table", { name: "Tone of each part of the conversation" });
    expect(table.textContent).toContain("Part 210–28-0.25tense");
    expect(screen.getByText("Asks for a pilot.")).toBeTruthy();
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toContain("pilot");
    expect(await violations(container)).toEqual([]);
  });

  it("says so instead of drawing a result that is not a conversation analysis", () => {
    render(<ConversationReport result={{ summary: "x", strengths: [] }} />);
    expect(screen.getByText(/cannot be shown/)).toBeTruthy();
  });
});
