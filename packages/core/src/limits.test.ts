/**
 * Every limit core enforces, tested at its edge: the last value accepted and the first one
 * rejected. Expected values are written out here from the specification (Kubernetes name
 * rules, Linkerd's uint32 weights, this package's README); none comes from an exported
 * constant, so an off-by-one limit or comparison fails a test.
 */
import { describe, expect, it } from "vitest";
import {
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  desiredDstOverrides,
  desiredServiceProfile,
  isQuantityError,
  parseQuantity,
  parseTrafficSplit,
} from "./index.js";
import { parseOrThrow, splitLike } from "../test/fixtures.js";

/** Split `s` of `service` in namespace default, parsed; without apiVersion, so v1alpha1. */
const v1alpha1 = (service: string, backends: { service: string; weight: string | number }[]) =>
  parseOrThrow(
    splitLike("s", { spec: { service, backends }, namespace: "default", created: null }),
  );

describe("the ServiceProfile name: at most 253 characters", () => {
  // <service>.<namespace>.svc.<domain>: 63 + 1 + 63 + 5 + domain characters.
  const service = "s".repeat(63);
  const namespace = "n".repeat(63);
  const domainOf = (length: number) => `${"d".repeat(63)}.${"e".repeat(length - 64)}`;

  it("accepts a name of exactly 253 characters", () => {
    const domain = domainOf(121);
    const { profile, diagnostics } = desiredServiceProfile(
      v1alpha1(service, [{ service, weight: 1 }]),
      {
        namespace,
        clusterDomain: domain,
      },
    );
    expect(profile.metadata.name).toBe(`${service}.${namespace}.svc.${domain}`);
    expect(profile.metadata.name).toHaveLength(253);
    expect(diagnostics).toEqual([]);
  });

  it("rejects a name of 254 characters, saying how long it is and what to shorten", () => {
    const domain = domainOf(122);
    const { diagnostics } = desiredServiceProfile(v1alpha1(service, [{ service, weight: 1 }]), {
      namespace,
      clusterDomain: domain,
    });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      severity: "error",
      code: "invalid-name",
      path: "spec.service",
    });
    expect(diagnostics[0]?.message).toContain(
      "is 254 characters long, more than the 253 Kubernetes allows: shorten the Service name, the namespace or the cluster domain",
    );
  });
});

describe("DNS names at their length limits", () => {
  it("a DNS-1123 subdomain: 253 characters ok, 254 rejected", () => {
    const of = (n: number) =>
      `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(n - 192)}`;
    expect(of(253)).toHaveLength(253);
    expect(checkDns1123Subdomain(of(253))).toBeUndefined();
    expect(checkDns1123Subdomain(of(254))?.message).toContain(
      "is 254 characters long; a name may have at most 253",
    );
  });

  it("a DNS-1123 label (namespace): 63 characters ok, 64 rejected", () => {
    expect(checkDns1123Label("n".repeat(63))).toBeUndefined();
    expect(checkDns1123Label("n".repeat(64))?.message).toContain(
      "is 64 characters long; a namespace may have at most 63",
    );
  });

  it("a DNS-1035 label (Service name): 63 characters ok, 64 rejected", () => {
    expect(checkDns1035Label("s".repeat(63))).toBeUndefined();
    expect(checkDns1035Label("s".repeat(64))?.message).toContain(
      "is 64 characters long; a Service name may have at most 63",
    );
  });

  it("a TrafficSplit's spec.service and metadata.name through parseTrafficSplit", () => {
    const doc = (name: string, service: string) =>
      splitLike(name, {
        spec: { service, backends: [{ service: "b", weight: 1 }] },
        namespace: "default",
        created: null,
      });
    const longName = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
    expect(parseTrafficSplit(doc(longName, "s".repeat(63))).ok).toBe(true);
    const tooLong = parseTrafficSplit(doc(`${longName}d`, "s".repeat(64)));
    expect(tooLong.ok).toBe(false);
    expect(
      tooLong.diagnostics
        .filter((d) => d.severity === "error")
        .map((d) => d.path)
        .sort(),
    ).toEqual(["metadata.name", "spec.service"]);
  });
});

describe("weights: Linkerd sends milli * 10 as a uint32, at most 4,294,967,295", () => {
  // 4,294,967,295 tenths of a milli is 429,496,729.5m: 429,496,729m fits, 429,496,730m
  // (4,294,967,300 on the wire) does not.
  it("writes 429496729m as given, with no warning", () => {
    const { dstOverrides, diagnostics } = desiredDstOverrides(
      v1alpha1("web", [{ service: "a", weight: "429496729m" }]),
      "default",
    );
    expect(dstOverrides).toEqual([
      { authority: "a.default.svc.cluster.local", weight: "429496729m" },
    ]);
    expect(diagnostics).toEqual([]);
  });

  it("writes 429496.729 (the same weight as a decimal) as given", () => {
    const { dstOverrides, diagnostics } = desiredDstOverrides(
      v1alpha1("web", [{ service: "a", weight: "429496.729" }]),
      "default",
    );
    expect(dstOverrides.map((d) => d.weight)).toEqual(["429496.729"]);
    expect(diagnostics).toEqual([]);
  });

  it("scales 429496730m down to 429496729m, with a warning naming the limit", () => {
    const { dstOverrides, diagnostics } = desiredDstOverrides(
      v1alpha1("web", [{ service: "a", weight: "429496730m" }]),
      "default",
    );
    expect(dstOverrides).toEqual([
      { authority: "a.default.svc.cluster.local", weight: "429496729m" },
    ]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      severity: "warning",
      code: "weight-overflow-scaled",
      path: "spec.backends",
    });
    expect(diagnostics[0]?.message).toContain("the weights add up to 429496730m");
    expect(diagnostics[0]?.message).toContain(
      "at most 429496729m (429496.729; 4294967300 > 4294967295)",
    );
    expect(diagnostics[0]?.message).toContain("written as a=429496729m");
  });

  it("scales 429496.73 (one milli over, as a decimal) down to 429496729m", () => {
    const { dstOverrides, diagnostics } = desiredDstOverrides(
      v1alpha1("web", [{ service: "a", weight: "429496.73" }]),
      "default",
    );
    expect(dstOverrides.map((d) => d.weight)).toEqual(["429496729m"]);
    expect(diagnostics.map((d) => d.code)).toEqual(["weight-overflow-scaled"]);
  });

  it("rejects 429496.7295 (exactly 4,294,967,295 tenths of a milli): finer than 1m", () => {
    const result = parseTrafficSplit(
      splitLike("s", {
        spec: { service: "web", backends: [{ service: "a", weight: "429496.7295" }] },
        namespace: "default",
        created: null,
      }),
    );
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toMatchObject([
      {
        severity: "error",
        code: "sub-milli-weight",
        path: "spec.backends[0].weight",
        suggestion: "429496730m",
      },
    ]);
  });

  it("keeps a zero-weight backend beside a weight at the limit unscaled", () => {
    const { dstOverrides, diagnostics } = desiredDstOverrides(
      v1alpha1("web", [
        { service: "a", weight: "429496729m" },
        { service: "b", weight: 0 },
      ]),
      "default",
    );
    expect(dstOverrides.map((d) => d.weight)).toEqual(["429496729m", "0"]);
    expect(diagnostics).toEqual([]);
  });
});

describe("quantities: decimal exponents up to ±10000", () => {
  it("accepts 1e10000 and 1e-10000, rejects 1e10001 and 1e-10001", () => {
    expect(isQuantityError(parseQuantity("1e10000"))).toBe(false);
    expect(isQuantityError(parseQuantity("1e-10000"))).toBe(false);
    const over = parseQuantity("1e10001");
    expect(isQuantityError(over) && over.code).toBe("out-of-range");
    const under = parseQuantity("1e-10001");
    expect(isQuantityError(under) && under.code).toBe("out-of-range");
    expect(isQuantityError(over) && over.message).toContain(
      "has a decimal exponent of 10001, beyond the ±10000",
    );
  });
});
