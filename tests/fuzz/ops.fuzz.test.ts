import { describe } from "vitest";
import { useTestStack } from "../helpers/stack.ts";
import { configureSeed, fuzzTargets } from "./harness.ts";
import { fuzzGroups } from "./targets/index.ts";

const stack = useTestStack();
configureSeed("ops");

describe("fuzz: the operator's routes (/api/ops/*), signed in and not", () => {
  fuzzTargets(stack, fuzzGroups.ops);
});
