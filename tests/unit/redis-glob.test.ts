import { describe, expect, it } from "vitest";
import { globToRegExp } from "../../dev/redis-rest/memory-fixes.ts";

// The in-process engine applies HSCAN/ZSCAN … MATCH itself, so its glob must be Redis's.
describe("the in-process engine's MATCH glob", () => {
  const matches = (glob: string, text: string) => globToRegExp(glob).test(text);

  it("reads *, ? and character classes as Redis's stringmatch does", () => {
    expect(["hello", "hallo", "hxllo"].map((t) => matches("h?llo", t))).toEqual([true, true, true]);
    expect(["hllo", "heeeello", "hello!"].map((t) => matches("h*llo", t))).toEqual([
      true,
      true,
      false,
    ]);
    expect(["hello", "hallo", "hillo"].map((t) => matches("h[ae]llo", t))).toEqual([
      true,
      true,
      false,
    ]);
    expect(["hello", "hallo"].map((t) => matches("h[^e]llo", t))).toEqual([false, true]);
    expect(["hallo", "hbllo", "hcllo"].map((t) => matches("h[a-b]llo", t))).toEqual([
      true,
      true,
      false,
    ]);
    expect(matches("h[z-a]llo", "hmllo")).toBe(true); // a reversed range still covers a..z
  });

  it("takes everything else literally, a backslash escaping the next character", () => {
    expect([matches("h\\*llo", "h*llo"), matches("h\\*llo", "hello")]).toEqual([true, false]);
    expect([matches("a.b+(c)|d$", "a.b+(c)|d$"), matches("a.b", "axb")]).toEqual([true, false]);
    expect([matches("line\nbreak*", "line\nbreak\nmore"), matches("[\\]]", "]")]).toEqual([
      true,
      true,
    ]);
  });
});
