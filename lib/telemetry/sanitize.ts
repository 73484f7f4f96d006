/**
 * Redaction before anything reaches Redis or a log line: operators see technical detail, never
 * secrets or personal data. Order matters — the most specific patterns run first, so a JWT is
 * not half-eaten by the generic token rule. Also used on text QStash returns in the DLQ.
 */
type Rule = [RegExp, string | ((match: string) => string)];

/** Luhn checksum: tells a card number from any other long run of digits (timestamps, ids). */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

const RULES: Rule[] = [
  // PEM blocks (private keys, certificates).
  [/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, "[redacted:pem]"],
  // JWTs (QStash signatures, session tokens): three base64url parts.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b/g, "[redacted:jwt]"],
  // OpenAI and similar API keys (sk-…, sk-proj-…), QStash signing keys (sig_…), Upstash tokens.
  [/\b(?:sk|rk|pk)-(?:proj-|live-|test-)?[A-Za-z0-9_-]{12,}/g, "[redacted:api-key]"],
  [/\bsig_[A-Za-z0-9]{8,}/g, "[redacted:signing-key]"],
  // Authorization headers and bearer tokens, in any casing.
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted:token]"],
  // key=value / "key": "value" pairs whose name says secret.
  [
    /((?:api[_-]?key|token|secret|password|passwd|signing[_-]?key|authorization|cookie|set-cookie)["']?\s*[:=]\s*["']?)[^"'\s,;&}]+/gi,
    "$1[redacted:secret]",
  ],
  // Session cookies of this app.
  [/\bv_[A-Za-z0-9_-]{16}(?:\.[A-Za-z0-9_-]{20,})?/g, "[redacted:session]"],
  // URLs with credentials in them.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, "$1[redacted:credentials]@"],
  // Emails.
  [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, "[redacted:email]"],
  // Payment card numbers (13–19 digits, optional spaces/dashes).
  [/\b(?:\d[ -]?){12,18}\d\b/g, (m) => (luhn(m.replace(/\D/g, "")) ? "[redacted:card]" : m)],
  // Phone numbers: +country or grouped digits, at least 7 digits in all.
  // Dates (2026-12-01) look alike and are kept, and so is a bare run of digits unless it starts
  // with + or 0 (national format): those are timestamps and ids far more often than phones.
  [
    /(?<![\w.:=-])\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,5}(?![\w.:-])/g,
    (m) => {
      if (m.replace(/\D/g, "").length < 7 || /^\d{4}-\d{2}-\d{2}$/.test(m)) return m;
      return /^\d+$/.test(m) && !m.startsWith("0") ? m : "[redacted:phone]";
    },
  ],
  // IBANs.
  [/\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}\b/g, "[redacted:iban]"],
];

/** Default cap on stored or logged detail, in characters. */
export const MAX_DETAIL_CHARS = 500;

/** `text` with secrets and personal data replaced by `[redacted:kind]`, cut to `max` characters. */
export function redact(text: string, max = MAX_DETAIL_CHARS): string {
  let out = text.length > max * 4 ? text.slice(0, max * 4) : text;
  for (const [pattern, replacement] of RULES) {
    out =
      typeof replacement === "string"
        ? out.replace(pattern, replacement)
        : out.replace(pattern, replacement);
  }
  return truncate(out, max);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The message of an error, redacted, for grouping: ids, numbers, hex and quoted user text are
 * replaced by placeholders so one cause makes one group whatever job it hit.
 */
export function normalizeMessage(text: string): string {
  return (
    redact(text, 300)
      .replace(/"[^"]{0,200}"|'[^']{0,200}'/g, "<text>")
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>")
      .replace(/\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{12,}\b/g, "<id>")
      .replace(/\b0x[0-9a-f]+\b/gi, "<hex>")
      // HTTP statuses stay: "HTTP 429" and "HTTP 500" are different problems.
      .replace(/(?<!HTTP )\b\d+(\.\d+)?|(?<=[A-Za-z_])\d+(\.\d+)?/g, "<n>")
      .replace(/\s+/g, " ")
      .trim()
  );
}

/** Redacts every string inside a JSON-like value (for structured log fields). */
export function redactDeep(value: unknown, max = MAX_DETAIL_CHARS): unknown {
  if (typeof value === "string") return redact(value, max);
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactDeep(v, max));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "__proto__" || k === "constructor" || k === "prototype") continue;
      out[k] = /secret|token|password|authorization|cookie|api[_-]?key/i.test(k)
        ? "[redacted:secret]"
        : redactDeep(v, max);
    }
    return out;
  }
  return value;
}
