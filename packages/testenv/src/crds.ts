import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { packageRoot, repoRoot } from "./binaries.js";
import type { ControlPlane } from "./controlplane.js";
import { expectOk } from "./http.js";

const run = promisify(execFile);

export const chartDir = join(repoRoot, "charts", "linkerd-smi");
export const serviceProfileCrdFile = join(packageRoot, "crds", "serviceprofiles.linkerd.io.yaml");

interface Crd {
  metadata: { name: string };
  spec: { group: string; versions: { name: string; served: boolean }[] };
}

function parseDocuments(text: string, source: string): Crd[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`${source}: ${doc.errors[0]?.message ?? "bad YAML"}`);
      return doc.toJS() as unknown;
    })
    .filter((value): value is Crd => typeof value === "object" && value !== null);
}

/** The TrafficSplit CRD exactly as our chart renders it, through the real helm. */
export async function renderTrafficSplitCrd(helm: string): Promise<Crd[]> {
  const { stdout } = await run(helm, [
    "template",
    "linkerd-smi",
    chartDir,
    "--show-only",
    "templates/trafficsplit-crd.yaml",
  ]);
  return parseDocuments(stdout, `helm template ${chartDir}`);
}

export function serviceProfileCrd(): Crd[] {
  return parseDocuments(readFileSync(serviceProfileCrdFile, "utf8"), serviceProfileCrdFile);
}

/**
 * Installs the TrafficSplit CRD (from our chart) and Linkerd's ServiceProfile
 * CRD with server-side apply, then waits until each is Established and every
 * served version answers discovery.
 */
export async function installCrds(plane: ControlPlane): Promise<string[]> {
  const crds = [...(await renderTrafficSplitCrd(plane.binaries.helm)), ...serviceProfileCrd()];
  const admin = plane.admin();
  for (const crd of crds) {
    expectOk(
      await admin.apply(
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
        crd,
      ),
      `install CRD ${crd.metadata.name}`,
    );
  }
  const deadline = Date.now() + 30_000;
  for (const crd of crds) {
    for (;;) {
      const res = await admin.get(
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      );
      const conditions = (
        res.body as { status?: { conditions?: { type: string; status: string }[] } }
      ).status?.conditions;
      const established = conditions?.some((c) => c.type === "Established" && c.status === "True");
      const discovered = await Promise.all(
        crd.spec.versions
          .filter((v) => v.served)
          .map(async (v) => (await admin.get(`/apis/${crd.spec.group}/${v.name}`)).status === 200),
      );
      if (established === true && discovered.every(Boolean)) break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${crd.metadata.name} was not established within 30s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return crds.map((crd) => crd.metadata.name);
}
