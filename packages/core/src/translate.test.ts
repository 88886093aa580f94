import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseOrThrow } from "../test/fixtures.js";
import type { ParsedTrafficSplit } from "./parse.js";
import {
  canonicalQuantity,
  isQuantityError,
  milliValue,
  parseQuantity,
  quantityFromMilli,
} from "./quantity.js";
import {
  apexOfServiceProfileName,
  backendAuthority,
  checkClusterDomain,
  desiredDstOverrides,
  desiredServiceProfile,
  fitLinkerdWeights,
  normalizeClusterDomain,
  parseServiceProfileName,
  serviceProfileName,
} from "./translate.js";

const UINT32_MAX = 2n ** 32n - 1n;

describe("names", () => {
  it("parses a profile name into its apex and namespace, whatever namespace holds it", () => {
    expect(parseServiceProfileName("web.shop.svc.cluster.local")).toEqual({
      apex: "web",
      namespace: "shop",
    });
    expect(parseServiceProfileName("web.shop.svc.example.org", "example.org.")).toEqual({
      apex: "web",
      namespace: "shop",
    });
    for (const name of [
      "web.shop.svc.example.org", // another domain
      "shop.svc.cluster.local", // no namespace label
      "a.web.shop.svc.cluster.local", // a dotted apex
      ".shop.svc.cluster.local",
      "web..svc.cluster.local",
      "web.shop.cluster.local",
    ])
      expect(parseServiceProfileName(name, "cluster.local"), name).toBeUndefined();
  });

  it.each([
    ["web", "default", undefined, "web.default.svc.cluster.local"],
    ["web", "prod", "example.org", "web.prod.svc.example.org"],
    ["web", "prod", "cluster.local.", "web.prod.svc.cluster.local"],
  ] as const)("%s in %s with domain %s is %s", (service, namespace, domain, expected) => {
    expect(serviceProfileName(service, namespace, domain)).toBe(expected);
    expect(backendAuthority(service, namespace, domain)).toBe(expected);
  });

  it.each(["", ".", "Cluster.Local", "cluster..local", "cluster.local..", "-x.local", "a_b"])(
    "rejects the cluster domain %j",
    (domain) => {
      expect(checkClusterDomain(domain)).toBeDefined();
      expect(() => normalizeClusterDomain(domain)).toThrow(RangeError);
      expect(() => serviceProfileName("web", "default", domain)).toThrow(/invalid cluster domain/);
    },
  );

  it("normalizes one trailing dot only", () => {
    expect(normalizeClusterDomain("cluster.local.")).toBe("cluster.local");
    expect(normalizeClusterDomain()).toBe("cluster.local");
  });
});

describe("apexOfServiceProfileName: the apex a profile name is for", () => {
  it("inverts serviceProfileName, with or without a trailing dot on the domain", () => {
    expect(apexOfServiceProfileName("web.shop.svc.cluster.local", "shop", "cluster.local.")).toBe(
      "web",
    );
    expect(apexOfServiceProfileName("web.shop.svc.cluster.local", "shop", "cluster.local")).toBe(
      "web",
    );
    expect(apexOfServiceProfileName("web.shop.svc.cluster.local", "other")).toBeUndefined();
    expect(apexOfServiceProfileName("a.b.shop.svc.cluster.local", "shop")).toBeUndefined();
    expect(apexOfServiceProfileName(".shop.svc.cluster.local", "shop")).toBeUndefined();
    expect(apexOfServiceProfileName("web.shop.svc.example.org", "shop")).toBeUndefined();
  });

  it("round-trips every apex, namespace and domain", () => {
    const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/);
    const domain = fc
      .array(label, { minLength: 1, maxLength: 4 })
      .chain((labels) => fc.constantFrom(labels.join("."), `${labels.join(".")}.`));
    fc.assert(
      fc.property(label, label, domain, (apex, namespace, clusterDomain) => {
        const name = serviceProfileName(apex, namespace, clusterDomain);
        expect(name.endsWith(".")).toBe(false);
        expect(apexOfServiceProfileName(name, namespace, clusterDomain)).toBe(apex);
      }),
      { numRuns: 500 },
    );
  });
});

describe("checkClusterDomain: one trailing dot is removed, and only one", () => {
  it("accepts a one-letter domain (nothing is cut from a domain without a trailing dot)", () => {
    expect(checkClusterDomain("a")).toBeUndefined();
    expect(checkClusterDomain("a.")).toBeUndefined();
  });

  it("rejects a domain ending in '-', naming it a cluster domain", () => {
    expect(checkClusterDomain("cluster.local-")).toEqual({
      message: `"cluster.local-" is not a DNS subdomain: each dot-separated part must be non-empty and start and end with a lowercase letter or digit`,
      suggestion: "cluster.local",
    });
    expect(checkClusterDomain("a_b")?.message).toBe(
      `"a_b" contains "_"; a cluster domain may contain only lowercase letters, digits, '-' and '.'`,
    );
  });
});

describe("desiredServiceProfile", () => {
  it("translates the backend-split sample exactly", () => {
    const split = parseOrThrow({
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      metadata: { name: "backend-split", namespace: "trafficsplit-sample" },
      spec: {
        service: "backend-svc",
        backends: [
          { service: "backend-svc", weight: 500 },
          { service: "failing-svc", weight: 500 },
        ],
      },
    });
    expect(desiredServiceProfile(split)).toEqual({
      profile: {
        apiVersion: "linkerd.io/v1alpha2",
        kind: "ServiceProfile",
        metadata: {
          name: "backend-svc.trafficsplit-sample.svc.cluster.local",
          namespace: "trafficsplit-sample",
        },
        spec: {
          dstOverrides: [
            { authority: "backend-svc.trafficsplit-sample.svc.cluster.local", weight: "500" },
            { authority: "failing-svc.trafficsplit-sample.svc.cluster.local", weight: "500" },
          ],
        },
      },
      diagnostics: [],
    });
  });

  it("copies v1alpha1 quantities as Go prints them", () => {
    const split = parseOrThrow({
      apiVersion: "split.smi-spec.io/v1alpha1",
      kind: "TrafficSplit",
      metadata: { name: "web-split", namespace: "default" },
      spec: {
        service: "web",
        backends: [
          { service: "web-v1", weight: "500m" },
          { service: "web-v2", weight: "0m" },
          { service: "web-v3", weight: 1000 },
          { service: "web-v4", weight: "1.5" },
          { service: "web-v5", weight: "1000m" },
        ],
      },
    });
    const { profile } = desiredServiceProfile(split);
    expect(profile.spec.dstOverrides).toEqual([
      { authority: "web-v1.default.svc.cluster.local", weight: "500m" },
      { authority: "web-v2.default.svc.cluster.local", weight: "0" },
      { authority: "web-v3.default.svc.cluster.local", weight: "1k" },
      { authority: "web-v4.default.svc.cluster.local", weight: "1500m" },
      { authority: "web-v5.default.svc.cluster.local", weight: "1" },
    ]);
  });

  it("uses a custom cluster domain and an explicit namespace", () => {
    const split = parseOrThrow({
      spec: { service: "web", backends: [{ service: "web-v2", weight: "1" }] },
    });
    expect(
      desiredServiceProfile(split, { namespace: "shop", clusterDomain: "corp.example" }),
    ).toEqual({
      profile: {
        apiVersion: "linkerd.io/v1alpha2",
        kind: "ServiceProfile",
        metadata: { name: "web.shop.svc.corp.example", namespace: "shop" },
        spec: { dstOverrides: [{ authority: "web-v2.shop.svc.corp.example", weight: "1" }] },
      },
      diagnostics: [],
    });
  });

  it("omits dstOverrides for a split with no backends (which the parser rejects)", () => {
    const split: ParsedTrafficSplit = {
      apiVersion: "split.smi-spec.io/v1alpha2",
      namespace: "default",
      service: "web",
      backends: [],
      allWeightsZero: false,
    };
    expect(desiredServiceProfile(split).profile.spec).toEqual({});
  });

  it("requires a valid namespace", () => {
    const split = parseOrThrow({
      spec: { service: "web", backends: [{ service: "web", weight: 1 }] },
    });
    expect(() => desiredServiceProfile(split)).toThrow(/no namespace/);
    expect(() => desiredServiceProfile(split, { namespace: "Bad_NS" })).toThrow(
      /invalid namespace/,
    );
  });

  it("reports profile names longer than 253 characters", () => {
    const split = parseOrThrow({
      spec: { service: "w".repeat(63), backends: [{ service: "w", weight: 1 }] },
    });
    const { diagnostics } = desiredServiceProfile(split, {
      namespace: "n".repeat(63),
      clusterDomain: `${"d".repeat(63)}.${"e".repeat(63)}`,
    });
    expect(diagnostics).toMatchObject([
      { severity: "error", code: "invalid-name", path: "spec.service" },
    ]);
  });
});

describe("overflow guard", () => {
  it("leaves weights whose total is up to the limit alone", () => {
    const split = parseOrThrow({
      metadata: { namespace: "default" },
      spec: {
        service: "web",
        backends: [
          { service: "a", weight: "429496.728" },
          { service: "b", weight: "1m" },
        ],
      },
    });
    const { dstOverrides, diagnostics } = desiredDstOverrides(split, "default");
    expect(dstOverrides.map((d) => d.weight)).toEqual(["429496.728", "1m"]);
    expect(diagnostics).toEqual([]);
  });

  it("scales two weights that each fit but add up to too much (the proxy sums them)", () => {
    const split = parseOrThrow({
      metadata: { namespace: "default" },
      spec: {
        service: "web",
        backends: [
          { service: "a", weight: "429496729m" },
          { service: "b", weight: "429496.729" },
        ],
      },
    });
    const { dstOverrides, diagnostics } = desiredDstOverrides(split, "default");
    expect(dstOverrides.map((d) => d.weight)).toEqual(["214748364m", "214748364m"]);
    expect(diagnostics.map((d) => d.code)).toEqual(["weight-overflow-scaled"]);
  });

  it("scales the split down proportionally, keeping non-zero weights non-zero", () => {
    const split = parseOrThrow({
      metadata: { namespace: "default" },
      spec: {
        service: "web",
        backends: [
          { service: "a", weight: "1M" },
          { service: "b", weight: 500000 },
          { service: "c", weight: "1m" },
          { service: "d", weight: 0 },
        ],
      },
    });
    const { profile, diagnostics } = desiredServiceProfile(split);
    expect(profile.spec.dstOverrides).toEqual([
      { authority: "a.default.svc.cluster.local", weight: "286331150m" },
      { authority: "b.default.svc.cluster.local", weight: "143165575m" },
      { authority: "c.default.svc.cluster.local", weight: "1m" },
      { authority: "d.default.svc.cluster.local", weight: "0" },
    ]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      severity: "warning",
      code: "weight-overflow-scaled",
      path: "spec.backends",
    });
    expect(diagnostics[0]?.message).toContain("add up to 1500000001m");
    expect(diagnostics[0]?.message).toContain("15000000010 > 4294967295");
    expect(diagnostics[0]?.message).toContain("a=286331150m, b=143165575m, c=1m, d=0");
  });

  it("scales by the TOTAL, not the largest weight: 1000000 and 3000000 (linkerd2-proxy panics on a u32 sum overflow)", () => {
    const split = parseOrThrow({
      apiVersion: "split.smi-spec.io/v1alpha2",
      metadata: { namespace: "default" },
      spec: {
        service: "web",
        backends: [
          { service: "a", weight: 1_000_000 },
          { service: "b", weight: 3_000_000 },
        ],
      },
    });
    const { profile, diagnostics } = desiredServiceProfile(split);
    // 1:3 reduced, times floor(429496729 / 4): exact shares, total 429496728m (4294967280 decimilli).
    expect(profile.spec.dstOverrides?.map((d) => d.weight)).toEqual(["107374182m", "322122546m"]);
    expect(diagnostics[0]?.message).toContain("(shares exact)");
  });

  it("fitLinkerdWeights leaves a total of up to 429496729m as it is, and scales one milli more", () => {
    expect(fitLinkerdWeights([1n, 2n])).toEqual({ milli: [1n, 2n], scaled: false, exact: true });
    expect(fitLinkerdWeights([])).toEqual({ milli: [], scaled: false, exact: true });
    // A total of exactly 429496729m (4294967290 decimilli) fits and is left as it is...
    expect(fitLinkerdWeights([429_496_728n, 1n])).toEqual({
      milli: [429_496_728n, 1n],
      scaled: false,
      exact: true,
    });
    expect(fitLinkerdWeights([429_496_729n, 0n, -5n])).toEqual({
      milli: [429_496_729n, 0n, 0n],
      scaled: false,
      exact: true,
    });
    // ...one more milli does not (4294967300 > 4294967295).
    expect(fitLinkerdWeights([429_496_729n, 1n])).toEqual({
      milli: [429_496_726n, 1n],
      scaled: true,
      exact: false,
    });
    expect(fitLinkerdWeights([429_496_730n, 1n, 0n])).toEqual({
      milli: [429_496_726n, 1n, 0n],
      scaled: true,
      exact: false,
    });
    expect(fitLinkerdWeights([900_000_000n, 100_000_000n])).toEqual({
      milli: [386_547_048n, 42_949_672n],
      scaled: true,
      exact: true,
    });
  });

  it("keeps the total within u32, every share within 0.01 percentage points, and non-zero weights non-zero", () => {
    const weight = fc.oneof(
      fc.bigInt({ min: 0n, max: 1000n }),
      fc.bigInt({ min: 0n, max: 500_000_000n }),
      fc.bigInt({ min: 0n, max: 10n ** 30n }),
    );
    fc.assert(
      fc.property(fc.array(weight, { minLength: 1, maxLength: 64 }), (millis) => {
        const { milli: fitted } = fitLinkerdWeights(millis);
        expect(fitted).toHaveLength(millis.length);
        const before = millis.reduce((a, b) => a + b, 0n);
        const after = fitted.reduce((a, b) => a + b, 0n);
        // Linkerd sends milli * 10 as u32 and the proxy sums them in a u32.
        expect(after * 10n <= 4_294_967_295n).toBe(true);
        millis.forEach((original, i) => {
          const written = fitted[i] ?? -1n;
          expect(written === 0n).toBe(original === 0n);
          if (before === 0n) return;
          // |written/after - original/before| <= 0.0001, in integers.
          const diff = written * before - original * after;
          expect((diff < 0n ? -diff : diff) * 10_000n <= before * after).toBe(true);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it("never writes weights whose decimilli total exceeds 2^32 - 1", () => {
    const milliWeight = fc.oneof(
      fc.bigInt({ min: 0n, max: 1000n }),
      fc.bigInt({ min: 0n, max: 900_000_000n }),
      fc.bigInt({ min: 0n, max: 10n ** 30n }),
    );
    fc.assert(
      fc.property(fc.array(milliWeight, { minLength: 1, maxLength: 12 }), (millis) => {
        const split = {
          backends: millis.map((milli, i) => ({
            service: `s${i}`,
            weight: canonicalQuantity(quantityFromMilli(milli)),
            milli,
          })),
        };
        const { dstOverrides } = desiredDstOverrides(split, "default");
        const written = dstOverrides.map((d) => {
          expect(typeof d.weight).toBe("string");
          const q = parseQuantity(d.weight);
          if (isQuantityError(q)) throw new Error(q.message);
          return milliValue(q);
        });
        written.forEach((w, i) => expect(w === 0n).toBe((millis[i] ?? 0n) === 0n));
        expect(written.reduce((a, b) => a + b, 0n) * 10n <= UINT32_MAX).toBe(true);
        // Splits that fit are written exactly as given.
        if (millis.reduce((a, b) => a + b, 0n) * 10n <= UINT32_MAX) expect(written).toEqual(millis);
      }),
      { numRuns: 1000 },
    );
  });

  it("holds for parsed splits too", () => {
    const weight = fc.oneof(
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc
        .tuple(
          fc.integer({ min: 0, max: 999_999 }),
          fc.constantFrom("m", "", "k", "M", "G", "T", "E", "Ki", "Gi"),
        )
        .map(([n, suffix]) => `${n}${suffix}`),
    );
    fc.assert(
      fc.property(fc.array(weight, { minLength: 1, maxLength: 10 }), (weights) => {
        const split = parseOrThrow({
          metadata: { namespace: "default" },
          spec: {
            service: "web",
            backends: weights.map((w, i) => ({ service: `web-v${i}`, weight: w })),
          },
        });
        const { profile } = desiredServiceProfile(split);
        let total = 0n;
        for (const d of profile.spec.dstOverrides ?? []) {
          const q = parseQuantity(String(d.weight));
          if (isQuantityError(q)) throw new Error(q.message);
          total += milliValue(q) * 10n;
        }
        expect(total <= UINT32_MAX).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
