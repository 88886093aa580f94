import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { packageRoot, repoRoot } from "./binaries.js";
import type { ControlPlane } from "./controlplane.js";
import { gatewayApiCrds, type GatewayApiChannel } from "./gateway-api.js";
import { expectOk } from "./http.js";

const run = promisify(execFile);

export const chartDir = join(repoRoot, "charts", "linkerd-smi");
export const serviceProfileCrdFile = join(packageRoot, "crds", "serviceprofiles.linkerd.io.yaml");

export interface Crd {
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
  return renderChartCrds(helm, ["templates/trafficsplit-crd.yaml"]);
}

/** CRD templates of our chart, rendered by the real helm. */
export async function renderChartCrds(
  helm: string,
  templates: readonly string[] = [
    "templates/trafficsplit-crd.yaml",
    "templates/httproutegroup-crd.yaml",
  ],
): Promise<Crd[]> {
  const { stdout } = await run(helm, [
    "template",
    "linkerd-smi",
    chartDir,
    ...templates.flatMap((t) => ["--show-only", t]),
  ]);
  return parseDocuments(stdout, `helm template ${chartDir}`);
}

export function serviceProfileCrd(): Crd[] {
  return parseDocuments(readFileSync(serviceProfileCrdFile, "utf8"), serviceProfileCrdFile);
}

/** Which CRDs {@link installCrds} installs. */
export interface InstallCrdsOptions {
  /** The Gateway API channel to install (default experimental, which has TCPRoute); false: none. */
  gatewayApi?: GatewayApiChannel | false;
}

/**
 * Installs the TrafficSplit and HTTPRouteGroup CRDs (from our chart), Linkerd's ServiceProfile
 * CRD and the Gateway API CRDs (from the `sigs.k8s.io/gateway-api` Go module) with server-side
 * apply, then waits until each is Established and every served version answers discovery.
 */
export async function installCrds(
  plane: ControlPlane,
  options: InstallCrdsOptions = {},
): Promise<string[]> {
  const channel = options.gatewayApi ?? "experimental";
  const crds: Crd[] = [
    ...(await renderChartCrds(plane.binaries.helm)),
    ...serviceProfileCrd(),
    ...(channel === false ? [] : await gatewayApiCrds(channel)),
  ];
  return establishCrds(plane, crds);
}

/** Applies CRDs and waits until each is Established and every served version is discovered. */
export async function establishCrds(plane: ControlPlane, crds: readonly Crd[]): Promise<string[]> {
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
