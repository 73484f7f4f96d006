import { apiError, type ErrorAnswer } from "./faults.ts";
import { GENERIC_OBJECT_SCHEMA } from "./schema-instance.ts";
import { strictSchemaProblem } from "./strict-schema.ts";
import type { Plan } from "./types.ts";

/**
 * Request bodies of the two endpoints, reduced to a Plan — or refused with the 400 OpenAI would
 * give (missing or mistyped parameters, a strict schema the API would not accept), so a mistake
 * in the app shows up locally instead of on the first real call.
 */
type Json = Record<string, unknown>;

const invalid = (message: string, param: string | null, code = "invalid_value") =>
  apiError(400, message, "invalid_request_error", code, param);
const missing = (param: string) =>
  invalid(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The text of a message's content: a string or parts with `text` (input_text, output_text, text). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((p) =>
        typeof p === "string" ? p : isObj(p) && typeof p.text === "string" ? p.text : "",
      )
      .filter(Boolean)
      .join("\n");
  return "";
}

function common(body: Json): ErrorAnswer | null {
  if (body.model === undefined) return missing("model");
  if (typeof body.model !== "string" || !body.model)
    return invalid("Invalid type for 'model': expected a string.", "model", "invalid_type");
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean")
    return invalid("Invalid type for 'stream': expected a boolean.", "stream", "invalid_type");
  if (body.metadata !== undefined && body.metadata !== null) {
    if (!isObj(body.metadata) || Object.values(body.metadata).some((v) => typeof v !== "string"))
      return invalid(
        "Invalid 'metadata': expected an object of strings.",
        "metadata",
        "invalid_type",
      );
    // OpenAI's limits: 16 pairs, keys up to 64 characters, values up to 512.
    const entries = Object.entries(body.metadata as Record<string, string>);
    if (entries.length > 16 || entries.some(([k, v]) => k.length > 64 || v.length > 512)) {
      return invalid(
        "Invalid 'metadata': at most 16 pairs, keys up to 64 and values up to 512 characters.",
        "metadata",
      );
    }
  }
  return null;
}

/** A json_schema format's checks, shared by both endpoints (`at` names the parameter path). */
function jsonSchemaProblem(
  name: unknown,
  schema: unknown,
  strict: unknown,
  at: string,
): ErrorAnswer | null {
  if (typeof name !== "string") return missing(`${at}.name`);
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name))
    return invalid(
      `Invalid '${at}.name': string does not match pattern '^[a-zA-Z0-9_-]+$' (max 64).`,
      `${at}.name`,
    );
  if (!isObj(schema))
    return invalid(`Invalid '${at}.schema': expected an object.`, `${at}.schema`, "invalid_type");
  const problem = strict === true ? strictSchemaProblem(schema) : null;
  return problem
    ? invalid(
        `Invalid schema for response_format '${name}': ${problem}`,
        `${at}.schema`,
        "invalid_json_schema",
      )
    : null;
}

const positiveInt = (v: unknown) =>
  typeof v === "number" && Number.isInteger(v) && v > 0 ? v : null;

export function parseResponsesRequest(body: Json): Plan | ErrorAnswer {
  const problem = common(body);
  if (problem) return problem;
  if (body.input === undefined) return missing("input");
  let subject: string;
  let all: string[];
  if (typeof body.input === "string") [subject, all] = [body.input, [body.input]];
  else if (Array.isArray(body.input) && body.input.every(isObj)) {
    const items = body.input as Json[];
    all = items.map((m) => contentText(m.content ?? m.output ?? m.text));
    subject = items
      .filter((m) => (m.role ?? "user") === "user")
      .map((m) => contentText(m.content ?? m.text))
      .join("\n\n");
  } else
    return invalid(
      "Invalid 'input': expected a string or an array of input items.",
      "input",
      "invalid_type",
    );
  const text = isObj(body.text) ? body.text : null;
  const format = text && isObj(text.format) ? text.format : null;
  if (format && !["text", "json_schema", "json_object"].includes(String(format.type)))
    return invalid(`Invalid 'text.format.type': '${String(format.type)}'.`, "text.format.type");
  if (format?.type === "json_schema") {
    const bad = jsonSchemaProblem(format.name, format.schema, format.strict, "text.format");
    if (bad) return bad;
  }
  for (const flag of ["background", "store"] as const) {
    const v = body[flag];
    if (v !== undefined && v !== null && typeof v !== "boolean")
      return invalid(`Invalid type for '${flag}': expected a boolean.`, flag, "invalid_type");
  }
  if (body.background === true && body.store === false)
    return invalid("Background mode requires store=true.", "background");
  const instructions = typeof body.instructions === "string" ? body.instructions : null;
  if (format?.type === "json_object" && !/json/i.test([instructions ?? "", ...all].join(" "))) {
    return invalid(
      "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.",
      "input",
    );
  }
  return {
    endpoint: "responses",
    model: body.model as string,
    stream: body.stream === true,
    instructions,
    input: [instructions ?? "", ...all].filter(Boolean).join("\n\n"),
    subject: subject || all.join("\n\n"),
    schema:
      format?.type === "json_schema"
        ? (format.schema as Json)
        : format?.type === "json_object"
          ? GENERIC_OBJECT_SCHEMA
          : null,
    format: format ?? null,
    maxOutputTokens: positiveInt(body.max_output_tokens),
    includeUsage: true,
    metadata: (body.metadata ?? undefined) as Record<string, string> | undefined,
    background: body.background === true,
    store: body.store !== false,
  };
}

export function parseChatRequest(body: Json): Plan | ErrorAnswer {
  const problem = common(body);
  if (problem) return problem;
  if (body.messages === undefined) return missing("messages");
  if (!Array.isArray(body.messages) || !body.messages.length)
    return invalid(
      "Invalid 'messages': empty array. Expected an array with minimum length 1.",
      "messages",
      "empty_array",
    );
  const messages = body.messages as unknown[];
  const badAt = messages.findIndex((m) => !isObj(m) || typeof m.role !== "string");
  if (badAt >= 0) return missing(`messages[${badAt}].role`);
  const rf = isObj(body.response_format) ? body.response_format : null;
  if (rf && !["text", "json_schema", "json_object"].includes(String(rf.type)))
    return invalid(`Invalid 'response_format.type': '${String(rf.type)}'.`, "response_format.type");
  const js = rf && isObj(rf.json_schema) ? rf.json_schema : null;
  if (rf?.type === "json_schema") {
    if (!js) return missing("response_format.json_schema");
    const bad = jsonSchemaProblem(js.name, js.schema, js.strict, "response_format.json_schema");
    if (bad) return bad;
  }
  const all = (messages as Json[]).map((m) => contentText(m.content));
  const subject = (messages as Json[])
    .filter((m) => m.role === "user")
    .map((m) => contentText(m.content))
    .join("\n\n");
  if (rf?.type === "json_object" && !/json/i.test(all.join(" "))) {
    return invalid(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      "messages",
    );
  }
  return {
    endpoint: "chat.completions",
    model: body.model as string,
    stream: body.stream === true,
    instructions: null,
    input: all.filter(Boolean).join("\n\n"),
    subject: subject || all.join("\n\n"),
    schema:
      rf?.type === "json_schema"
        ? (js?.schema as Json)
        : rf?.type === "json_object"
          ? GENERIC_OBJECT_SCHEMA
          : null,
    format: rf,
    maxOutputTokens: positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens),
    includeUsage: isObj(body.stream_options) && body.stream_options.include_usage === true,
    metadata: (body.metadata ?? undefined) as Record<string, string> | undefined,
    background: false,
    store: false,
  };
}
