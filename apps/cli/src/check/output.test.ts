import { describe, expect, it } from "vitest";
import { checkOutput, symbols, TablePrinter } from "./output.js";
import type { CheckResult } from "./runner.js";

const results: CheckResult[] = [
  { category: "linkerd-smi", id: "a", description: "first", result: "success" },
  {
    category: "linkerd-smi",
    id: "b",
    description: "second",
    result: "warning",
    error: "two lines:\n\t* of trouble",
    hint: "https://linkerd.io/2/checks/#b",
  },
  {
    category: "other",
    id: "c",
    description: "third",
    result: "error",
    error: "broken",
    hint: "https://linkerd.io/2/checks/#c",
  },
];

function print(
  short: boolean,
  color = false,
  rs = results,
  success = false,
  warning = true,
): string {
  let out = "";
  const printer = new TablePrinter((t) => (out += t), symbols(color), short);
  for (const r of rs) printer.result(r);
  printer.finish(success, warning);
  return out;
}

describe("TablePrinter", () => {
  it("prints Linkerd's check table", () => {
    expect(print(false)).toBe(
      [
        "linkerd-smi",
        "-----------",
        "√ first",
        "‼ second",
        "    two lines:",
        "\t* of trouble",
        "    see https://linkerd.io/2/checks/#b for hints",
        "",
        "other",
        "-----",
        "× third",
        "    broken",
        "    see https://linkerd.io/2/checks/#c for hints",
        "",
        "Status check results are ×",
        "",
      ].join("\n"),
    );
  });

  it("-o short leaves out what passed, and the blank line when all is well", () => {
    expect(print(true)).not.toContain("first");
    expect(print(true, false, [results[0] as CheckResult], true, false)).toBe(
      "Status check results are √\n",
    );
  });

  it("colours the symbols on a terminal", () => {
    expect(print(false, true, [results[0] as CheckResult], true, false)).toContain(
      "\u001b[32;1m√\u001b[0m first",
    );
  });
});

describe("checkOutput", () => {
  it("is Linkerd's CheckOutput, hint and error only on failures", () => {
    expect(JSON.parse(JSON.stringify(checkOutput(results, false)))).toEqual({
      success: false,
      categories: [
        {
          categoryName: "linkerd-smi",
          checks: [
            { description: "first", result: "success" },
            {
              description: "second",
              hint: "https://linkerd.io/2/checks/#b",
              error: "two lines:\n\t* of trouble",
              result: "warning",
            },
          ],
        },
        {
          categoryName: "other",
          checks: [
            {
              description: "third",
              hint: "https://linkerd.io/2/checks/#c",
              error: "broken",
              result: "error",
            },
          ],
        },
      ],
    });
  });
});
