import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DIAGNOSTIC_CODES,
  desiredServiceProfile,
  parseTrafficSplit,
  type DiagnosticCode,
} from "@linkerd-smi/core";
import { expectOk } from "@linkerd-smi/testenv";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedOverrides, mapLimit, spawnAdaptor, until } from "../chaos.js";
import {
  adaptorKubeconfig,
  admin,
  applySplit,
  createNamespace,
  deleteNamespace,
  getProfile,
  listEvents,
  paths,
  type Profile,
} from "../harness.js";

const corpusDir = fileURLToPath(new URL("./corpus/", import.meta.url));
// The CLI is a devDependency, so turbo's `^build` builds it before these tests run.
const cli = join(
  dirname(createRequire(import.meta.url).resolve("@linkerd-smi/cli/package.json")),
  "dist/bin/linkerd-smi.js",
);

/** What should happen to one document of the corpus. */
type Case = { cli: "valid" | "invalid" } & (
  | { apiserver: "rejects" }
  | {
      apiserver: "accepts";
      /** Diagnostic codes the adaptor's parser finds in the object as stored (after pruning). */
      codes: DiagnosticCode[];
      /**
       * InvalidSpec: the Warning Event and fragments of its message. A `twin`
       * (the same split, valid) is applied first: its profile must not change.
       */
      adaptor:
        | { reason: "InvalidSpec"; fragments: string[]; twin: boolean }
        | {
            reason: "Created" | "WeightsScaled";
            fragments: string[];
            /** The weights written, by hand, where the oracle's simple rule does not cover them. */
            weights?: string[];
          };
    }
);

const invalid = (fragments: string[], codes: DiagnosticCode[], twin = false): Case => ({
  apiserver: "accepts",
  cli: "invalid",
  codes,
  adaptor: { reason: "InvalidSpec", fragments, twin },
});

const CASES: Record<string, Case> = {
  "missing-spec.yaml": invalid(["error[missing-field] spec:"], ["missing-field"]),
  "blank-service.yaml": invalid(["error[missing-field] spec.service:"], ["missing-field"]),
  "invalid-service-name.yaml": invalid(["error[invalid-name] spec.service:"], ["invalid-name"]),
  "unicode-names.yaml": invalid(
    ["error[invalid-name] spec.service:", "error[invalid-name] spec.backends[0].service:"],
    ["invalid-name"],
  ),
  "control-characters.yaml": invalid(
    ["error[invalid-name] spec.service:", "error[invalid-name] spec.backends[0].service:"],
    ["invalid-name"],
  ),
  "long-service-name.yaml": invalid(["error[invalid-name] spec.service:"], ["invalid-name"]),
  "very-long-service-name.yaml": invalid(["error[invalid-name] spec.service:"], ["invalid-name"]),
  "missing-backend-service.yaml": invalid(
    ["error[missing-field] spec.backends[1].service:"],
    ["missing-field"],
    true,
  ),
  "invalid-backend-name.yaml": invalid(
    ["error[invalid-name] spec.backends[1].service:"],
    ["invalid-name"],
    true,
  ),
  "no-backends.yaml": invalid(["error[no-backends] spec.backends:"], ["no-backends"], true),
  "invalid-weight.yaml": invalid(
    [
      "error[invalid-weight] spec.backends[0].weight:",
      "error[invalid-weight] spec.backends[1].weight:",
    ],
    ["invalid-weight"],
    true,
  ),
  "negative-weight.yaml": invalid(
    ["error[negative-weight] spec.backends[0].weight:"],
    ["negative-weight"],
    true,
  ),
  "sub-milli-weight.yaml": invalid(
    ["error[sub-milli-weight] spec.backends[1].weight:"],
    ["sub-milli-weight"],
    true,
  ),
  "too-many-backends.yaml": invalid(
    ["error[too-many-backends] spec.backends: spec.backends has 10001 entries"],
    ["too-many-backends"],
    true,
  ),
  "many-invalid-weights.yaml": invalid(
    [
      // The Event lists what fits in Kubernetes' 1024 bytes (it listed all 100 errors), and
      // how many more there are; linkerd smi status and validate list them all.
      "error[invalid-weight] spec.backends[0].weight:",
      "more (linkerd smi status lists them all). ServiceProfile",
    ],
    ["invalid-weight", "diagnostics-truncated"],
    true,
  ),
  "duplicate-backend.yaml": {
    apiserver: "accepts",
    cli: "valid",
    codes: ["duplicate-backend"],
    adaptor: { reason: "Created", fragments: [] },
  },
  "weight-whitespace.yaml": {
    apiserver: "accepts",
    cli: "valid",
    codes: ["weight-whitespace"],
    adaptor: { reason: "Created", fragments: ["=750m"] },
  },
  "all-weights-zero.yaml": {
    apiserver: "accepts",
    cli: "valid",
    codes: ["all-weights-zero"],
    adaptor: { reason: "Created", fragments: ["All weights are zero"] },
  },
  "weight-overflow.yaml": {
    apiserver: "accepts",
    cli: "valid",
    codes: ["weight-overflow-scaled"],
    // 9000000:1000000 is 9:1, scaled exactly by floor(429496729 / 10) = 42949672.
    adaptor: {
      reason: "WeightsScaled",
      fragments: ["scaled down in proportion"],
      weights: ["386547048m", "42949672m"],
    },
  },
  "huge-1000-backends.yaml": {
    apiserver: "accepts",
    cli: "valid",
    codes: [],
    // The Created Event names the first backends and how many more (1024 bytes at most).
    adaptor: { reason: "Created", fragments: ["with dstOverrides huge-0000.", " more."] },
  },
  "long-split-name.yaml": {
    apiserver: "accepts",
    cli: "valid",
    codes: [],
    adaptor: { reason: "Created", fragments: [] },
  },
  // Pruned by the apiserver: the adaptor sees a valid split, the file is not.
  "nested-unknown-fields.yaml": {
    apiserver: "accepts",
    cli: "invalid",
    codes: [],
    adaptor: { reason: "Created", fragments: [] },
  },
  // Kept by the CRD in every version: valid, with warnings.
  "matches-in-v1alpha2.yaml": {
    apiserver: "accepts",
    cli: "valid",
    codes: ["matches-ignored", "matches-version"],
    adaptor: { reason: "Created", fragments: [] },
  },
  "v1alpha3-served.yaml": {
    apiserver: "accepts",
    cli: "valid",
    codes: [],
    adaptor: { reason: "Created", fragments: [] },
  },
  // Rejected by the apiserver (the CRD's schema or served versions): only the CLI sees them.
  "unsupported-version.yaml": { apiserver: "rejects", cli: "invalid" },
  "wrong-kind.yaml": { apiserver: "rejects", cli: "invalid" },
  "service-not-a-string.yaml": { apiserver: "rejects", cli: "invalid" },
  "null-backend.yaml": { apiserver: "rejects", cli: "invalid" },
};

/** Codes no TrafficSplit the apiserver accepts can produce, and why. */
const UNREACHABLE: Partial<Record<DiagnosticCode, string>> = {
  "not-an-object": "the apiserver only stores objects",
  "invalid-type": "the CRD schema types every field (service-not-a-string, null-backend: 422)",
  "unknown-field": "the CRD preserves no unknown field: they are pruned (nested-unknown-fields)",
  "unsupported-version": "the URL decides the version; unserved ones are 404 (unsupported-version)",
  "wrong-kind": "the apiserver rejects a body of another kind (wrong-kind: 400)",
  "invalid-cluster-domain": "about the -cluster-domain flag, never a split",
  "internal-error": "only for exotic in-memory objects (proxies, throwing getters)",
};

/** The documents too large to keep in the repository, written at run time. */
function generateLarge(dir: string): void {
  const split = (name: string, spec: unknown, version = "v1alpha2") =>
    stringify({
      apiVersion: `split.smi-spec.io/${version}`,
      kind: "TrafficSplit",
      metadata: { name },
      spec,
    });
  const backends = (n: number, prefix: string, weight: number | string) =>
    Array.from({ length: n }, (_, i) => ({
      service: `${prefix}-${String(i).padStart(4, "0")}`,
      weight,
    }));
  writeFileSync(
    join(dir, "huge-1000-backends.yaml"),
    `# 1,000 backends: valid, written as 1,000 dstOverrides.\n${split("huge-1000-backends", {
      service: "huge",
      backends: backends(1000, "huge", 1),
    })}`,
  );
  writeFileSync(
    join(dir, "too-many-backends.yaml"),
    `# too-many-backends: 10,001 backends, one more than the parser takes.\n${split(
      "too-many-backends",
      {
        service: "too-many-backends",
        backends: backends(10_001, "b", 1),
      },
    )}`,
  );
  writeFileSync(
    join(dir, "many-invalid-weights.yaml"),
    `# diagnostics-truncated: 150 invalid weights, more problems than are reported.\n${split(
      "many-invalid-weights",
      { service: "many-invalid-weights", backends: backends(150, "w", "heavy") },
      "v1alpha1",
    )}`,
  );
  writeFileSync(
    join(dir, "very-long-service-name.yaml"),
    `# invalid-name: a 100,000-character apex Service name.\n${split("very-long-service-name", {
      service: "s".repeat(100_000),
      backends: [{ service: "web-v1", weight: 1 }],
    })}`,
  );
}

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: { service?: unknown };
}

const namespaces: string[] = [];
const generatedDir = mkdtempSync(join(tmpdir(), "linkerd-smi-corpus-"));
beforeAll(() => {
  generateLarge(generatedDir);
});
afterAll(async () => {
  rmSync(generatedDir, { recursive: true, force: true });
  await Promise.all(namespaces.map(deleteNamespace));
});

describe("a corpus of broken TrafficSplits", () => {
  it("covers every diagnostic code the CRD lets through, and every file is classified", () => {
    const files = [...readdirSync(corpusDir), ...readdirSync(generatedDir)].sort();
    expect(files).toEqual(Object.keys(CASES).sort());
    const reached = new Set(
      Object.values(CASES).flatMap((c) => (c.apiserver === "accepts" ? c.codes : [])),
    );
    const missing = DIAGNOSTIC_CODES.filter((code) => !reached.has(code) && !(code in UNREACHABLE));
    expect(missing).toEqual([]);
  });

  it("gets each accepted document its Event, never changes a good profile, and never crashes the adaptor", async () => {
    const ns = await createNamespace("corpus");
    namespaces.push(ns);
    const docs = new Map<string, Doc>();
    for (const [dir, names] of [
      [corpusDir, readdirSync(corpusDir)],
      [generatedDir, readdirSync(generatedDir)],
    ] as const)
      for (const file of names) docs.set(file, parse(readFileSync(join(dir, file), "utf8")) as Doc);
    const adaptor = await spawnAdaptor(await adaptorKubeconfig(), ["-log-level=info"]);
    try {
      await adaptor.waitReady();
      const pid = adaptor.pid;
      const profileName = (apex: string) => `${apex}.${ns}.svc.cluster.local`;
      // A good version of a split, in the apiVersion its broken version uses.
      const good = (name: string, service: string, apiVersion = "split.smi-spec.io/v1alpha2") => ({
        apiVersion,
        metadata: { name },
        spec: {
          service,
          backends: [
            { service: `${service}-v1`, weight: 1 },
            { service: `${service}-v2`, weight: 1 },
          ],
        },
      });
      // Good profiles that must come through untouched: a bystander, and the
      // last good state of each split that is about to be broken.
      const keep = new Map<string, Profile>();
      const twins = Object.entries(CASES).flatMap(([file, c]) =>
        c.apiserver === "accepts" && c.adaptor.reason === "InvalidSpec" && c.adaptor.twin
          ? [docs.get(file) as Doc]
          : [],
      );
      await applySplit(ns, good("bystander", "bystander"));
      for (const doc of twins)
        await applySplit(ns, good(doc.metadata.name, String(doc.spec?.service), doc.apiVersion));
      for (const apex of ["bystander", ...twins.map((d) => String(d.spec?.service))]) {
        const name = profileName(apex);
        keep.set(
          name,
          await until(
            `the good profile ${name}`,
            async () => {
              const profile = await getProfile(ns, name);
              return profile?.spec.dstOverrides?.length === 2 ? profile : undefined;
            },
            20_000,
          ),
        );
      }

      // Create each document, or replace the split of the same name, as
      // kubectl create / kubectl replace would. (Server-side apply refuses
      // unknown fields instead of pruning them: HTTP 500 "field not declared
      // in schema".)
      const statuses = new Map<string, number>();
      await mapLimit([...docs], 4, async ([file, doc]) => {
        const version = doc.apiVersion.split("/")[1] ?? "";
        const body = { ...doc, metadata: { ...doc.metadata, namespace: ns } };
        let res = await admin.post(paths.splits(ns, version), body);
        if (res.status === 409) {
          const current = expectOk(await admin.get(paths.split(ns, doc.metadata.name)), file)
            .body as { metadata: { resourceVersion: string } };
          res = await admin.request("PUT", paths.split(ns, doc.metadata.name, version), {
            body: {
              ...body,
              metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion },
            },
          });
        }
        statuses.set(file, res.status);
      });
      for (const [file, c] of Object.entries(CASES)) {
        const status = statuses.get(file) ?? 0;
        if (c.apiserver === "accepts") expect(status, file).toBeLessThan(300);
        else expect(status, file).toBeGreaterThanOrEqual(400);
      }

      // Each accepted document gets its Event (and a valid one its profile).
      const accepted = Object.entries(CASES).flatMap(([file, c]) =>
        c.apiserver === "accepts" ? [{ file, c, doc: docs.get(file) as Doc }] : [],
      );
      let pending: string[] = [];
      await until(
        "every accepted document's Event and profile",
        async () => {
          const events = await listEvents(ns);
          pending = [];
          for (const { file, c, doc } of accepted) {
            const event = events.find(
              (e) =>
                e.involvedObject.name === doc.metadata.name &&
                e.reason === c.adaptor.reason &&
                c.adaptor.fragments.every((f) => e.message.includes(f)),
            );
            if (event === undefined) {
              pending.push(
                `${file}: no ${c.adaptor.reason} event with ${JSON.stringify(c.adaptor.fragments)}`,
              );
              continue;
            }
            expect(event.type, file).toBe(c.adaptor.reason === "Created" ? "Normal" : "Warning");
            if (c.adaptor.reason === "InvalidSpec") continue;
            const stored = expectOk(
              await admin.get(paths.split(ns, doc.metadata.name)),
              `get ${file}`,
            ).body;
            const profile = await getProfile(ns, profileName(String(doc.spec?.service)));
            const { weights } = c.adaptor;
            const want =
              weights === undefined
                ? expectedOverrides(stored, ns)
                : expectedOverrides(stored, ns, weights);
            if (JSON.stringify(profile?.spec.dstOverrides) !== JSON.stringify(want))
              pending.push(`${file}: profile not written yet`);
          }
          return pending.length === 0 ? true : undefined;
        },
        60_000,
        () => pending.join("; "),
        250,
      );

      // What the adaptor saw is what the parser says about the stored object.
      for (const { file, c, doc } of accepted) {
        const stored = expectOk(await admin.get(paths.split(ns, doc.metadata.name)), file).body;
        const parsed = parseTrafficSplit(stored);
        const codes = new Set(parsed.diagnostics.map((d) => d.code));
        if (parsed.ok)
          for (const d of desiredServiceProfile(parsed.split, { namespace: ns }).diagnostics)
            codes.add(d.code);
        expect([file, [...codes].sort()]).toEqual([file, [...c.codes].sort()]);
      }
      // The apiserver pruned every unknown field; only metadata reached the adaptor.
      const nested = expectOk(await admin.get(paths.split(ns, "nested-unknown-fields")), "nested")
        .body as Record<string, unknown> & {
        metadata: { annotations?: Record<string, string> };
        spec: Record<string, unknown> & { backends: Record<string, unknown>[] };
      };
      expect(Object.keys(nested).sort()).toEqual(["apiVersion", "kind", "metadata", "spec"]);
      expect(Object.keys(nested.spec).sort()).toEqual(["backends", "service"]);
      for (const b of nested.spec.backends)
        expect(Object.keys(b).sort()).toEqual(["service", "weight"]);
      expect(nested.metadata.annotations?.["example.com/config"]).toContain('"g":"h"');
      console.log(
        "nested-unknown-fields: the apiserver pruned extra, status, spec.trafficPolicy and the backends' labels and port; " +
          "only metadata (an annotation holding nested JSON) reached the adaptor, which reads no metadata beyond name and namespace",
      );

      // No good profile changed, and no other profile appeared.
      for (const [name, before] of keep) {
        const after = await getProfile(ns, name);
        expect(after?.metadata.resourceVersion, name).toBe(before.metadata.resourceVersion);
        expect(after?.spec.dstOverrides, name).toEqual(before.spec.dstOverrides);
      }
      const written = new Set([
        ...keep.keys(),
        ...accepted.flatMap(({ c, doc }) =>
          c.adaptor.reason === "InvalidSpec" ? [] : [profileName(String(doc.spec?.service))],
        ),
      ]);
      const profiles = (
        expectOk(await admin.get(paths.profiles(ns)), "list profiles").body as {
          items: Profile[];
        }
      ).items.map((p) => p.metadata.name);
      expect(profiles.sort()).toEqual([...written].sort());

      // The adaptor is the same process, alive and ready.
      expect(adaptor.running()).toBe(true);
      expect(adaptor.pid).toBe(pid);
      expect((await adaptor.get("/live")).status).toBe(200);
      expect((await adaptor.get("/ready")).status).toBe(200);
      const invalidCount = accepted.filter(({ c }) => c.adaptor.reason === "InvalidSpec").length;
      expect(
        await adaptor.metric('smi_adaptor_reconciles_total{result="invalid"}'),
      ).toBeGreaterThanOrEqual(invalidCount);
    } finally {
      adaptor.kill("SIGKILL");
    }
  }, 120_000);

  it("is reported by linkerd smi validate, every invalid document with exit 1", async () => {
    // A missing build or a CLI that crashes is a failure, not a reason to skip.
    expect(
      existsSync(cli),
      `${cli} is not built (pnpm turbo run build --filter @linkerd-smi/cli)`,
    ).toBe(true);
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [cli, "validate", "-f", corpusDir, "-f", generatedDir, "-o", "json"],
        { maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
      ),
    );
    let report: { trafficSplits: { file: string; valid: boolean }[] } | undefined;
    try {
      report = JSON.parse(result.stdout) as typeof report;
    } catch {
      report = undefined;
    }
    expect(
      report,
      `linkerd smi validate printed no JSON report (exit ${result.code}):\n${result.stderr.slice(0, 2000)}`,
    ).toBeDefined();
    if (report === undefined) return;
    expect(result.code).toBe(1);
    const verdicts = Object.fromEntries(
      report.trafficSplits.map((s) => [basename(s.file), s.valid ? "valid" : "invalid"]),
    );
    const expected = Object.fromEntries(Object.entries(CASES).map(([file, c]) => [file, c.cli]));
    expect(verdicts).toEqual(expected);
  }, 60_000);
});
