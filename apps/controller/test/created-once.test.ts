/**
 * One info log line per write naming what was written, then "Successfully synced" with the
 * split's namespace/name, as linkerd-smi v0.2.7 logs it: a reconcile that created a ServiceProfile or an HTTPRoute
 * once carried result "created" on both lines, and in httproute mode named a ServiceProfile that
 * does not exist.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  applySplit,
  createNamespace,
  deleteNamespace,
  eventually,
  runAdaptor,
  type RunningAdaptor,
} from "./harness.js";
import { splitManifest } from "./fixtures.js";

const namespaces: string[] = [];
const running: RunningAdaptor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  await Promise.all(namespaces.map(deleteNamespace));
});

interface Line {
  level: string;
  msg: string;
  key?: string;
  result?: string;
}
const lines = (adaptor: RunningAdaptor): Line[] => adaptor.logs.map((l) => JSON.parse(l) as Line);

describe("the adaptor's log", () => {
  it.each([
    [
      "serviceprofile",
      (ns: string) =>
        `created serviceprofile/web.${ns}.svc.cluster.local for trafficsplit/web-split`,
    ],
    ["httproute", () => "created httproute/web-smi-8080 for trafficsplit/web-split"],
  ] as const)("says once, at info, what a %s reconcile created", async (target, expected) => {
    const ns = await createNamespace(`created-once-${target}`, ["web", "web-v1", "web-v2"]);
    namespaces.push(ns);
    const adaptor = await runAdaptor({ resyncPeriodMs: 0, target });
    running.push(adaptor);
    await applySplit(
      ns,
      splitManifest("web-split", "web", [
        ["web-v1", 900],
        ["web-v2", 100],
      ]),
    );
    const key = `${ns}/web`;
    // The informer brings our own write back and the apex is reconciled again, unchanged: by
    // then every line about the write has been logged.
    await eventually("the reconcile after the write", () =>
      Promise.resolve(lines(adaptor).find((l) => l.key === key && l.result === "unchanged")),
    );
    const info = lines(adaptor).filter((l) => l.key === key && l.level !== "debug");
    // What was written, once, then the split as linkerd-smi v0.2.7 logs it (the seeds'
    // walkthrough shows both lines).
    expect(info.map((l) => [l.level, l.msg, l.result])).toEqual([
      ["info", expected(ns), "created"],
      ["info", `Successfully synced '${ns}/web-split'`, undefined],
    ]);
  });
});
