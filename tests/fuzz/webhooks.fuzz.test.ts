import { describe } from "vitest";
import { useTestStack } from "../helpers/stack.ts";
import { configureSeed, fuzzTargets } from "./harness.ts";
import { fuzzGroups } from "./targets/index.ts";

const stack = useTestStack();
configureSeed("webhooks");

describe("fuzz: QStash webhooks (consume, failed, alert delivery, stack/echo, ops/tick)", () => {
  fuzzTargets(stack, fuzzGroups.webhooks);
});
