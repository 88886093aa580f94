import { describe, expect, it } from "vitest";
import { CliError } from "../errors.js";
import { splitName, stat, type StatOptions } from "./stat.js";

const io = { out: () => undefined, err: () => undefined, env: {} };
const noCluster = () => {
  throw new Error("validation must fail before the cluster is asked");
};
const run = (over: Partial<StatOptions>) =>
  stat({ allNamespaces: false, window: "1m", output: "table", ...over }, noCluster, io);

describe("stat's flags", () => {
  it("are checked before anything is asked, with usage exit code 2", async () => {
    const cases: [Partial<StatOptions>, string][] = [
      [{ output: "yaml" }, '--output must be one of: table, wide, json (got "yaml")'],
      [
        { allNamespaces: true, namespace: "a" },
        "--namespace and --all-namespaces cannot be used together",
      ],
      [
        { allNamespaces: true, split: "s" },
        "a split name needs a namespace: use -n NAMESPACE instead of -A",
      ],
      [
        { window: "1x" },
        '--time-window: "1x" is not a time window: use a duration such as 30s, 1m or 1h30m',
      ],
      [
        { prometheusUrl: "prometheus:9090" },
        '--prometheus-url: "prometheus:9090" is not an http(s) URL; use e.g. http://127.0.0.1:9090',
      ],
      [
        { split: "deploy/web" },
        '"deploy/web" is not a TrafficSplit: give its name, or ts/NAME (other kinds have no splits)',
      ],
    ];
    for (const [options, message] of cases) {
      const error = await run(options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).message).toBe(message);
      expect((error as CliError).exitCode).toBe(2);
    }
  });

  it("takes a split as NAME or ts/NAME", () => {
    expect(splitName("backend-split")).toBe("backend-split");
    expect(splitName("ts/backend-split")).toBe("backend-split");
    expect(splitName("trafficsplit/backend-split")).toBe("backend-split");
    expect(splitName("trafficsplits.split.smi-spec.io/x")).toBe("x");
  });
});
