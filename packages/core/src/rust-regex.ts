/**
 * Whether a regular expression parses as the Rust `regex` crate (1.13, regex-syntax 0.8) parses
 * it. Linkerd's policy controller compiles every `RegularExpression` path and header match with
 * `regex::Regex` (policy-controller `core/src/routes.rs`, `PathMatch::regex`; `k8s/index/src/
 * routes/http.rs`, `header_match`); one that fails makes it log `Failed to convert route` and
 * drop the whole route, catch-all rule included, after the status said Accepted.
 *
 * The check walks the pattern as regex-syntax's parser does and reports what that parser
 * rejects: look-around, back-references (`\1`, `\k<name>`), atomic groups and other unknown
 * group flags (`(?>`, `(?#`, `(?P=`, `(?'n'`), escapes it does not know (`\Z`, `\G`, `\h`, `\Q`,
 * `\e`, `\cA`, ...), unbalanced groups and classes, a repetition with nothing to repeat, bad
 * counted repetitions, bad hexadecimal escapes, bad or duplicate capture names. Named groups
 * `(?<name>` and `(?P<name>` are fine. Where it is not sure (Unicode property names, class
 * ranges, the compiled size limit) it lets the pattern through: a false alarm would block a
 * split Linkerd would serve.
 *
 * @packageDocumentation
 */

/** Why the Rust `regex` crate rejects `pattern`, regex-syntax's words and where; or undefined. */
export function rustRegexError(pattern: string): string | undefined {
  const chars = Array.from(pattern);
  const n = chars.length;
  const fail = (offset: number, what: string) => {
    const near = chars.slice(offset, offset + 6).join("");
    return `${what} (at character ${offset + 1}, ${JSON.stringify(near)})`;
  };
  const names = new Set<string>();
  // One entry per open group: whether the `x` flag was set outside it.
  const groups: boolean[] = [];
  let extended = false;
  let canRepeat = false;

  /** An escape at `i` (a backslash); the index after it, or an error. */
  const escape = (i: number, inClass: boolean): number | string => {
    const c = chars[i + 1];
    if (c === undefined)
      return fail(i, "incomplete escape sequence, reached end of pattern prematurely");
    if (/[0-9]/.test(c)) return fail(i, "backreferences are not supported");
    if ("afnrtvdDsSwW".includes(c)) return i + 2;
    if ("AzB<>".includes(c) || c === "b") {
      if (inClass) return fail(i, "invalid escape sequence found in character class");
      if (c === "b" && chars[i + 2] === "{") {
        const close = chars.indexOf("}", i + 3);
        if (close < 0)
          return fail(i, "a \\b{ special word boundary assertion without a closing brace");
        const word = chars.slice(i + 3, close).join("");
        if (!["start", "end", "start-half", "end-half"].includes(word))
          return fail(
            i,
            "unrecognized special word boundary assertion, valid choices are: start, end, start-half or end-half",
          );
        return close + 1;
      }
      return i + 2;
    }
    if (c === "p" || c === "P") {
      const next = chars[i + 2];
      if (next === undefined)
        return fail(i, "incomplete escape sequence, reached end of pattern prematurely");
      if (next !== "{") return i + 3;
      const close = chars.indexOf("}", i + 3);
      if (close < 0)
        return fail(i, "incomplete escape sequence, reached end of pattern prematurely");
      return close + 1;
    }
    if (c === "x" || c === "u" || c === "U") {
      const width = c === "x" ? 2 : c === "u" ? 4 : 8;
      let digits: string[];
      let end: number;
      if (chars[i + 2] === "{") {
        const close = chars.indexOf("}", i + 3);
        if (close < 0)
          return fail(i, "incomplete escape sequence, reached end of pattern prematurely");
        digits = chars.slice(i + 3, close);
        if (digits.length === 0) return fail(i, "hexadecimal literal empty");
        end = close + 1;
      } else {
        digits = chars.slice(i + 2, i + 2 + width);
        end = i + 2 + width;
      }
      const bad = digits.findIndex((d) => !/^[0-9A-Fa-f]$/.test(d));
      if (bad >= 0) return fail(i, "invalid hexadecimal digit");
      if (digits.length < width && chars[i + 2] !== "{")
        return fail(i, "incomplete escape sequence, reached end of pattern prematurely");
      const value = Number.parseInt(digits.join(""), 16);
      if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        return fail(i, "hexadecimal literal is not a Unicode scalar value");
      return end;
    }
    // Any other ASCII character that is not a letter may be escaped; letters and non-ASCII
    // characters may not.
    if (/[A-Za-z]/.test(c) || (c.codePointAt(0) ?? 0) > 0x7f)
      return fail(i, "unrecognized escape sequence");
    return i + 2;
  };

  /** A class opening at `i`; the index after its closing bracket, or an error. */
  const klass = (start: number): number | string => {
    let depth = 0;
    let i = start;
    while (i < n) {
      const c = chars[i];
      if (c === "[") {
        // [:alpha:] inside a class is an ASCII class, not a nested one.
        if (depth > 0 && chars[i + 1] === ":") {
          const close = chars.indexOf("]", i + 2);
          if (close > 0 && chars[close - 1] === ":" && close - 1 > i + 1) {
            i = close + 1;
            continue;
          }
        }
        depth++;
        i++;
        if (chars[i] === "^") i++;
        // A `]` right after the opening (or `[^`) is a literal.
        if (chars[i] === "]") i++;
        continue;
      }
      if (c === "]") {
        depth--;
        i++;
        if (depth === 0) return i;
        continue;
      }
      if (c === "\\") {
        const next = escape(i, true);
        if (typeof next === "string") return next;
        i = next;
        continue;
      }
      i++;
    }
    return fail(start, "unclosed character class");
  };

  let i = 0;
  while (i < n) {
    const c = chars[i] ?? "";
    if (extended && /\s/u.test(c)) {
      i++;
      continue;
    }
    if (extended && c === "#") {
      while (i < n && chars[i] !== "\n") i++;
      continue;
    }
    if (c === "\\") {
      const next = escape(i, false);
      if (typeof next === "string") return next;
      i = next;
      canRepeat = true;
      continue;
    }
    if (c === "[") {
      const next = klass(i);
      if (typeof next === "string") return next;
      i = next;
      canRepeat = true;
      continue;
    }
    if (c === "(") {
      if (chars[i + 1] !== "?") {
        groups.push(extended);
        canRepeat = false;
        i++;
        continue;
      }
      const head = chars.slice(i, i + 4).join("");
      if (/^\(\?(=|!|<=|<!)/.test(head))
        return fail(i, "look-around, including look-ahead and look-behind, is not supported");
      if (head.startsWith("(?P<") || head.startsWith("(?<")) {
        const from = i + (head.startsWith("(?P<") ? 4 : 3);
        const close = chars.indexOf(">", from);
        if (close < 0) return fail(i, "unclosed capture group name");
        const name = chars.slice(from, close);
        if (name.length === 0) return fail(i, "empty capture group name");
        const okChar = (ch: string, first: boolean) =>
          ch === "_" ||
          (first ? /\p{Alphabetic}/u.test(ch) : /[\p{Alphabetic}\p{N}.[\]]/u.test(ch));
        if (!name.every((ch, k) => okChar(ch, k === 0)))
          return fail(i, "invalid capture group character");
        const key = name.join("");
        if (names.has(key)) return fail(i, "duplicate capture group name");
        names.add(key);
        groups.push(extended);
        canRepeat = false;
        i = close + 1;
        continue;
      }
      // Flags: (?flags) or (?flags:...), flags among i m s U u x R, with one `-`.
      let k = i + 2;
      let negate = false;
      let x: boolean = extended;
      const seen = new Set<string>();
      let last = "";
      for (; k < n; k++) {
        const f = chars[k] ?? "";
        if (f === ")" || f === ":") break;
        if (f === "-") {
          if (negate) return fail(i, "flag negation operator repeated");
          negate = true;
        } else if ("imsUuxR".includes(f)) {
          if (seen.has(f)) return fail(i, "duplicate flag");
          seen.add(f);
          if (f === "x") x = !negate;
        } else {
          return fail(i, "unrecognized flag");
        }
        last = f;
      }
      if (k >= n) return fail(i, "expected flag but got end of regex");
      if (last === "-") return fail(i, "dangling flag negation operator");
      if (chars[k] === ")") {
        if (seen.size === 0) return fail(i, "repetition operator missing expression");
        extended = x;
        canRepeat = false;
      } else {
        groups.push(extended);
        extended = x;
        canRepeat = false;
      }
      i = k + 1;
      continue;
    }
    if (c === ")") {
      if (groups.length === 0) return fail(i, "unopened group");
      extended = groups.pop() ?? false;
      canRepeat = true;
      i++;
      continue;
    }
    if (c === "|") {
      canRepeat = false;
      i++;
      continue;
    }
    if (c === "*" || c === "+" || c === "?") {
      if (!canRepeat) return fail(i, "repetition operator missing expression");
      i++;
      continue;
    }
    if (c === "{") {
      if (!canRepeat) return fail(i, "repetition operator missing expression");
      const close = chars.indexOf("}", i + 1);
      if (close < 0) return fail(i, "unclosed counted repetition");
      const body = chars
        .slice(i + 1, close)
        .join("")
        .replace(/\s/gu, "");
      const m = /^(\d+)(,(\d*))?$/.exec(body);
      if (m === null) return fail(i, "repetition quantifier expects a valid decimal");
      if (m[3] !== undefined && m[3] !== "" && Number(m[3]) < Number(m[1]))
        return fail(i, "invalid repetition count range, the start must be <= the end");
      i = close + 1;
      continue;
    }
    canRepeat = true;
    i++;
  }
  if (groups.length > 0) return fail(n - 1, "unclosed group");
  return undefined;
}
