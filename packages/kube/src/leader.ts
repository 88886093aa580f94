import { classifyError } from "./errors.js";
import { silentLogger, type Logger } from "./log.js";
import { LeaseV1, ResourceClient, type Lease } from "./resources.js";
import type { KubeTransport } from "./transport.js";
import { delay } from "./util.js";

/** Options of {@link LeaderElector}. */
export interface LeaderElectorOptions {
  /** A `KubeClient`, or any other {@link KubeTransport}. */
  client: KubeTransport;
  /** The coordination.k8s.io/v1 Lease the candidates share. */
  lease: { namespace: string; name: string };
  /** This candidate's unique identity (e.g. the pod name). */
  identity: string;
  /** How long others wait after the last renewal before taking over (default 15s). */
  leaseDurationSeconds?: number;
  /** A leader that could not renew for this long steps down (default 10s). */
  renewDeadlineSeconds?: number;
  /** How often to try to acquire or renew (default 2s). */
  retryPeriodSeconds?: number;
  /** Became leader. `signal` fires when leadership is lost or given up. */
  onStartedLeading?: (signal: AbortSignal) => void;
  /** Stopped being leader (lost, released or stopped). */
  onStoppedLeading?: () => void;
  /** Another (or this) identity was observed holding the lease. */
  onNewLeader?: (identity: string) => void;
  logger?: Logger;
}

/** Formats a Kubernetes MicroTime: `2006-01-02T15:04:05.000000Z`. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

type Attempt = "leading" | "held" | "failed";

/**
 * Lease-based leader election, like client-go's `leaderelection` with a
 * `LeaseLock`:
 *
 * - A candidate takes the Lease when it is free (no holder, e.g. after a
 *   release) or expired: its record has not changed for the record's
 *   `leaseDurationSeconds`, as observed on this candidate's own clock (so
 *   clock skew between nodes does not matter). It writes with the observed
 *   `resourceVersion`; a 409 means another candidate won.
 * - The leader renews every `retryPeriodSeconds` and steps down when it
 *   could not renew for `renewDeadlineSeconds` (before anyone else may
 *   take over), or at once when it sees another holder.
 * - {@link release} (and {@link stop}) clear `holderIdentity` and set
 *   `leaseDurationSeconds: 1`, so another candidate takes over at its next
 *   retry instead of waiting for expiry (client-go's `ReleaseOnCancel`).
 *
 * After losing leadership the elector campaigns again until stopped.
 */
export class LeaderElector {
  private readonly leases: ResourceClient<Lease>;
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly logger: Logger;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private leading = false;
  private leaderAbort: AbortController | undefined;
  private observedRecord = "";
  private observedAt = 0;
  private observedHolder = "";
  private lastLease: Lease | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.leases = new ResourceClient(options.client, LeaseV1);
    this.leaseDurationSeconds = options.leaseDurationSeconds ?? 15;
    const renewDeadline = options.renewDeadlineSeconds ?? 10;
    const retryPeriod = options.retryPeriodSeconds ?? 2;
    if (options.identity === "") throw new RangeError("LeaderElector: identity must not be empty");
    if (!(this.leaseDurationSeconds > renewDeadline))
      throw new RangeError(
        "LeaderElector: leaseDurationSeconds must be greater than renewDeadlineSeconds",
      );
    if (!(renewDeadline > retryPeriod * 1.2))
      throw new RangeError(
        "LeaderElector: renewDeadlineSeconds must be greater than 1.2 × retryPeriodSeconds",
      );
    if (!(retryPeriod > 0))
      throw new RangeError("LeaderElector: retryPeriodSeconds must be positive");
    this.renewDeadlineMs = renewDeadline * 1000;
    this.retryPeriodMs = retryPeriod * 1000;
    this.logger = options.logger ?? silentLogger;
  }

  /** True while this candidate holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last observed on the lease ("" when free or not yet read). */
  leader(): string {
    return this.observedHolder;
  }

  /** Starts campaigning in the background. Calling it again does nothing. */
  start(): void {
    if (this.loop !== undefined) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.loop = this.run(signal).catch((error: unknown) => {
      this.logger.error("leader election stopped unexpectedly", { error });
    });
  }

  /**
   * Stops campaigning and renewing. With `release` (the default) a leader
   * hands the lease back so another candidate takes over at once; without
   * it, the lease simply expires (like a crash).
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    const wasLeading = this.leading;
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
    if (wasLeading && options.release !== false) await this.releaseLease();
  }

  /** {@link stop} with release: gives the lease up for the next candidate. */
  release(): Promise<void> {
    return this.stop({ release: true });
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Campaign.
      while (!isAborted(signal)) {
        if ((await this.tryAcquireOrRenew(signal)) === "leading") break;
        await delay(this.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
      }
      if (isAborted(signal)) return;
      this.startLeading();
      // Renew until stopped or no longer possible.
      let lastRenew = Date.now();
      while (!isAborted(signal)) {
        await delay(this.retryPeriodMs, signal);
        if (isAborted(signal)) break;
        const result = await this.tryAcquireOrRenew(
          signal,
          this.renewDeadlineMs - (Date.now() - lastRenew),
        );
        if (result === "leading") {
          lastRenew = Date.now();
          continue;
        }
        if (result === "held") {
          this.logger.warn("leader election: another candidate holds the lease; stepping down", {
            holder: this.observedHolder,
          });
          break;
        }
        if (Date.now() - lastRenew >= this.renewDeadlineMs) {
          this.logger.warn(
            "leader election: could not renew the lease within the renew deadline; stepping down",
            {
              renewDeadlineSeconds: this.renewDeadlineMs / 1000,
            },
          );
          break;
        }
      }
      this.stopLeading();
    }
  }

  private startLeading(): void {
    this.leading = true;
    this.leaderAbort = new AbortController();
    this.logger.info("leader election: became leader", { identity: this.options.identity });
    const signal = this.leaderAbort.signal;
    this.callback(() => this.options.onStartedLeading?.(signal));
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    this.leaderAbort?.abort();
    this.logger.info("leader election: stopped leading", { identity: this.options.identity });
    this.callback(() => this.options.onStoppedLeading?.());
  }

  private async tryAcquireOrRenew(
    signal: AbortSignal,
    budgetMs = this.renewDeadlineMs,
  ): Promise<Attempt> {
    const { namespace, name } = this.options.lease;
    const requestSignal = AbortSignal.any([signal, AbortSignal.timeout(Math.max(100, budgetMs))]);
    const now = new Date();
    try {
      const lease = await this.leases.get(namespace, name, { signal: requestSignal });
      if (lease === undefined) {
        const created = await this.leases.create(
          {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { namespace, name },
            spec: {
              holderIdentity: this.options.identity,
              leaseDurationSeconds: this.leaseDurationSeconds,
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
          { signal: requestSignal },
        );
        this.observe(created, now.getTime());
        return "leading";
      }
      this.observe(lease, now.getTime());
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? "";
      const duration = spec.leaseDurationSeconds ?? this.leaseDurationSeconds;
      const me = this.options.identity;
      if (holder !== "" && holder !== me && this.observedAt + duration * 1000 > now.getTime())
        return "held";
      const iHold = holder === me;
      const updated = await this.leases.replace(
        {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: me,
            leaseDurationSeconds: this.leaseDurationSeconds,
            renewTime: microTime(now),
            acquireTime:
              iHold && spec.acquireTime !== undefined ? spec.acquireTime : microTime(now),
            leaseTransitions: (spec.leaseTransitions ?? 0) + (iHold ? 0 : 1),
          },
        },
        { signal: requestSignal },
      );
      this.observe(updated, now.getTime());
      return "leading";
    } catch (error) {
      if (signal.aborted) return "failed";
      const kind = classifyError(error);
      // already-exists / conflict: another candidate wrote first.
      if (kind !== "already-exists" && kind !== "conflict")
        this.logger.warn("leader election: could not read or write the lease", {
          lease: `${namespace}/${name}`,
          error: error instanceof Error ? error.message : String(error),
        });
      return "failed";
    }
  }

  /** Records the lease as observed at `at` (local clock) and reports a new holder. */
  private observe(lease: Lease, at: number): void {
    this.lastLease = lease;
    const record = JSON.stringify(lease.spec ?? {});
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = at;
    }
    const holder = lease.spec?.holderIdentity ?? "";
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      if (holder !== "") this.callback(() => this.options.onNewLeader?.(holder));
    }
  }

  private async releaseLease(): Promise<void> {
    const { namespace, name } = this.options.lease;
    const signal = AbortSignal.timeout(this.renewDeadlineMs);
    try {
      const lease = (await this.leases.get(namespace, name, { signal })) ?? this.lastLease;
      if (lease?.spec?.holderIdentity !== this.options.identity) return;
      const now = microTime(new Date());
      const released = await this.leases.replace(
        {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: "",
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
          },
        },
        { signal },
      );
      this.observe(released, Date.now());
      this.logger.info("leader election: released the lease", { lease: `${namespace}/${name}` });
    } catch (error) {
      this.logger.warn("leader election: could not release the lease; it will expire", {
        lease: `${namespace}/${name}`,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private callback(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.error("leader election: a callback threw", { error });
    }
  }
}

/** Reads `signal.aborted` afresh (TypeScript narrows the property across awaits). */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
