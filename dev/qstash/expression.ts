/**
 * A small, safe evaluator for Upstash-Retry-Delay expressions such as `pow(2, retried) * 1000`
 * (milliseconds; `retried` is 0 for the first retry). Only numbers, `retried`, + - * / %,
 * parentheses and QStash's documented functions exist: there is no eval() and no other name.
 */

type Token =
  | { kind: "num"; value: number }
  | { kind: "name"; value: string }
  | { kind: "op"; value: string };

const FUNCTIONS: Record<string, { arity: number | "many"; fn: (...args: number[]) => number }> = {
  pow: { arity: 2, fn: Math.pow },
  exp: { arity: 1, fn: Math.exp },
  sqrt: { arity: 1, fn: Math.sqrt },
  abs: { arity: 1, fn: Math.abs },
  floor: { arity: 1, fn: Math.floor },
  ceil: { arity: 1, fn: Math.ceil },
  round: { arity: 1, fn: Math.round },
  min: { arity: "many", fn: Math.min },
  max: { arity: "many", fn: Math.max },
};

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|([A-Za-z_]\w*)|([-+*/%(),]))/y;
  // A failed sticky match resets lastIndex to 0, so the position is tracked separately.
  let at = 0;
  while (source.slice(at).trim()) {
    re.lastIndex = at;
    const match = re.exec(source);
    if (!match) throw new Error(`unexpected "${source.slice(at).trim()[0]}"`);
    at = re.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: "num", value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: "name", value: match[2] });
    else tokens.push({ kind: "op", value: match[3] });
  }
  return tokens;
}

/** Evaluates `expression` for a retry; throws an Error naming the problem when it is malformed. */
export function evaluateRetryDelay(expression: string, retried: number): number {
  if (expression.length > 500) throw new Error("expression too long");
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (value: string) => peek()?.kind === "op" && peek().value === value;
  const expect = (value: string) => {
    if (!isOp(value)) throw new Error(`expected "${value}"`);
    pos++;
  };

  const sum = (): number => {
    let left = product();
    while (isOp("+") || isOp("-"))
      left = tokens[pos++].value === "+" ? left + product() : left - product();
    return left;
  };
  const product = (): number => {
    let left = unary();
    while (isOp("*") || isOp("/") || isOp("%")) {
      const op = tokens[pos++].value;
      const right = unary();
      left = op === "*" ? left * right : op === "/" ? left / right : left % right;
    }
    return left;
  };
  const unary = (): number => {
    if (!isOp("-") && !isOp("+")) return primary();
    const negative = tokens[pos++].value === "-";
    return negative ? -unary() : unary();
  };
  const primary = (): number => {
    const token = tokens[pos++];
    if (!token) throw new Error("unexpected end of expression");
    if (token.kind === "num") return token.value;
    if (token.kind === "op" && token.value === "(") {
      const value = sum();
      expect(")");
      return value;
    }
    if (token.kind === "name" && token.value === "retried") return retried;
    if (token.kind === "name" && token.value in FUNCTIONS)
      return call(FUNCTIONS[token.value], token.value);
    throw new Error(`unexpected "${token.value}"`);
  };
  const call = (f: (typeof FUNCTIONS)[string], name: string): number => {
    expect("(");
    const args = [sum()];
    while (isOp(",")) {
      pos++;
      args.push(sum());
    }
    expect(")");
    if (f.arity !== "many" && args.length !== f.arity)
      throw new Error(`${name}() takes ${f.arity} argument(s)`);
    return f.fn(...args);
  };

  const value = sum();
  if (pos < tokens.length) throw new Error(`unexpected "${tokens[pos].value}"`);
  if (!Number.isFinite(value)) throw new Error("expression is not a finite number");
  return Math.max(0, value);
}

/** Null when `expression` is valid, else why not (checked at publish time, as QStash does). */
export function retryDelayError(expression: string): string | null {
  try {
    evaluateRetryDelay(expression, 0);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
