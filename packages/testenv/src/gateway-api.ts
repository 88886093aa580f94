import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { readVersions } from "./binaries.js";

const run = promisify(execFile);

/** The two release channels of the Gateway API CRDs. */
export type GatewayApiChannel = "standard" | "experimental";

export interface CrdDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { group: string; versions: { name: string; served: boolean }[] };
}

/**
 * The directory of `sigs.k8s.io/gateway-api` at the pinned version (`versions.json`
 * `gatewayApi`), fetched through the Go module proxy (`go mod download`, cached by Go).
 */
export async function gatewayApiModuleDir(version = readVersions().gatewayApi): Promise<string> {
  const { stdout } = await run(
    "go",
    ["mod", "download", "-json", `sigs.k8s.io/gateway-api@${version}`],
    {
      env: { ...process.env, GOFLAGS: "" },
      maxBuffer: 1 << 20,
    },
  ).catch((error: unknown) => {
    throw new Error(
      `could not fetch sigs.k8s.io/gateway-api@${version} from the Go module proxy (is Go installed?): ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (info.Dir === undefined) throw new Error(`go mod download: ${info.Error ?? "no Dir"}`);
  return info.Dir;
}

/** The Gateway API CRDs of one channel, as published in the module's `config/crd/<channel>`. */
export async function gatewayApiCrds(
  channel: GatewayApiChannel = "experimental",
): Promise<CrdDocument[]> {
  const dir = join(await gatewayApiModuleDir(), "config", "crd", channel);
  return readdirSync(dir)
    .filter((f) => f.startsWith("gateway.networking.k8s.io_") && f.endsWith(".yaml"))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), "utf8"))
        .map((doc) => doc.toJS() as unknown)
        .filter(
          (d): d is CrdDocument =>
            typeof d === "object" &&
            d !== null &&
            (d as CrdDocument).kind === "CustomResourceDefinition",
        ),
    );
}
