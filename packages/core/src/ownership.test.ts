import { describe, expect, it } from "vitest";
import { ADAPTOR_APPLY, storedProfile, V1 } from "../test/fixtures.js";
import { onlyAdaptorContent } from "./ownership.js";
import type { ServiceProfile } from "./types.js";

// Which profiles the adaptor may delete as its own. Expected values are written by hand from
// design.md (Deletion: "if we created the ServiceProfile and nobody else added anything").

const dst = [{ authority: V1, weight: "1" }];

describe("onlyAdaptorContent", () => {
  it("holds only for a profile the adaptor alone wrote, with nothing but dstOverrides", () => {
    expect(onlyAdaptorContent(storedProfile(dst))).toBe(true);
    expect(onlyAdaptorContent(storedProfile(undefined))).toBe(true);
    expect(
      onlyAdaptorContent({ ...storedProfile(dst), spec: undefined } as unknown as ServiceProfile),
    ).toBe(true);
  });

  it("fails for any manager, spec field, label or annotation besides", () => {
    expect(onlyAdaptorContent(storedProfile(dst, { managedFields: [] }))).toBe(false);
    expect(onlyAdaptorContent(storedProfile(dst, { meta: { managedFields: undefined } }))).toBe(
      false,
    );
    expect(
      onlyAdaptorContent(
        storedProfile(dst, {
          managedFields: [ADAPTOR_APPLY, { manager: "kubectl", operation: "Update" }],
        }),
      ),
    ).toBe(false);
    expect(onlyAdaptorContent(storedProfile([], { routes: [] }))).toBe(false);
    expect(onlyAdaptorContent(storedProfile(dst, { labels: { team: "a" } }))).toBe(false);
    expect(onlyAdaptorContent(storedProfile(dst, { annotations: { note: "x" } }))).toBe(false);
  });
});
