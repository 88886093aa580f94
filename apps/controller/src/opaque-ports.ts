/**
 * The cluster's default opaque ports, as the adaptor's route planner uses them: the
 * `-default-opaque-ports` flag when given (it wins: it is how to run against a cluster whose
 * `linkerd-config` cannot be read, or to disagree with it); else `proxy.opaquePorts` of
 * Linkerd's `linkerd-config` ConfigMap, watched, so a control plane upgraded with another list
 * re-plans every split; Linkerd's own list while that ConfigMap cannot be read.
 */
import {
  LINKERD_CONFIG_NAME,
  LINKERD_DEFAULT_OPAQUE_PORTS,
  opaquePortsOfLinkerdConfig,
} from "@linkerd-smi/core";
import {
  ConfigMapV1,
  Informer,
  ResourceClient,
  linkerdConfigValues,
  type ConfigMap,
  type KubeClient,
} from "@linkerd-smi/kube";
import type { Logger } from "./logger.js";

interface OpaquePortsOptions {
  client: KubeClient;
  /** Linkerd's namespace (`-linkerd-namespace`). */
  namespace: string;
  /** `-default-opaque-ports`, when given. */
  explicit: readonly number[] | undefined;
  log: Logger;
  /** Called when the list changes after {@link DefaultOpaquePorts.start} (re-plan every split). */
  onChange: () => void;
}

const listed = (ports: readonly number[]) => [...ports].sort((x, y) => x - y).join(",");
const same = (a: readonly number[], b: readonly number[]) => listed(a) === listed(b);

/** The default opaque ports of the cluster, followed as its `linkerd-config` changes. */
export class DefaultOpaquePorts {
  private current: readonly number[];
  private readonly informer: Informer<ConfigMap> | undefined;
  private started = false;

  constructor(private readonly options: OpaquePortsOptions) {
    this.current = options.explicit ?? LINKERD_DEFAULT_OPAQUE_PORTS;
    if (options.explicit !== undefined) return;
    this.informer = new Informer(new ResourceClient(options.client, ConfigMapV1), {
      namespace: options.namespace,
      fieldSelector: `metadata.name=${LINKERD_CONFIG_NAME}`,
      logger: options.log.with({ component: "informer" }),
    });
    const update = () => this.update();
    this.informer.addHandlers({ onAdd: update, onUpdate: update, onDelete: update });
  }

  /** The list to plan with now. */
  readonly ports = (): readonly number[] => this.current;

  /**
   * Reads `linkerd-config` (waiting at most `waitMs` for it) and keeps watching it. When it
   * cannot be read by then, Linkerd's list is used, with a warning saying why, until it can.
   */
  async start(waitMs = 5000): Promise<void> {
    const { log, namespace, explicit } = this.options;
    if (this.informer === undefined) {
      log.info(`default opaque ports ${explicit?.join(",") ?? ""} (-default-opaque-ports)`);
      this.started = true;
      return;
    }
    this.informer.start();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), waitMs);
    const synced = await this.informer.waitForSync(abort.signal);
    clearTimeout(timer);
    this.started = true;
    if (synced) {
      this.report();
      return;
    }
    const error = this.informer.health().lastError;
    log.warn(
      `ConfigMap ${namespace}/${LINKERD_CONFIG_NAME} could not be read${error === undefined ? "" : ` (${error.message})`}: using Linkerd's default opaque ports ${LINKERD_DEFAULT_OPAQUE_PORTS.join(",")} until it can (give -default-opaque-ports, or let the adaptor get, list and watch that ConfigMap)`,
    );
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }

  private update(): void {
    const next = this.read();
    if (same(next.ports, this.current)) return;
    this.current = next.ports;
    if (!this.started) return;
    this.report();
    this.options.onChange();
  }

  private read() {
    const { namespace } = this.options;
    return opaquePortsOfLinkerdConfig(
      linkerdConfigValues(this.informer?.get(namespace, LINKERD_CONFIG_NAME), namespace),
      namespace,
    );
  }

  private report(): void {
    const found = this.read();
    if (found.problem === undefined)
      this.options.log.info(
        `default opaque ports ${found.ports.join(",")} (proxy.opaquePorts of ConfigMap ${this.options.namespace}/${LINKERD_CONFIG_NAME})`,
      );
    else
      this.options.log.warn(
        `${found.problem}: using Linkerd's default opaque ports ${found.ports.join(",")}`,
      );
  }
}
