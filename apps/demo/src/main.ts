#!/usr/bin/env node
/**
 * The README's quick start: a real local control plane, the adaptor running
 * against it, and the backend-split sample from Linkerd's SMI guide, ending
 * with the ServiceProfile printed the way `kubectl describe` shows it.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseAllDocuments } from "yaml";
import { startAdaptor } from "@linkerd-smi/controller";
import { expectOk, startEnvironment, type KubeHttp } from "@linkerd-smi/testenv";
import { describeObject, type DescribedEvent } from "./describe.js";

const NAMESPACE = "trafficsplit-sample";
/** The guide's sample as the README has users apply it: namespace, Services, TrafficSplit. */
export const SAMPLE_FILE = new URL("../../../examples/backend-split.yaml", import.meta.url);

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** The REST path `kubectl apply` writes each of the sample's kinds to. */
export function pathOf(m: Manifest): string {
  const ns = m.metadata.namespace ?? "";
  switch (`${m.apiVersion}/${m.kind}`) {
    case "v1/Namespace":
      return `/api/v1/namespaces/${m.metadata.name}`;
    case "v1/Service":
      return `/api/v1/namespaces/${ns}/services/${m.metadata.name}`;
    case "split.smi-spec.io/v1alpha2/TrafficSplit":
      return `/apis/split.smi-spec.io/v1alpha2/namespaces/${ns}/trafficsplits/${m.metadata.name}`;
    default:
      throw new Error(`the demo does not apply ${m.apiVersion} ${m.kind} ${m.metadata.name}`);
  }
}

export function readSample(): Manifest[] {
  return parseAllDocuments(readFileSync(SAMPLE_FILE, "utf8")).map((d) => d.toJSON() as Manifest);
}
const PROFILE = `backend-svc.${NAMESPACE}.svc.cluster.local`;

const usage = `Usage: pnpm demo [-- --exit-after-sync] [--log-format json|text]

Starts etcd and kube-apiserver on loopback (built from the Go module proxy on
first use), installs the TrafficSplit and ServiceProfile CRDs, runs the
smi-adaptor against them, applies the backend-split sample from Linkerd's SMI
guide and prints the ServiceProfile the adaptor wrote. Then it keeps running so
you can try kubectl against it; Ctrl-C stops everything and removes its data.

  --exit-after-sync   stop as soon as the profile is printed (for scripts)
  --log-format        the adaptor's log format (default text)
`;

function age(from: string | undefined): string {
  if (from === undefined) return "<unknown>";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(from)) / 1000));
  return seconds < 120 ? `${seconds}s` : `${Math.round(seconds / 60)}m`;
}

async function eventsOf(client: KubeHttp, kind: string, name: string): Promise<DescribedEvent[]> {
  const res = expectOk(await client.get(`/api/v1/namespaces/${NAMESPACE}/events`), "list events");
  const items = (
    res.body as {
      items: {
        type: string;
        reason: string;
        message: string;
        lastTimestamp?: string;
        source?: { component?: string };
        involvedObject: { kind: string; name: string };
      }[];
    }
  ).items;
  return items
    .filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name)
    .map((e) => ({
      type: e.type,
      reason: e.reason,
      age: age(e.lastTimestamp),
      from: e.source?.component ?? "",
      message: e.message,
    }));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    // `pnpm demo -- --flag` passes the `--` through; it is not an argument.
    args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--")),
    options: {
      "exit-after-sync": { type: "boolean", default: false },
      "log-format": { type: "string", default: "text" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const logFormat = values["log-format"] === "json" ? "json" : "text";
  const say = (line: string) => process.stdout.write(`${line}\n`);

  say("==> starting a local control plane (etcd + kube-apiserver, RBAC on)");
  const env = await startEnvironment();
  let adaptor: Awaited<ReturnType<typeof startAdaptor>> | undefined;
  try {
    say(`    kube-apiserver ${env.version} at ${env.plane.server}`);
    say(`    export KUBECONFIG=${env.kubeconfig}`);
    const client = env.plane.admin();

    say("==> starting the smi-adaptor");
    adaptor = await startAdaptor({
      kubeconfig: env.kubeconfig,
      metricsAddr: "127.0.0.1:0",
      logFormat,
      writeLog: (line) => process.stderr.write(line),
    });
    await adaptor.waitUntilReady(30_000);
    say(`    admin server at http://${adaptor.adminAddress} (/metrics, /ready, /live, /ping)`);

    say(
      "==> kubectl apply -f examples/backend-split.yaml (namespace, Services, TrafficSplit v1alpha2 500/500)",
    );
    for (const manifest of readSample()) {
      expectOk(
        await client.apply(pathOf(manifest), manifest, "kubectl"),
        `apply ${manifest.kind} ${manifest.metadata.name}`,
      );
      say(`    ${manifest.kind.toLowerCase()}/${manifest.metadata.name} serverside-applied`);
    }

    const deadline = Date.now() + 30_000;
    let profile: Record<string, unknown> | undefined;
    while (profile === undefined) {
      const res = await client.get(
        `/apis/linkerd.io/v1alpha2/namespaces/${NAMESPACE}/serviceprofiles/${PROFILE}`,
      );
      if (res.status === 200) profile = res.body as Record<string, unknown>;
      else if (Date.now() > deadline)
        throw new Error(`the adaptor did not create ServiceProfile ${PROFILE} within 30s`);
      else await new Promise((r) => setTimeout(r, 50));
    }

    say(`==> kubectl describe serviceprofile -n ${NAMESPACE}`);
    process.stdout.write(
      describeObject(profile, await eventsOf(client, "ServiceProfile", PROFILE)),
    );
    say("==> kubectl describe trafficsplit backend-split (events)");
    for (const e of await eventsOf(client, "TrafficSplit", "backend-split"))
      say(`    ${e.type}  ${e.reason}  ${e.from}  ${e.message}`);

    if (values["exit-after-sync"]) return 0;
    say(
      `\nThe adaptor keeps running. Try:\n  export KUBECONFIG=${env.kubeconfig}\n  kubectl -n ${NAMESPACE} edit trafficsplit backend-split\nPress Ctrl-C to stop.`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    return 0;
  } finally {
    await adaptor?.stop();
    await env.plane.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
