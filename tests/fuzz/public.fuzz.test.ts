import { describe } from "vitest";
import { useTestStack } from "../helpers/stack.ts";
import { configureSeed, fuzzTargets } from "./harness.ts";
import { fuzzGroups } from "./targets/index.ts";

const stack = useTestStack();
configureSeed("public");

describe("fuzz: listings, conversations, history and the stack check", () => {
  fuzzTargets(stack, fuzzGroups.public);
});
