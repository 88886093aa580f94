/**
 * The extension's namespace carries `linkerd.io/extension: smi`: that label is how
 * `linkerd check` and `linkerd smi check` find the extension. `linkerd smi install` renders
 * the Namespace with it, but a chart installed with Helm into a namespace Helm created (or
 * `default`, with `helm install --generate-name`) has no such object. The Go chart labels it
 * with a post-install Job and an image of its own; the adaptor does it itself when it starts,
 * with a server-side apply of that one label (field manager smi-adaptor), so nothing else of
 * the namespace is touched and no extra image is needed.
 */
import { FIELD_MANAGER } from "@linkerd-smi/core";
import { NamespaceV1, ResourceClient, type KubeTransport } from "@linkerd-smi/kube";

const EXTENSION_LABEL = "linkerd.io/extension";
const EXTENSION_NAME = "smi";

interface LabelLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Applies the extension label to `namespace`. Never throws: without the permission (an
 * older ClusterRole) the adaptor still works, and the warning says what to run instead.
 */
export async function labelExtensionNamespace(
  client: KubeTransport,
  namespace: string,
  log: LabelLogger,
): Promise<boolean> {
  try {
    await new ResourceClient(client, NamespaceV1).apply(
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: namespace, labels: { [EXTENSION_LABEL]: EXTENSION_NAME } },
      },
      { fieldManager: FIELD_MANAGER, force: true },
    );
    log.info(`labelled namespace ${namespace} ${EXTENSION_LABEL}=${EXTENSION_NAME}`);
    return true;
  } catch (error) {
    log.warn(
      `could not label namespace ${namespace} ${EXTENSION_LABEL}=${EXTENSION_NAME}, so ` +
        `\`linkerd check\` will not find the extension: ${error instanceof Error ? error.message : String(error)}; ` +
        `run \`kubectl label namespace ${namespace} ${EXTENSION_LABEL}=${EXTENSION_NAME}\``,
    );
    return false;
  }
}
