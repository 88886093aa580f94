/**
 * What of the Gateway API the cluster serves, from API discovery: the HTTPRoute version to write
 * (v1, else v1beta1 as on Linkerd 2.15-2.17), whether TCPRoute (v1alpha2, experimental channel)
 * is served, and whether the chart's HTTPRouteGroup CRD is.
 */
import { GATEWAY_GROUP, HTTP_ROUTE_GROUP_GROUP, type HttpRouteVersion } from "@linkerd-smi/core";
import type { KubeTransport } from "@linkerd-smi/kube";

interface GatewayApiSupport {
  /** Undefined when no HTTPRoute version is served. */
  readonly httpRoute?: HttpRouteVersion;
  readonly tcpRoute: boolean;
  readonly httpRouteGroup: boolean;
}

async function served(client: KubeTransport, path: string, plural: string): Promise<boolean> {
  try {
    const body = (await client.request({
      method: "GET",
      path,
      context: { verb: "get", resource: path },
    })) as { resources?: { name?: string }[] } | undefined;
    return (body?.resources ?? []).some((r) => r.name === plural);
  } catch {
    return false; // 404: the group version is not served
  }
}

export async function discoverGatewayApi(
  client: KubeTransport,
  wanted: "auto" | HttpRouteVersion,
): Promise<GatewayApiSupport> {
  const candidates: HttpRouteVersion[] = wanted === "auto" ? ["v1", "v1beta1"] : [wanted];
  let httpRoute: HttpRouteVersion | undefined;
  for (const version of candidates) {
    if (await served(client, `/apis/${GATEWAY_GROUP}/${version}`, "httproutes")) {
      httpRoute = version;
      break;
    }
  }
  return {
    ...(httpRoute === undefined ? {} : { httpRoute }),
    tcpRoute: await served(client, `/apis/${GATEWAY_GROUP}/v1alpha2`, "tcproutes"),
    httpRouteGroup: await served(
      client,
      `/apis/${HTTP_ROUTE_GROUP_GROUP}/v1alpha4`,
      "httproutegroups",
    ),
  };
}
