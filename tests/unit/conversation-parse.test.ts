import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeText, detectFormat, parseConversation } from "@/lib/conversations/parse";
import { isName } from "@/lib/conversations/parse-text";
import type { ConversationFormat } from "@/lib/conversations/schema";

const ok = (raw: string, format: ConversationFormat) => {
  const parsed = parseConversation(raw, format);
  if (!parsed.ok) throw new Error(`expected a parse, got: ${parsed.problem}`);
  return parsed;
};
const problem = (raw: string, format: ConversationFormat) => {
  const parsed = parseConversation(raw, format);
  if (parsed.ok) throw new Error(`expected a problem, got ${parsed.turns.length} turns`);
  return parsed.problem;
};

describe("plain-text and Markdown transcripts", () => {
  it("reads `Speaker: text`; a line with no name continues the turn; a preamble is skipped", () => {
    const raw = [
      "Weekly sync — 3 May",
      "Date: 2026-05-03",
      "",
      "Alice: Morning everyone. Let's start with the launch.",
      "We slipped a week on the payments work.",
      "Note: the vendor is still late.",
      "Bob: That matches what I heard: the API keys arrived Friday.",
      "Dr. Chen: Can we still ship on the 12th?",
      "Alice: Yes, if QA signs off by Wednesday.",
    ].join("\n");
    const { speakers, turns } = ok(raw, "txt");
    expect(speakers).toEqual(["Alice", "Bob", "Dr. Chen"]);
    expect(turns.map((t) => t.speaker)).toEqual(["Alice", "Bob", "Dr. Chen", "Alice"]);
    expect(turns[0].text).toBe(
      "Morning everyone. Let's start with the launch.\n" +
        "We slipped a week on the payments work.\nNote: the vendor is still late.",
    );
    expect(turns[1].text).toBe("That matches what I heard: the API keys arrived Friday.");
    expect(turns.every((t) => t.atMs === null)).toBe(true);
  });

  it("reads bold names, leading times, times after the name, nicks and Otter-style headers", () => {
    const md = [
      "# Customer call",
      "## Part 1",
      "**Maria:** Thanks for joining.",
      "**Sam**: Happy to.",
      "---",
      "- **Maria (01:05):** Shall we look at pricing?",
      "> Sam: Sure.",
    ].join("\n");
    const parsed = ok(md, "md");
    expect(parsed.turns).toEqual([
      { speaker: "Maria", text: "Thanks for joining.", atMs: null },
      { speaker: "Sam", text: "Happy to.", atMs: null },
      { speaker: "Maria", text: "Shall we look at pricing?", atMs: 65_000 },
      { speaker: "Sam", text: "Sure.", atMs: null },
    ]);

    const timed = [
      "[00:01:02] Interviewer: Where did you grow up?",
      "[00:01:09] Guest: In Porto.",
      "And later Lisbon.",
    ].join("\n");
    expect(ok(timed, "txt").turns).toEqual([
      { speaker: "Interviewer", text: "Where did you grow up?", atMs: 62_000 },
      { speaker: "Guest", text: "In Porto.\nAnd later Lisbon.", atMs: 69_000 },
    ]);

    const after = "Speaker 1 (00:01): Hello?\nSpeaker 2 [1:02:03]: Hi there.";
    expect(ok(after, "txt").turns.map((t) => [t.speaker, t.atMs])).toEqual([
      ["Speaker 1", 1000],
      ["Speaker 2", 3_723_000],
    ]);

    const irc = "[10:02] <kim> anyone around?\n[10:03] <lee> yes, what's up\n<kim> build's red";
    expect(ok(irc, "txt").turns.map((t) => t.speaker)).toEqual(["kim", "lee", "kim"]);

    const otter = "Jane Doe  0:03\nSo the first thing is the budget.\n\nTom Lee  0:15\nRight.";
    expect(ok(otter, "txt").turns).toEqual([
      { speaker: "Jane Doe", text: "So the first thing is the budget.", atMs: 3000 },
      { speaker: "Tom Lee", text: "Right.", atMs: 15_000 },
    ]);
  });

  it("merges consecutive lines of one speaker into one turn", () => {
    const { turns } = ok("A: one\nA: two\nB: three\nB: four\nA: five", "txt");
    expect(turns).toEqual([
      { speaker: "A", text: "one\ntwo", atMs: null },
      { speaker: "B", text: "three\nfour", atMs: null },
      { speaker: "A", text: "five", atMs: null },
    ]);
  });

  it("does not take a sentence with a colon, a URL or a clock time for a speaker", () => {
    const said = ["see https://example.com: it works", "The plan is: ship.", "Meet at 10:30."];
    const { turns } = ok(`Ann: ${said.join("\n")}\nBo: ok`, "txt");
    expect(turns.map((t) => t.speaker)).toEqual(["Ann", "Bo"]);
    expect(turns[0].text).toBe(said.join("\n"));
  });

  it("says so when no line names a speaker", () => {
    expect(problem("Just some notes.\nAnother line of thoughts.", "txt")).toMatch(
      /No line starts with a speaker's name.*could not be told apart/,
    );
  });
});

const VTT = `WEBVTT
Kind: captions

NOTE recorded on the sales floor

1
00:00:01.000 --> 00:00:04.000 align:start
<v Priya Shah>Hi, thanks for taking the call.</v>

2
00:00:04.500 --> 00:00:06.000
<v Priya Shah>I wanted to follow up on the quote.

00:00:06.200 --> 00:00:09.000
<v.customer Leo>Sure &amp; sorry for the delay.
We had budget reviews.

00:01:09.000 --> 00:01:12.000
it took longer than <i>planned</i>.

00:01:12.500 --> 00:01:15.000
Priya Shah: No problem at all.
`;

const SRT = `1
00:00:00,500 --> 00:00:02,000
HOST: Welcome back to the show.

2
00:00:02,100 --> 00:00:04,000
Today we talk about sleep.

3
00:00:04,200 --> 00:00:06,900
- GUEST: Thanks for having me.
- HOST: <i>Let's dive in.</i>

4
00:00:07,000 --> 00:00:09,000
So, how much do we need?
`;

describe("subtitle transcripts", () => {
  it("reads WebVTT voices and `Name:` prefixes; a speaker's cues merge, dated by the first", () => {
    const { speakers, turns } = ok(VTT, "vtt");
    expect(speakers).toEqual(["Priya Shah", "Leo"]);
    expect(turns).toEqual([
      {
        speaker: "Priya Shah",
        text: "Hi, thanks for taking the call. I wanted to follow up on the quote.",
        atMs: 1000,
      },
      {
        speaker: "Leo",
        text: "Sure & sorry for the delay. We had budget reviews. it took longer than planned.",
        atMs: 6200,
      },
      { speaker: "Priya Shah", text: "No problem at all.", atMs: 72_500 },
    ]);
  });

  it("reads SubRip cues, with dialogue dashes naming two speakers in one cue", () => {
    const { speakers, turns } = ok(SRT, "srt");
    expect(speakers).toEqual(["HOST", "GUEST"]);
    expect(turns).toEqual([
      { speaker: "HOST", text: "Welcome back to the show. Today we talk about sleep.", atMs: 500 },
      { speaker: "GUEST", text: "Thanks for having me.", atMs: 4200 },
      { speaker: "HOST", text: "Let's dive in. So, how much do we need?", atMs: 4200 },
    ]);
  });

  it("keeps text before the first named cue under an unknown speaker", () => {
    const raw = "WEBVTT\n\n00:00.000 --> 00:02.000\n[music]\n\n00:02.000 --> 00:04.000\n<v Ana>Hi";
    expect(ok(raw, "vtt").turns.map((t) => [t.speaker, t.atMs])).toEqual([
      ["Unknown speaker", 0],
      ["Ana", 2000],
    ]);
  });

  it("says so when no cue names a speaker, or there are no cues", () => {
    const unnamed = "WEBVTT\n\n00:01.000 --> 00:02.000\nHello.\n\n00:02.000 --> 00:03.000\nHi.\n";
    expect(problem(unnamed, "vtt")).toMatch(/No cue names its speaker \(as <v Alice> or "Alice:"/);
    const srt = "1\n00:00:01,000 --> 00:00:02,000\nHello.\n";
    expect(problem(srt, "srt")).toMatch(/No cue names its speaker \(as "Alice:"/);
    expect(problem("WEBVTT\n\nNOTE nothing here\n", "vtt")).toBe(
      'No subtitle cues were found (timing lines like "00:00:01.000 --> 00:00:04.000").',
    );
  });
});

describe("JSON chat exports", () => {
  it("reads an array of messages: author, content parts, ISO times relative to the first", () => {
    const day = "2026-03-01";
    const raw = JSON.stringify([
      { author: { name: "Ines" }, content: [{ text: "Shipped?" }], timestamp: `${day}T10:00:00Z` },
      { author: { role: "assistant" }, content: "Yes, today.", timestamp: `${day}T10:00:30Z` },
      { author: { role: "assistant" }, content: ["Tracking: Z1"], timestamp: `${day}T10:00:31Z` },
      { author: { name: "Ines" }, content: "", timestamp: `${day}T10:01:00Z` },
      { author: { name: "Ines" }, content: "Thanks!", timestamp: `${day}T10:02:00Z` },
    ]);
    const { speakers, turns } = ok(raw, "json");
    expect(speakers).toEqual(["Ines", "Assistant"]);
    expect(turns).toEqual([
      { speaker: "Ines", text: "Shipped?", atMs: 0 },
      { speaker: "Assistant", text: "Yes, today.\n\nTracking: Z1", atMs: 30_000 },
      { speaker: "Ines", text: "Thanks!", atMs: 120_000 },
    ]);
  });

  it("reads { messages } with the common speaker, text and time fields, epoch s and ms", () => {
    const raw = JSON.stringify({
      messages: [
        { from: "Kai", text: "ping", date: 1_700_000_000 },
        { user: "Noor", message: "pong", ts: "1700000005.000200" },
        { speaker: "Kai", body: "again", time: 1_700_000_010_000 },
        { role: "user", name: "Zed", content: { text: "hi" }, create_time: 1_700_000_011 },
      ],
    });
    expect(ok(raw, "json").turns.map((t) => [t.speaker, t.atMs])).toEqual([
      ["Kai", 0],
      ["Noor", 5000],
      ["Kai", 10_000],
      ["Zed", 11_000],
    ]);
  });

  it("reads a ChatGPT export along the thread to current_node, without system messages", () => {
    type Id = string | null;
    const node = (id: string, parent: Id, role: Id, parts: unknown[], t: number | null) => ({
      id,
      parent,
      message: role ? { author: { role }, content: { parts }, create_time: t } : null,
    });
    const mapping = {
      root: node("root", null, null, [], null),
      sys: node("sys", "root", "system", [""], null),
      u1: node("u1", "sys", "user", ["Plan a 3-day trip to Rome."], 1_710_000_000.5),
      a1: node("a1", "u1", "assistant", ["Day 1: the Forum…"], 1_710_000_004.5),
      old: node("old", "a1", "user", ["(an edited-away question)"], 1_710_000_010),
      u2: node("u2", "a1", "user", ["Add food tips."], 1_710_000_020),
      a2: node("a2", "u2", "assistant", ["Try supplì in Trastevere."], 1_710_000_030),
    };
    const exported = JSON.stringify({ title: "Rome", mapping, current_node: "a2" });
    const { speakers, turns } = ok(exported, "json");
    expect(speakers).toEqual(["User", "Assistant"]);
    expect(turns.map((t) => t.text)).toEqual([
      "Plan a 3-day trip to Rome.",
      "Day 1: the Forum…",
      "Add food tips.",
      "Try supplì in Trastevere.",
    ]);
    expect(turns.map((t) => t.atMs)).toEqual([0, 4000, 19_500, 29_500]);

    // Without current_node: every message, by create_time.
    const { turns: all } = ok(JSON.stringify([{ mapping }]), "json");
    expect(all.some((t) => t.text.includes("(an edited-away question)"))).toBe(true);
    expect(all[0].text).toBe("Plan a 3-day trip to Rome.");
  });

  it.each([
    ["invalid JSON", "{ messages: [", /^The file is not valid JSON: .+\.$/],
    ["an unknown shape", '{"data":{"rows":[]}}', /not a chat export tabsafe knows: expected an/],
    ["a scalar", "42", /not a chat export tabsafe knows/],
    ["a message without a speaker", '[{"text":"hi"},{"name":"B","text":"yo"}]', /^Message 1 names/],
    ["a message that is not an object", '{"messages":["hi","yo"]}', /^Message 1 is not an object/],
    ["several exported conversations", '[{"mapping":{}},{"mapping":{}}]', /holds 2 exported conv/],
  ])("says what is wrong with %s", (_name, raw, expected) => {
    expect(problem(raw, "json")).toMatch(expected);
  });
});

describe("problems every format shares", () => {
  it.each([
    ["an empty file", " \n\n ", "txt", /^The file is empty\.$/],
    ["binary content", "PK\u0003\u0004\u0000\u0000zipdata", "txt", /is not text/],
    ["an empty message list", "[]", "json", /^No conversation turns were found/],
    ["one turn", "Solo: I talk.\nAnd talk.", "txt", /Only one turn was found \(everything is/],
    ["a name over 80 characters", `[{"name":"${"N".repeat(81)}","text":"a"}]`, "json", /longer/],
  ])("refuses %s with a sentence", (_name, raw, format, expected) => {
    expect(problem(raw, format as ConversationFormat)).toMatch(expected);
  });

  it("refuses more than 5,000 turns and takes exactly 5,000", () => {
    const lines = (n: number) =>
      Array.from({ length: n }, (_, i) => `${i % 2 ? "B" : "A"}: line ${i}`).join("\n");
    expect(ok(lines(5000), "txt").turns).toHaveLength(5000);
    expect(problem(lines(5001), "txt")).toBe(
      "The conversation has 5,001 turns; at most 5,000 can be analysed at once. " +
        "Split it into parts.",
    );
  });

  it("tells UTF-8 from other bytes, dropping a byte-order mark", () => {
    const utf8 = new TextEncoder().encode("\uFEFFAna: olá");
    expect(decodeText(utf8)).toEqual({ ok: true, text: "Ana: olá" });
    const latin1 = new Uint8Array([0x41, 0x3a, 0x20, 0xe9, 0x74, 0xe9]);
    const problem = expect.stringMatching(/^The file is not UTF-8 text/);
    expect(decodeText(latin1)).toEqual({ ok: false, problem });
  });
});

describe("detectFormat", () => {
  it.each([
    ["call.vtt", "", "whatever", "vtt"],
    ["call.SRT", "", "whatever", "srt"],
    ["chat.json", "", "not json", "json"],
    ["notes.md", "", "A: b", "md"],
    ["notes.txt", "text/plain", "A: b", "txt"],
    ["captions.txt", "text/plain", "WEBVTT\n\n00:01.000 --> 00:02.000\nhi", "vtt"],
    ["export.txt", "", '[{"name":"a","text":"b"}]', "json"],
    [null, "", "1\n00:00:01,000 --> 00:00:02,000\nA: hi", "srt"],
    [null, "", "[00:01] A: hi", "txt"],
    ["upload", "text/vtt", "", "vtt"],
    ["upload", "application/json; charset=utf-8", "", "json"],
    [null, "", '\uFEFF{ "messages": [] }', "json"],
  ])("%s (%s) is %s", (name, type, raw, expected) => {
    expect(detectFormat(name, type, raw)).toBe(expected);
  });
});

describe("properties", () => {
  // Names the text reader takes for names ("Date:" or "Cc:" head metadata, not a turn).
  const name = fc.stringMatching(/^[A-Z][a-z]{1,8}$/).filter(isName);
  const sentence = fc.stringMatching(/^[a-z][a-z ,.!?]{0,40}[a-z.]$/);
  const lines = fc.array(fc.tuple(name, sentence), { minLength: 2, maxLength: 40 });

  it("a text transcript keeps every word in order; no two neighbouring turns share a name", () => {
    fc.assert(
      fc.property(lines, (pairs) => {
        const text = pairs.map(([who, said]) => `${who}: ${said}`).join("\n");
        const parsed = parseConversation(text, "txt");
        const speakers = new Set(pairs.map(([who]) => who));
        if (speakers.size < 2) return !parsed.ok;
        if (!parsed.ok) return false;
        const words = (s: string) => s.split(/\s+/).filter(Boolean);
        const turns = parsed.turns;
        const spoken = pairs.flatMap(([, said]) => words(said));
        expect(turns.flatMap((t) => words(t.text))).toEqual(spoken);
        expect(turns.every((t, i) => i === 0 || turns[i - 1].speaker !== t.speaker)).toBe(true);
        expect(new Set(parsed.speakers)).toEqual(speakers);
        return true;
      }),
    );
  });

  it("the same conversation reads the same as text, WebVTT, SubRip and JSON", () => {
    fc.assert(
      fc.property(lines, (pairs) => {
        const stamp = (i: number, sep: string) => `00:00:${String(i).padStart(2, "0")}${sep}000`;
        const cue = (i: number, sep: string) => `${stamp(i, sep)} --> ${stamp(i + 1, sep)}`;
        const vttCues = pairs.map(([w, s], i) => `${cue(i, ".")}\n<v ${w}>${s}`);
        const vtt = `WEBVTT\n\n${vttCues.join("\n\n")}`;
        const srt = pairs.map(([w, s], i) => `${i + 1}\n${cue(i, ",")}\n${w}: ${s}`).join("\n\n");
        const json = JSON.stringify(pairs.map(([w, s]) => ({ speaker: w, text: s })));
        const shape = (p: ReturnType<typeof parseConversation>) =>
          p.ok ? p.turns.map((t) => [t.speaker, t.text.replace(/\s+/g, " ")]) : "problem";
        const txt = shape(parseConversation(pairs.map(([w, s]) => `${w}: ${s}`).join("\n"), "txt"));
        expect(shape(parseConversation(vtt, "vtt"))).toEqual(txt);
        expect(shape(parseConversation(srt, "srt"))).toEqual(txt);
        expect(shape(parseConversation(json, "json"))).toEqual(txt);
      }),
    );
  });

  it("never throws, whatever the text", () => {
    const formats = fc.constantFrom<ConversationFormat>("txt", "md", "vtt", "srt", "json");
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), formats, (raw, format) => {
        const parsed = parseConversation(raw, format);
        return parsed.ok ? parsed.turns.length >= 2 : parsed.problem.length > 10;
      }),
    );
  });
});
