import { Fragment } from "react";

/** The placeholders lib/telemetry/sanitize.ts normalizeMessage puts in a group's message, as people read them. */
const PLACEHOLDERS: Record<string, { shown: string; title: string }> = {
  "<n>": { shown: "#", title: "a number" },
  "<id>": { shown: "id", title: "an id" },
  "<uuid>": { shown: "uuid", title: "a UUID" },
  "<hex>": { shown: "0x…", title: "a hex value" },
  "<text>": { shown: "“…”", title: "quoted text" },
};
const SPLIT = /(<n>|<id>|<uuid>|<hex>|<text>)/;

/**
 * A group's message is a pattern: numbers, ids and quoted text were taken out so that one
 * cause makes one group. Each placeholder is drawn as a marked token saying what stood there,
 * not as a literal "<n>" (the samples of the group keep the real, redacted text).
 */
export function Pattern({ text }: { text: string }) {
  return (
    <>
      {text.split(SPLIT).map((part, i) => {
        const placeholder = PLACEHOLDERS[part];
        return placeholder ? (
          <span
            key={i}
            className="ops-placeholder"
            title={`${placeholder.title} (varies between occurrences)`}
          >
            {placeholder.shown}
          </span>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        );
      })}
    </>
  );
}
