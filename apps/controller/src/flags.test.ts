import { describe, expect, it } from "vitest";
import { FlagError, parseFlags, usage } from "./flags.js";

describe("parseFlags", () => {
  it("has linkerd-smi's defaults", () => {
    const flags = parseFlags([], {});
    expect(flags).toMatchObject({
      kubeconfig: "",
      metricsAddr: ":9995",
      clusterDomain: "cluster.local",
      workerThreads: 2,
      leaderElect: false,
      leaderElectionNamespace: "linkerd-smi",
      logLevel: "info",
      logFormat: "json",
      resyncPeriodMs: 600_000,
    });
  });

  it.each([
    [["-cluster-domain", "example.org"]],
    [["-cluster-domain=example.org"]],
    [["--cluster-domain", "example.org"]],
    [["--cluster-domain=example.org"]],
  ])("accepts Go and GNU spellings: %j", (argv) => {
    expect(parseFlags(argv, {}).clusterDomain).toBe("example.org");
  });

  it("parses ints, booleans and durations", () => {
    const flags = parseFlags(
      ["-worker-threads", "8", "-leader-elect", "--resync-period=1m30s", "-log-format", "text"],
      {},
    );
    expect(flags.workerThreads).toBe(8);
    expect(flags.leaderElect).toBe(true);
    expect(flags.resyncPeriodMs).toBe(90_000);
    expect(flags.logFormat).toBe("text");
    expect(parseFlags(["-leader-elect=false"], {}).leaderElect).toBe(false);
  });

  it.each([[["-h"]], [["--h"]], [["-help"]], [["--help"]], [["-help=false"]], [["-h", "-nope"]]])(
    "asks for the usage on %j, as Go's flag package does",
    (argv) => {
      // Go's flag package answers -h and -help with ErrHelp whatever their value.
      expect(parseFlags(argv, {}).help).toBe(true);
    },
  );

  it("takes the lease namespace from POD_NAMESPACE", () => {
    expect(parseFlags([], { POD_NAMESPACE: "smi" }).leaderElectionNamespace).toBe("smi");
  });

  it.each([
    [["-nope"], "flag provided but not defined: -nope"],
    [["-clusterdomain", "x"], "did you mean -cluster-domain?"],
    [["-worker-threads", "zero"], 'invalid value "zero" for flag -worker-threads'],
    [["-worker-threads", "0"], "at least 1"],
    [["-resync-period", "10"], 'want a duration such as "15s"'],
    [["-log-level", "loud"], "want one of debug, info, warn, error"],
    [["-kubeconfig"], "flag needs an argument: -kubeconfig"],
    [["stray"], 'unexpected argument "stray"'],
  ])("rejects %j with a message saying what to do", (argv, message) => {
    expect(() => parseFlags(argv, {})).toThrow(FlagError);
    expect(() => parseFlags(argv, {})).toThrow(message);
  });

  it("-default-opaque-ports is unset by default (linkerd-config decides) and reads the annotation's syntax", () => {
    expect(parseFlags([], {}).defaultOpaquePorts).toBeUndefined();
    expect(parseFlags([], {}).linkerdNamespace).toBe("linkerd");
    expect(parseFlags(["-linkerd-namespace=mesh"], {}).linkerdNamespace).toBe("mesh");
    expect(parseFlags(["-default-opaque-ports", "7000,8000-8002"], {}).defaultOpaquePorts).toEqual([
      7000, 8000, 8001, 8002,
    ]);
    expect(parseFlags(["-default-opaque-ports="], {}).defaultOpaquePorts).toEqual([]);
    expect(() => parseFlags(["-default-opaque-ports", "7000,abc"], {})).toThrow(
      'invalid value "7000,abc" for flag -default-opaque-ports: abc is not a port or port range; want a list such as "25,3306,4000-4010"',
    );
  });

  it("-route-status-settle is 10s by default", () => {
    expect(parseFlags([], {}).routeStatusSettleMs).toBe(10_000);
    expect(parseFlags(["-route-status-settle=0"], {}).routeStatusSettleMs).toBe(0);
  });

  it("documents every flag with its default", () => {
    const text = usage();
    expect(text).toContain("-metrics-addr string");
    expect(text).toContain('(default ":9995")');
    expect(text).toContain("-worker-threads int");
    expect(text).toContain("(default 2)");
  });
});

describe("duration flags (Go's time.ParseDuration, core's parseGoDuration)", () => {
  it.each([
    ["0", 0],
    ["500ms", 500],
    ["15s", 15_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1500],
    [".5s", 500],
    ["+2m", 120_000],
  ])("-resync-period %s = %d ms", (text, ms) => {
    expect(parseFlags([`-resync-period=${text}`], {}).resyncPeriodMs).toBe(ms);
  });
  it.each(["", "15", "s", "1x", "1s2", " 1s"])("rejects %j", (text) => {
    expect(() => parseFlags([`-resync-period=${text}`], {})).toThrow(FlagError);
  });
  it("rejects a negative duration, which Go parses but no period can be", () => {
    expect(() => parseFlags(["-resync-period=-1s"], {})).toThrow(
      'invalid value "-1s" for flag -resync-period: want a duration of 0 or more',
    );
  });
});
