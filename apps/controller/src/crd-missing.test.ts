import { KubeError } from "@linkerd-smi/kube";
import { describe, expect, it } from "vitest";
import { reportMissingCrd } from "./crd-missing.js";
import { createLogger } from "./logger.js";

const notFound = () =>
  new KubeError({
    status: 404,
    message: "the server could not find the requested resource",
    context: { verb: "list", resource: "serviceprofiles.linkerd.io" },
  });

describe("reportMissingCrd", () => {
  it("logs once per outage, on one line, and not for other errors", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "info",
      format: "text",
      write: (l) => lines.push(l),
      now: () => new Date("2026-12-04T00:00:00Z"),
    });
    let watches = 0;
    const report = reportMissingCrd(log, "serviceprofiles", () => watches);
    report(notFound());
    report(notFound());
    report(new Error("connection refused"));
    expect(lines).toEqual([
      'time="2026-12-04T00:00:00.000Z" level=error msg="the ServiceProfile CRD serviceprofiles.linkerd.io is not installed; install Linkerd\'s CRDs with `linkerd install --crds | kubectl apply -f -`; the adaptor is not ready until it is" resource=serviceprofiles\n',
    ]);
    // Served again (a watch opened), then gone again: said again.
    watches = 1;
    report(notFound());
    expect(lines).toHaveLength(2);
  });
});
