/**
 * Asks Linkerd's policy controller what it serves a proxy: one unary
 * `OutboundPolicies/Get` per Service port, over plaintext gRPC (as `linkerd diagnostics policy`
 * does through its port-forward), with the messages of policy.ts.
 */
import type { Client, ServiceError } from "@grpc/grpc-js";
import {
  OUTBOUND_POLICIES_GET,
  decodeOutboundPolicy,
  encodeTrafficSpec,
  type ServedPolicy,
} from "./policy.js";

export class PolicyClient {
  private constructor(
    /** `host:port` of the policy controller's gRPC server (port 8090 in its pod). */
    readonly address: string,
    private readonly client: Client,
    private readonly statusName: (code: number) => string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * A client of `address`. @grpc/grpc-js is imported here, on first use: the CLI's single
   * executable carries it as an asset compiled only then (scripts/binaries/bundle.ts, LAZY_PACKAGES).
   */
  static async connect(address: string, timeoutMs = 10_000): Promise<PolicyClient> {
    const grpc = await import("@grpc/grpc-js");
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    return new PolicyClient(
      address,
      client,
      (code) => grpc.status[code] ?? String(code),
      timeoutMs,
    );
  }

  /** The OutboundPolicy for `<apex>.<namespace>.svc.<domain>:<port>`, decoded. */
  async get(spec: {
    namespace: string;
    apex: string;
    port: number;
    clusterDomain: string;
    sourceWorkload: string;
  }): Promise<{ policy: ServedPolicy; bytes: Uint8Array }> {
    const authority = `${spec.apex}.${spec.namespace}.svc.${spec.clusterDomain}:${spec.port}`;
    const request = encodeTrafficSpec({ sourceWorkload: spec.sourceWorkload, authority });
    const bytes = await new Promise<Uint8Array>((resolve, reject) => {
      this.client.makeUnaryRequest(
        OUTBOUND_POLICIES_GET,
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => new Uint8Array(b),
        request,
        { deadline: Date.now() + this.timeoutMs },
        (error: ServiceError | null, value?: Uint8Array) => {
          if (error !== null) {
            const code = this.statusName(error.code);
            reject(
              new Error(
                `policy controller at ${this.address}: OutboundPolicies/Get ${authority}: ${code}: ${error.details}`,
              ),
            );
          } else resolve(value ?? new Uint8Array());
        },
      );
    });
    return { policy: decodeOutboundPolicy(bytes), bytes };
  }

  close(): void {
    this.client.close();
  }
}
