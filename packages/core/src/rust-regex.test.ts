import { describe, expect, it } from "vitest";
import { rustRegexError } from "./rust-regex.js";

// Every expected value below was checked against regex 1.13.1 (regex-syntax 0.8.11, the
// versions in linkerd2 edge-26.8.3's Cargo.lock) with `regex::Regex::new`: `undefined` where
// it compiles, regex-syntax's own words where it does not.
const rejects = (pattern: string, what: string) =>
  expect(rustRegexError(pattern), pattern).toContain(what);

describe("rustRegexError", () => {
  it("accepts what the regex crate accepts, named groups in both spellings included", () => {
    for (const ok of [
      "/api/v[0-9]+/.*",
      "^/api/.*$",
      "/\\d+",
      "(?P<n>a)",
      "(?<n>a)",
      "(?<n.a[0]>x)",
      "(?<é>x)",
      "(?i)abc",
      "(?x) # (?!x) is a comment",
      "(?i-s:a)+",
      "(?:)*",
      "a*+",
      "a**",
      "^*",
      "\\z+",
      "a{3,}",
      "a{ 2}",
      "a{1,2}{3}",
      "\\x41\\x{41}\\u0041\\u{41}\\U0001F600",
      "\\p{L}\\pL\\P{Greek}",
      "\\b{start}\\b{end-half}\\<a\\>",
      "[[:alpha:]][[:^alpha:]][a-z&&[^x]][a--b][a~~b]",
      "[]a][^]][\\]][\\[][(?!x)]",
      "\\ \\~\\#\\&\\%\\/\\-\\!\\@\\_",
      "\\a\\f\\t\\n\\r\\v\\A\\b\\B\\d\\D\\s\\S\\w\\W",
    ])
      expect(rustRegexError(ok), ok).toBeUndefined();
  });

  it("rejects look-around in all four forms", () => {
    for (const p of ["/api/(?!internal).*", "/api/(?=x).*", "(?<=a)b", "(?<!a)b"])
      rejects(p, "look-around, including look-ahead and look-behind, is not supported");
  });

  it("rejects back-references, \\0..\\9 and \\k<name>, inside classes too", () => {
    for (const p of ["(a)\\1", "(a)\\9", "\\0", "[\\1]"])
      rejects(p, "backreferences are not supported");
    rejects("(?<n>a)\\k<n>", "unrecognized escape sequence");
  });

  it("rejects atomic groups, comments, recursion and other group flags it does not know", () => {
    for (const p of [
      "(?>abc)",
      "(?#comment)",
      "(?1)",
      "(?P=n)",
      "(?'n'a)",
      "(?&n)",
      "(?|a|b)",
      "(?^)a",
    ])
      rejects(p, "unrecognized flag");
    rejects("(?ii)", "duplicate flag");
    rejects("(?i-i)", "duplicate flag");
    rejects("(?--i)", "flag negation operator repeated");
    rejects("(?-)", "dangling flag negation operator");
    rejects("(?i", "expected flag but got end of regex");
  });

  it("rejects the escapes it lacks: \\Z, \\G, \\h, \\K, \\Q..\\E, \\e, \\cA, and any non-ASCII one", () => {
    for (const p of [
      "\\Z",
      "\\G",
      "\\h",
      "\\H",
      "\\K",
      "\\R",
      "\\X",
      "\\Q.\\E",
      "\\e",
      "\\cA",
      "\\N",
      "\\o{101}",
      "\\y",
      "\\é",
      "[\\Z]",
    ])
      rejects(p, "unrecognized escape sequence");
    for (const p of ["[\\b]", "[\\A]", "[\\z]", "[\\B]", "[\\<]"])
      rejects(p, "invalid escape sequence found in character class");
    rejects("\\", "incomplete escape sequence");
    rejects("\\b{foo}", "unrecognized special word boundary assertion");
  });

  it("rejects bad hexadecimal escapes", () => {
    rejects("\\xZZ", "invalid hexadecimal digit");
    rejects("[\\x]", "invalid hexadecimal digit");
    rejects("\\x4", "incomplete escape sequence");
    rejects("\\u12", "incomplete escape sequence");
    rejects("\\x{}", "hexadecimal literal empty");
    rejects("\\x{110000}", "hexadecimal literal is not a Unicode scalar value");
    rejects("\\u{D800}", "hexadecimal literal is not a Unicode scalar value");
  });

  it("rejects unbalanced groups and classes, and repetitions of nothing", () => {
    rejects("(", "unclosed group");
    rejects("(?x:#)(?!)", "unclosed group");
    rejects(")", "unopened group");
    // The x flag of (?x:...) ends with its group: the # after it is no comment.
    rejects("(?x:a)#(?!)", "look-around");
    for (const p of ["[", "[]", "[[]", "[a[b]", "[\\p]"]) rejects(p, "unclosed character class");
    for (const p of ["*a", "+a", "?a", "{", "a|*", "(*)", "(?i)*"])
      rejects(p, "repetition operator missing expression");
    rejects("a{", "unclosed counted repetition");
    rejects("a{2,", "unclosed counted repetition");
    for (const p of ["a{,3}", "a{}", "x{a}", "a{,}"])
      rejects(p, "repetition quantifier expects a valid decimal");
    rejects("a{5,2}", "invalid repetition count range");
  });

  it("rejects bad or duplicate capture names", () => {
    rejects("(?<>a)", "empty capture group name");
    rejects("(?<1a>x)", "invalid capture group character");
    rejects("(?<a-b>x)", "invalid capture group character");
    rejects("(?P<n", "unclosed capture group name");
    rejects("(?P<n>a)(?P<n>b)", "duplicate capture group name");
  });

  it("says where, in characters from 1", () => {
    expect(rustRegexError("/api/(?!internal).*")).toBe(
      'look-around, including look-ahead and look-behind, is not supported (at character 6, "(?!int")',
    );
  });
});
