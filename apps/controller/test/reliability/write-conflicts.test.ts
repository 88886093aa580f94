import { expectOk } from "@linkerd-smi/testenv";
import { afterAll, describe, expect, it } from "vitest";
import { SplitFleet, metricFrom, until } from "../chaos.js";
import { admin, createNamespace, deleteNamespace, fqdn, paths, runAdaptor } from "../harness.js";
import { interleaveProfileWrites } from "../interleave.js";

const namespaces: string[] = [];
afterAll(async () => {
  await Promise.all(namespaces.map(deleteNamespace));
});

interface Route {
  name: string;
  condition: { method: string; pathRegex: string };
  timeout: string;
}

describe("another writer on the same ServiceProfiles", () => {
  it("retries through write conflicts and ends with the split's dstOverrides and the other writers' fields", async () => {
    const adaptor = await runAdaptor({ logLevel: "info" });
    try {
      const ns = await createNamespace("contended");
      namespaces.push(ns);
      const fleet = new SplitFleet(() => admin, ns, 4, "web");
      await fleet.createServices();
      await fleet.createSplits(() => [1, 1]);
      let last: string[] = [];
      const converged = async () => {
        last = await fleet.mismatches();
        return last.length === 0 ? true : undefined;
      };
      await until("the first profiles", converged, 20_000, () => last.join("; "));
      const metric = async (series: string) =>
        metricFrom((await adaptor.admin.inject("/metrics")).body, series) ?? 0;
      const profilePath = (apex: string) => paths.profile(ns, fqdn(apex, ns));
      const conflictsSince = (logsBefore: number) =>
        adaptor.logs
          .slice(logsBefore)
          .filter((l) => l.includes("error syncing") && /\b409\b|Conflict/.test(l)).length;

      // First, conflicts on purpose: before the adaptor's next write to each profile, another
      // client changes that profile (see interleave.ts), so the write meets a 409.
      const interleaver = await interleaveProfileWrites(admin, ns);
      try {
        await interleaver.ready(fqdn(fleet.apexes[0] ?? "", ns));
        const errorsBefore = await metric('smi_adaptor_reconciles_total{result="error"}');
        const retriesBefore = await metric("smi_adaptor_workqueue_retries_total");
        const logsBefore = adaptor.logs.length;
        for (const apex of fleet.apexes) await fleet.setWeights(apex, [3, 1]);
        await until("every profile to converge through the conflicts", converged, 30_000, () =>
          last.join("; "),
        );
        const conflicts = conflictsSince(logsBefore);
        console.log(
          `interleaved writes on ${interleaver.interleaved.length} profiles: the adaptor logged ${conflicts} write conflicts, ` +
            `${(await metric("smi_adaptor_workqueue_retries_total")) - retriesBefore} retries`,
        );
        expect([...interleaver.interleaved].sort()).toEqual(
          fleet.apexes.map((apex) => `${ns}/${fqdn(apex, ns)}`).sort(),
        );
        // Each profile's first write met a 409, and the adaptor retried it...
        expect(conflicts).toBeGreaterThanOrEqual(fleet.apexes.length);
        expect(
          (await metric('smi_adaptor_reconciles_total{result="error"}')) - errorsBefore,
        ).toBeGreaterThanOrEqual(fleet.apexes.length);
        expect(
          (await metric("smi_adaptor_workqueue_retries_total")) - retriesBefore,
        ).toBeGreaterThanOrEqual(fleet.apexes.length);
        // ...to the split's weights, without undoing the other client's change.
        for (const apex of fleet.apexes) {
          const profile = expectOk(await admin.get(profilePath(apex)), "get profile").body as {
            metadata: { labels?: Record<string, string> };
          };
          expect(profile.metadata.labels?.interleaved, apex).toMatch(/^[1-4]$/);
        }
      } finally {
        await interleaver.close();
      }

      // Then, contention by chance from several writers at once: whatever conflicts it meets,
      // the adaptor ends with the split's dstOverrides and everyone else's fields intact.
      const logsBefore = adaptor.logs.length;
      const random = (n: number) => Math.floor(Math.random() * n);
      const pick = () => fleet.apexes[random(fleet.apexes.length)] ?? "";
      let stop = false;
      const counts = { weights: 0, routes: 0, rollouts: 0, edits: 0 };
      const lastRoutes = new Map<string, Route[]>();
      const lastLabel = new Map<string, string>();

      // The test's own weight changes, as Flagger would make them.
      const weights = async () => {
        while (!stop) {
          await fleet.setWeights(pick(), [random(100), random(100)]);
          counts.weights++;
        }
      };
      // A tool that owns the routes and retry budget (server-side apply, its own field manager).
      const routes = async () => {
        while (!stop) {
          const apex = pick();
          const n = counts.routes++;
          const mine: Route[] = [
            {
              name: `GET /api/v${n}`,
              condition: { method: "GET", pathRegex: `/api/v${n}` },
              timeout: `${100 + n}ms`,
            },
          ];
          const res = await admin.apply(
            profilePath(apex),
            {
              apiVersion: "linkerd.io/v1alpha2",
              kind: "ServiceProfile",
              metadata: { name: fqdn(apex, ns), namespace: ns },
              spec: {
                routes: mine,
                retryBudget: { retryRatio: 0.2, minRetriesPerSecond: n, ttl: "10s" },
              },
            },
            "route-tool",
          );
          expectOk(res, "apply routes");
          lastRoutes.set(apex, mine);
        }
      };
      // Another controller that forces its own dstOverrides in (server-side apply).
      const rollouts = async () => {
        while (!stop) {
          const apex = pick();
          counts.rollouts++;
          expectOk(
            await admin.apply(
              profilePath(apex),
              {
                apiVersion: "linkerd.io/v1alpha2",
                kind: "ServiceProfile",
                metadata: { name: fqdn(apex, ns), namespace: ns },
                spec: { dstOverrides: [{ authority: fqdn(`${apex}-canary`, ns), weight: "1" }] },
              },
              "rollout-tool",
            ),
            "apply competing dstOverrides",
          );
        }
      };
      // Someone with kubectl edit: dstOverrides and a label (merge patch).
      const edits = async () => {
        while (!stop) {
          const apex = pick();
          const n = String(counts.edits++);
          expectOk(
            await admin.request("PATCH", `${profilePath(apex)}?fieldManager=kubectl-edit`, {
              body: {
                metadata: { labels: { edited: n } },
                spec: { dstOverrides: [{ authority: fqdn(`${apex}-v1`, ns), weight: n }] },
              },
              contentType: "application/merge-patch+json",
            }),
            "hand edit",
          );
          lastLabel.set(apex, n);
        }
      };
      const writers = Promise.all([weights(), routes(), rollouts(), edits()]);
      try {
        await until(
          "enough contention",
          () =>
            Promise.resolve(
              counts.weights >= 80 && counts.routes >= 80 && counts.edits >= 80 ? true : undefined,
            ),
          40_000,
        );
      } finally {
        stop = true;
        await writers;
      }
      const stoppedAt = Date.now();
      await until("every profile to converge", converged, 30_000, () => last.join("; "));
      console.log(
        `writers: ${JSON.stringify(counts)}; adaptor: ${conflictsSince(logsBefore)} write conflicts; ` +
          `converged ${Date.now() - stoppedAt} ms after the writers stopped`,
      );
      // It ends with the split's dstOverrides, everyone else's fields intact.
      expect(await fleet.mismatches()).toEqual([]);
      for (const apex of fleet.apexes) {
        const profile = expectOk(await admin.get(profilePath(apex)), "get profile").body as {
          metadata: { labels?: Record<string, string> };
          spec: { routes?: Route[]; retryBudget?: unknown };
        };
        if (lastRoutes.has(apex)) {
          expect(profile.spec.routes).toEqual(lastRoutes.get(apex));
          expect(profile.spec.retryBudget).toBeDefined();
        }
        if (lastLabel.has(apex)) expect(profile.metadata.labels?.edited).toBe(lastLabel.get(apex));
      }
    } finally {
      await adaptor.stop();
    }
  }, 120_000);
});
