import { expect } from "vitest";
import { expectRejected, parseJson, short, type Answer, type FuzzRequest } from "../harness.ts";

/**
 * For requests a route may legitimately serve (it has no input, so junk around it is ignored):
 * one of `served` with a JSON body that is not an error; a 4xx only when the request said so
 * (a wrong method), and then as a JSON error.
 */
export function expectAnswered(served: number[]) {
  return (answer: Answer, req: FuzzRequest): void => {
    if (req.expect) return expectRejected(answer, req);
    const where = `${req.method} ${short(req.path)} → ${answer.status} ${short(answer.text)}`;
    expect(served, `a served status for ${where}`).toContain(answer.status);
    expect(String(answer.headers["content-type"]), `a JSON content type for ${where}`).toMatch(
      /^application\/json/,
    );
    const body = parseJson(answer.text);
    expect(body, `a JSON body for ${where}`).toBeTypeOf("object");
    if (answer.status < 300)
      expect(body, `no error in a ${answer.status} for ${where}`).not.toHaveProperty("error");
  };
}
