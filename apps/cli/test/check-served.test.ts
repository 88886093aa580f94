/**
 * `linkerd smi check --served` against a real kube-apiserver of its own, holding the splits and
 * Services of testdata/served/cases.yaml, and a gRPC server in the test that answers
 * `OutboundPolicies/Get` with what Linkerd's policy controller (edge-26.8.3) answered for them,
 * recorded by hand (testdata/served/outbound-policies.edge-26.8.3.json).
 */
import { readFileSync } from "node:fs";
import {
  Server,
  ServerCredentials,
  status as grpcStatus,
  type ServerUnaryCall,
  type sendUnaryData,
} from "@grpc/grpc-js";
import {
  applyManifest,
  startEnvironment,
  type ManifestObject,
  type TestEnvironment,
} from "@linkerd-smi/testenv";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WireMessage } from "../src/served/wire.js";
import { smi } from "./smi.js";

interface Recorded {
  case: string;
  request: { authority: string };
  response: string;
}
const recorded = (
  JSON.parse(
    readFileSync(
      new URL("./testdata/served/outbound-policies.edge-26.8.3.json", import.meta.url),
      "utf8",
    ),
  ) as { cases: Recorded[] }
).cases;

/** A policy controller that replays `cases`, by the authority asked for; NOT_FOUND otherwise. */
async function replay(
  cases: readonly string[],
): Promise<{ address: string; asked: string[]; stop: () => Promise<void> }> {
  const byAuthority = new Map(
    recorded
      .filter((c) => cases.includes(c.case))
      .map((c) => [c.request.authority, Buffer.from(c.response, "base64")]),
  );
  const asked: string[] = [];
  const server = new Server();
  server.addService(
    {
      Get: {
        path: "/io.linkerd.proxy.outbound.OutboundPolicies/Get",
        requestStream: false,
        responseStream: false,
        requestDeserialize: (b: Buffer) => b,
        requestSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
      },
    },
    {
      Get: (call: ServerUnaryCall<Buffer, Buffer>, done: sendUnaryData<Buffer>) => {
        // TrafficSpec: source_workload = 1, authority = 3.
        const spec = new WireMessage(call.request);
        asked.push(`${spec.string(1)} ${spec.string(3)}`);
        const answer = byAuthority.get(spec.string(3));
        if (answer === undefined) done({ code: grpcStatus.NOT_FOUND, details: "No such service" });
        else done(null, answer);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
      e === null ? resolve(p) : reject(e),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    asked,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

let env: TestEnvironment;

beforeAll(async () => {
  env = await startEnvironment({ log: () => undefined, controllerManager: false });
  const admin = env.plane.admin();
  const cases = parseAllDocuments(
    readFileSync(new URL("./testdata/served/cases.yaml", import.meta.url), "utf8"),
  ).map((d) => d.toJSON() as ManifestObject);
  await applyManifest(
    admin,
    [
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "linkerd-smi", labels: { "linkerd.io/extension": "smi" } },
      } as ManifestObject,
      // The installed adaptor, as when the answers were recorded: -target=httproute.
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: {
          name: "smi-adaptor",
          namespace: "linkerd-smi",
          labels: { "linkerd.io/extension": "smi", component: "smi-adaptor" },
        },
        spec: {
          replicas: 1,
          selector: { matchLabels: { "linkerd.io/extension": "smi", component: "smi-adaptor" } },
          template: {
            metadata: { labels: { "linkerd.io/extension": "smi", component: "smi-adaptor" } },
            spec: {
              containers: [
                {
                  name: "smi-adaptor",
                  image: "ghcr.io/linkerd-smi-ts/smi-adaptor:0.3.0",
                  args: ["-cluster-domain=cluster.local", "-target=httproute"],
                },
              ],
            },
          },
        },
      } as ManifestObject,
      ...cases,
    ],
    "kubectl",
  );
}, 180_000);

afterAll(async () => {
  await env.plane.stop();
});

type CheckDoc = {
  success: boolean;
  categories: { checks: { description: string; result: string; error?: string }[] }[];
  served: {
    namespace: string;
    split: string;
    port: number;
    expected: { route: string; backends: { service: string; weight: number; percent: number }[] };
    served: {
      protocol: string;
      route: string;
      backends: { service: string; weight: number; percent: number }[];
    };
    problems: string[];
  }[];
};
const DESCRIPTION =
  "Linkerd's policy controller serves the backends and shares of httproute TrafficSplits";

async function checkServed(
  address: string | undefined,
  extra: string[] = [],
): Promise<{ doc: CheckDoc }> {
  const res = await smi([
    "check",
    "--kubeconfig",
    env.kubeconfig,
    "--wait",
    "1s",
    "-o",
    "json",
    "--served",
    ...(address === undefined ? [] : ["--policy-addr", address]),
    ...extra,
  ]);
  return { doc: JSON.parse(res.stdout) as CheckDoc };
}
const servedCheck = (doc: CheckDoc) =>
  doc.categories.flatMap((c) => c.checks).find((c) => c.description === DESCRIPTION);

// What each split asks for per port, by hand from cases.yaml (weights as the adaptor writes
// them; spread-v2 has no port 9000, so 50/20 there), and what Linkerd served in the recording.
const TABLE = [
  [
    "backend-split",
    8080,
    "HTTPRoute/backend-svc-smi-8080",
    [
      ["backend-svc", 500, 50],
      ["failing-svc", 500, 50],
    ],
  ],
  [
    "db",
    3306,
    "TCPRoute/db-smi-3306",
    [
      ["db-v1", 50, 50],
      ["db-v2", 50, 50],
    ],
  ],
  [
    "multi",
    80,
    "HTTPRoute/multi-smi-80",
    [
      ["multi-v1", 70, 70],
      ["multi-v2", 30, 30],
    ],
  ],
  [
    "multi",
    8080,
    "HTTPRoute/multi-smi-8080",
    [
      ["multi-v1", 70, 70],
      ["multi-v2", 30, 30],
    ],
  ],
  [
    "mysql",
    3306,
    "TCPRoute/mysql-smi-3306",
    [
      ["mysql-v1", 60, 60],
      ["mysql-v2", 40, 40],
    ],
  ],
  [
    "podinfo",
    9898,
    "HTTPRoute/podinfo-smi-9898",
    [
      ["podinfo-primary", 90, 90],
      ["podinfo-canary", 10, 10],
    ],
  ],
  [
    "rollout",
    80,
    "HTTPRoute/rollout-smi-80",
    [
      ["rollout-a", 333, 22.2],
      ["rollout-b", 667, 44.4667],
      ["rollout-c", 500, 33.3333],
    ],
  ],
  [
    "spread",
    80,
    "HTTPRoute/spread-smi-80",
    [
      ["spread-v1", 50, 50],
      ["spread-v2", 30, 30],
      ["spread-v3", 20, 20],
    ],
  ],
  [
    "spread",
    9000,
    "HTTPRoute/spread-smi-9000",
    [
      ["spread-v1", 50, 71.4286],
      ["spread-v3", 20, 28.5714],
    ],
  ],
  // All weights zero: the route sends everything to the apex.
  ["zero", 80, "HTTPRoute/zero-smi-80", [["zero", 1, 100]]],
] as const;

const GOOD = [
  "guide",
  "flagger",
  "argo",
  "two-ports-80",
  "two-ports-8080",
  "opaque",
  "zero",
  "missing-port-80",
  "missing-port-9000",
  "opaque-fixed",
];

describe("check --served", () => {
  it("passes when Linkerd serves every split's backends and shares, and -o json gives both per port", async () => {
    const server = await replay(GOOD);
    try {
      const { doc } = await checkServed(server.address);
      expect(servedCheck(doc)).toEqual({ description: DESCRIPTION, result: "success" });
      const rows = [...doc.served].sort((a, b) =>
        a.split === b.split ? a.port - b.port : a.split < b.split ? -1 : 1,
      );
      expect(rows.map((r) => [r.split, r.port, r.expected.route, r.served.route])).toEqual(
        TABLE.map(([split, port, route]) => [split, port, route, route]),
      );
      for (const [i, [, , , backends]] of TABLE.entries()) {
        const row = rows[i];
        for (const side of [row?.expected.backends, row?.served.backends]) {
          expect(side?.map((b) => [b.service, b.weight])).toEqual(backends.map(([s, w]) => [s, w]));
          side?.forEach((b, j) => expect(b.percent).toBeCloseTo(backends[j]?.[2] ?? -1, 3));
        }
        expect(row?.problems).toEqual([]);
      }
      expect(doc.served.find((r) => r.split === "db")?.served.protocol).toBe("opaque");
      expect(doc.served.find((r) => r.split === "podinfo")?.served.protocol).toBe("detect");
      // One Get per port, for a client in the apex's namespace.
      expect(server.asked).toContain(
        "served:linkerd-smi-check rollout.served.svc.cluster.local:80",
      );
      expect(server.asked).toHaveLength(10);
    } finally {
      await server.stop();
    }
  });

  it("fails when Linkerd serves its default opaque route where the split's HTTPRoute was accepted", async () => {
    const server = await replay(GOOD.filter((c) => c !== "opaque-fixed").concat("wrong-opaque"));
    try {
      const { doc } = await checkServed(server.address);
      expect(servedCheck(doc)?.result).toBe("error");
      expect(servedCheck(doc)?.error).toBe(
        "what Linkerd serves differs from the split on 1 port:\n" +
          "\t* TrafficSplit served/mysql (service mysql): Linkerd serves default opaq on port 3306 (protocol opaque), not TCPRoute mysql-smi-3306\n" +
          "\t* TrafficSplit served/mysql (service mysql): on port 3306 Linkerd serves mysql 1 (100.00%); the split asks for mysql-v1 60 (60.00%), mysql-v2 40 (40.00%)\n" +
          "\tRun linkerd smi check --served -o json for what is served and what is asked, per port",
      );
      const mysql = doc.served.find((r) => r.split === "mysql");
      expect(mysql?.served).toEqual({
        protocol: "opaque",
        route: "default opaq",
        backends: [{ service: "mysql", weight: 1, percent: 100 }],
      });
    } finally {
      await server.stop();
    }
  });

  it("plans with the cluster's linkerd-config (-L): where 3306 is not opaque, it expects HTTPRoutes there, which Linkerd (3306 opaque) does not serve", async () => {
    // data.values as Linkerd's control plane chart renders it, with 3306 left out.
    await applyManifest(
      env.plane.admin(),
      [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "mesh" } },
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "linkerd-config", namespace: "mesh" },
          data: { values: "proxy:\n  opaquePorts: 25,587,4444,5432,6379,9300,11211\n" },
        },
      ] as ManifestObject[],
      "kubectl",
    );
    const server = await replay(GOOD);
    try {
      const { doc } = await checkServed(server.address, ["-L", "mesh"]);
      expect(servedCheck(doc)?.error).toBe(
        "what Linkerd serves differs from the split on 2 ports:\n" +
          "\t* TrafficSplit served/db (service db): Linkerd serves TCPRoute/db-smi-3306 on port 3306 (protocol opaque), not HTTPRoute db-smi-3306\n" +
          "\t* TrafficSplit served/mysql (service mysql): Linkerd serves TCPRoute/mysql-smi-3306 on port 3306 (protocol opaque), not HTTPRoute mysql-smi-3306\n" +
          "\tRun linkerd smi check --served -o json for what is served and what is asked, per port",
      );
    } finally {
      await server.stop();
    }
  });

  it("without --policy-addr, port-forwards with kubectl to linkerd-destination, and says why it could not", async () => {
    // The machine's kubectl, on this control plane: it has no namespace linkerd.
    const { doc } = await checkServed(undefined);
    expect(servedCheck(doc)?.error).toBe(
      'could not port-forward to deploy/linkerd-destination port 8090 in namespace linkerd: kubectl exited (1): Error from server (NotFound): namespaces "linkerd" not found\n' +
        "\tIs Linkerd's control plane in namespace linkerd (-L)? Or give --policy-addr HOST:PORT (the policy controller's gRPC port 8090)",
    );
  });
});
