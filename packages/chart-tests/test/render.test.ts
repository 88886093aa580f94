import {
  helmTemplateArgs,
  parseManifest,
  type RenderChartOptions,
  type RenderedObject,
} from "@linkerd-smi/testenv";
import { beforeAll, describe, expect, it } from "vitest";
import {
  chartDir,
  chartYaml,
  EXPECTED_CLUSTER_GRANTS,
  EXPECTED_NAMESPACE_GRANTS,
  grants,
  one,
  helm,
  helms,
  render,
  scenarios,
  template,
  valuesFile,
  type Deployment,
  type PolicyRule,
} from "./helpers.js";

const NAMESPACE = "linkerd-smi";
// The Go linkerd-smi chart's selector: a v0.2.7 install is upgraded in place.
const SELECTOR = {
  "linkerd.io/extension": "smi",
  component: "smi-adaptor",
};
const LABELS = {
  "app.kubernetes.io/name": "smi-adaptor",
  "app.kubernetes.io/instance": "linkerd-smi",
  "helm.sh/chart": `linkerd-smi-${chartYaml.version}`,
  "app.kubernetes.io/version": chartYaml.appVersion,
  "app.kubernetes.io/managed-by": "Helm",
  "app.kubernetes.io/part-of": "linkerd-smi",
  "linkerd.io/extension": "smi",
};
/** Labels of the adaptor's own objects: the release's and the selector's. */
const ADAPTOR_LABELS = { ...LABELS, ...SELECTOR };
const INJECT = { "linkerd.io/inject": "enabled" };
const CONTAINER_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
const POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  seccompProfile: { type: "RuntimeDefault" },
};
// Three quarters of the chart's default memory limit (see _helpers.tpl).
const DEFAULT_HEAP_MIB = 240;

const defaultArgs = [
  "-cluster-domain=cluster.local",
  "-worker-threads=2",
  "-log-level=info",
  "-log-format=json",
  "-target=serviceprofile",
  "-gateway-api-version=auto",
  "-resync-period=10m",
  "-metrics-addr=:9995",
];
const expectations: Record<
  string,
  { args: string[]; replicas: number; namespace: boolean; image: string; heapMiB: number }
> = {
  default: {
    args: defaultArgs,
    replicas: 1,
    namespace: false,
    image: `ghcr.io/linkerd-smi-ts/smi-adaptor:${chartYaml.appVersion}`,
    heapMiB: DEFAULT_HEAP_MIB,
  },
  cli: {
    args: defaultArgs,
    replicas: 1,
    namespace: true,
    image: `ghcr.io/linkerd-smi-ts/smi-adaptor:${chartYaml.appVersion}`,
    heapMiB: DEFAULT_HEAP_MIB,
  },
  ha: {
    args: [...defaultArgs, "-leader-elect=true"],
    replicas: 3,
    namespace: false,
    image: "registry.example.com/mirror/linkerd/smi-adaptor:v0.3.0",
    heapMiB: 384, // three quarters of its 512Mi limit
  },
  "custom-domain": {
    args: [
      "-cluster-domain=example.org",
      "-worker-threads=4",
      "-log-level=debug",
      "-log-format=text",
      "-target=serviceprofile",
      "-gateway-api-version=auto",
      "-resync-period=1h30m",
      "-metrics-addr=:9995",
    ],
    replicas: 1,
    namespace: false,
    image: `ghcr.io/linkerd-smi-ts/smi-adaptor:${chartYaml.appVersion}`,
    heapMiB: DEFAULT_HEAP_MIB,
  },
};

// Every check, with Helm 4 and with Helm 3 (users run both).
describe.each(helms)("$name", ({ binary }) => {
  const rendered = new Map<string, RenderedObject[]>();
  beforeAll(async () => {
    await Promise.all(
      scenarios.map(async (s) =>
        rendered.set(s.name, await render({ helm: binary, valuesFiles: [s.file] })),
      ),
    );
  });
  const objectsOf = (name: string) => rendered.get(name) ?? [];

  describe.each(scenarios)("helm template with ci/$name-values.yaml", ({ name }) => {
    const want = expectations[name];
    if (want === undefined) throw new Error(`no expectations for ci/${name}-values.yaml`);

    it("renders exactly the objects of the scenario, in the release namespace", () => {
      const objects = objectsOf(name);
      const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
      const expected = [
        "ClusterRole/smi-adaptor",
        "ClusterRoleBinding/smi-adaptor",
        "CustomResourceDefinition/httproutegroups.specs.smi-spec.io",
        "CustomResourceDefinition/trafficsplits.split.smi-spec.io",
        "Deployment/smi-adaptor",
        "Role/smi-adaptor-leader-election",
        "RoleBinding/smi-adaptor-leader-election",
        "Service/smi-adaptor",
        "ServiceAccount/smi-adaptor",
      ];
      if (want.namespace) expected.push(`Namespace/${NAMESPACE}`);
      if (want.replicas > 1) expected.push("PodDisruptionBudget/smi-adaptor");
      expect(kinds).toEqual(expected.sort());
      const clusterScoped = [
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
      ];
      for (const o of objects) {
        if (clusterScoped.includes(o.kind)) expect(o.metadata.namespace).toBeUndefined();
        else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NAMESPACE);
      }
    });

    it("labels every object with the chart's labels", () => {
      for (const o of objectsOf(name)) {
        if (o.kind === "CustomResourceDefinition") continue;
        expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject(
          o.kind === "Namespace" ? LABELS : ADAPTOR_LABELS,
        );
      }
    });

    it("keeps the CRDs on uninstall and does not preserve unknown fields", () => {
      for (const crdName of [
        "trafficsplits.split.smi-spec.io",
        "httproutegroups.specs.smi-spec.io",
      ]) {
        const crd = one<RenderedObject & { spec: Record<string, unknown> }>(
          objectsOf(name),
          "CustomResourceDefinition",
          crdName,
        );
        expect(crd.metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");
        expect(crd.metadata.labels?.["linkerd.io/extension"]).toBe("smi");
        expect(crd.spec).not.toHaveProperty("preserveUnknownFields");
        expect(crd.spec.conversion).toEqual({ strategy: "None" });
        expect(
          (crd.spec.versions as { name: string; served: boolean }[]).map((v) => [v.name, v.served]),
        ).toEqual([
          ["v1alpha1", true],
          ["v1alpha2", true],
          ["v1alpha3", true],
          ["v1alpha4", true],
        ]);
      }
    });

    it("runs the smi-adaptor restricted, with its flags, probes and identity", () => {
      const deploy = one<Deployment>(objectsOf(name), "Deployment", "smi-adaptor");
      expect(deploy.spec.replicas).toBe(want.replicas);
      expect(deploy.spec.selector.matchLabels).toEqual(SELECTOR);
      expect(deploy.spec.template.metadata.labels).toMatchObject(ADAPTOR_LABELS);
      expect(deploy.spec.template.metadata.annotations).toMatchObject(INJECT);
      expect(deploy.spec).toMatchObject({
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      });
      const pod = deploy.spec.template.spec;
      expect(pod.serviceAccountName).toBe("smi-adaptor");
      expect(pod.securityContext).toEqual(POD_SECURITY);
      expect(pod.containers).toHaveLength(1);
      const [container] = pod.containers;
      expect(container?.name).toBe("smi-adaptor");
      expect(container?.image).toBe(want.image);
      expect(container?.args).toEqual(want.args);
      expect(container?.securityContext).toEqual(CONTAINER_SECURITY);
      expect(container?.env).toEqual([
        { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "NODE_OPTIONS", value: `--max-old-space-size=${String(want.heapMiB)}` },
      ]);
      expect(container?.ports).toEqual([
        { name: "admin-http", containerPort: 9995, protocol: "TCP" },
      ]);
      expect(container?.readinessProbe).toMatchObject({
        httpGet: { path: "/ready", port: "admin-http" },
      });
      expect(container?.livenessProbe).toMatchObject({
        httpGet: { path: "/live", port: "admin-http" },
      });
    });

    it("serves the admin port on the smi-adaptor Service", () => {
      const service = one<RenderedObject & { spec: Record<string, unknown> }>(
        objectsOf(name),
        "Service",
        "smi-adaptor",
      );
      expect(service.spec.selector).toEqual(SELECTOR);
      expect(service.spec.ports).toEqual([
        { name: "admin-http", port: 9995, targetPort: "admin-http", protocol: "TCP" },
      ]);
    });

    it("grants exactly what the adaptor uses", () => {
      const objects = objectsOf(name);
      const clusterRole = one<RenderedObject & { rules: PolicyRule[] }>(objects, "ClusterRole");
      // Beyond the resources it works on: the extension label of its own namespace.
      expect(grants(clusterRole.rules)).toEqual(
        [...EXPECTED_CLUSTER_GRANTS, `core/namespaces[${NAMESPACE}]:patch`].sort(),
      );
      const role = one<RenderedObject & { rules: PolicyRule[] }>(objects, "Role");
      expect(grants(role.rules)).toEqual(EXPECTED_NAMESPACE_GRANTS);
      // Only the namespaces rule (the release namespace) and the configmaps rule (linkerd-config)
      // are narrowed to names, as the grants say.
      for (const rule of [...clusterRole.rules, ...role.rules])
        if (!rule.resources.includes("namespaces") && !rule.resources.includes("configmaps"))
          expect(rule.resourceNames).toBeUndefined();
      const subject = [{ kind: "ServiceAccount", name: "smi-adaptor", namespace: NAMESPACE }];
      expect(one(objects, "ClusterRoleBinding")).toMatchObject({
        roleRef: { kind: "ClusterRole", name: "smi-adaptor" },
        subjects: subject,
      });
      expect(one(objects, "RoleBinding")).toMatchObject({
        roleRef: { kind: "Role", name: "smi-adaptor-leader-election" },
        subjects: subject,
      });
    });
  });

  describe("scenario details", () => {
    it("labels the namespace for Linkerd, and Pod Security privileged only for a meshed adaptor without CNI", async () => {
      const podSecurity = (level: string) => ({
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/audit": level,
        "pod-security.kubernetes.io/warn": level,
      });
      const ns = one(objectsOf("cli"), "Namespace", NAMESPACE);
      expect(ns.metadata.labels).toMatchObject({
        ...LABELS,
        "linkerd.io/extension": "smi",
        ...podSecurity("privileged"),
      });
      expect(ns.metadata.labels).not.toHaveProperty("component");
      expect(objectsOf("default").some((o) => o.kind === "Namespace")).toBe(false);
      for (const set of [{ "adaptor.proxyInject": false }, { cniEnabled: true }]) {
        const objects = await render({ helm: binary, set: { installNamespace: true, ...set } });
        expect(one(objects, "Namespace", NAMESPACE).metadata.labels).toMatchObject(
          podSecurity("restricted"),
        );
      }
    });

    it("meshes the adaptor unless adaptor.proxyInject is false", async () => {
      const off = await render({ helm: binary, set: { "adaptor.proxyInject": false } });
      expect(one<Deployment>(off, "Deployment").spec.template.metadata.annotations).toBeUndefined();
    });

    it("defaults: linux nodes, requests and a memory limit, nothing else scheduled", () => {
      const pod = one<Deployment>(objectsOf("default"), "Deployment").spec.template;
      expect(pod.metadata.annotations).toEqual(INJECT);
      expect(pod.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
      expect(pod.spec.containers[0]?.imagePullPolicy).toBe("IfNotPresent");
      expect(pod.spec.containers[0]?.resources).toEqual({
        requests: { cpu: "100m", memory: "112Mi" },
        limits: { memory: "320Mi" },
      });
      for (const field of ["affinity", "tolerations", "imagePullSecrets"])
        expect(pod.spec).not.toHaveProperty(field);
    });

    it("ha: a PodDisruptionBudget, scheduling, pod metadata and pull secrets from values", () => {
      const objects = objectsOf("ha");
      expect(one(objects, "PodDisruptionBudget")).toMatchObject({
        apiVersion: "policy/v1",
        spec: { minAvailable: 1, selector: { matchLabels: SELECTOR } },
      });
      const pod = one<Deployment>(objects, "Deployment").spec.template;
      expect(pod.metadata.annotations).toEqual({
        ...INJECT,
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9995",
      });
      expect(pod.metadata.labels).toEqual({ ...ADAPTOR_LABELS, team: "mesh" });
      expect(pod.spec.imagePullSecrets).toEqual([{ name: "registry-credentials" }]);
      expect(pod.spec.containers[0]?.imagePullPolicy).toBe("Always");
      expect(pod.spec.containers[0]?.resources).toEqual({
        requests: { cpu: "200m", memory: "128Mi" },
        limits: { cpu: "1", memory: "512Mi" },
      });
      expect(pod.spec.tolerations).toEqual([
        { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      ]);
      expect(pod.spec.affinity).toMatchObject({
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{}] },
      });
    });

    it("elects a leader and adds the PDB from two replicas on, not with one", async () => {
      const two = await render({ helm: binary, set: { "adaptor.replicas": 2 } });
      expect(one<Deployment>(two, "Deployment").spec.template.spec.containers[0]?.args).toContain(
        "-leader-elect=true",
      );
      one(two, "PodDisruptionBudget");
      const single = objectsOf("default");
      expect(single.some((o) => o.kind === "PodDisruptionBudget")).toBe(false);
      expect(
        one<Deployment>(single, "Deployment").spec.template.spec.containers[0]?.args.join(" "),
      ).not.toContain("leader-elect");
    });

    it("pod labels from values cannot replace the selector or the chart's labels", async () => {
      const objects = await render({
        helm: binary,
        valuesFiles: [
          valuesFile({
            adaptor: {
              podLabels: { "app.kubernetes.io/name": "other", "linkerd.io/extension": "x", a: "b" },
            },
          }),
        ],
      });
      const deploy = one<Deployment>(objects, "Deployment");
      expect(deploy.spec.template.metadata.labels).toEqual({ ...ADAPTOR_LABELS, a: "b" });
      expect(deploy.spec.selector.matchLabels).toEqual(SELECTOR);
    });

    it("uses the release name and namespace in selectors, subjects and the namespace", async () => {
      const objects = await render({
        helm: binary,
        release: "smi",
        namespace: "mesh-extensions",
        set: { installNamespace: true },
      });
      one(objects, "Namespace", "mesh-extensions");
      // The selector is the Go chart's, whatever the release is called.
      expect(one<Deployment>(objects, "Deployment").spec.selector.matchLabels).toEqual(SELECTOR);
      expect(one<Deployment>(objects, "Deployment").spec.template.metadata.labels).toMatchObject({
        "app.kubernetes.io/instance": "smi",
      });
      expect(one(objects, "ClusterRoleBinding")).toMatchObject({
        subjects: [{ kind: "ServiceAccount", name: "smi-adaptor", namespace: "mesh-extensions" }],
      });
    });

    it("sizes the V8 heap at three quarters of a memory limit in Mi or Gi, and not without one", async () => {
      const envOf = async (limits: unknown) =>
        one<Deployment>(
          await render({
            helm: binary,
            valuesFiles: [valuesFile({ adaptor: { resources: { limits } } })],
          }),
          "Deployment",
        ).spec.template.spec.containers[0]?.env;
      expect(await envOf({ memory: "1Gi" })).toContainEqual({
        name: "NODE_OPTIONS",
        value: "--max-old-space-size=768",
      });
      expect(await envOf({ memory: "100Mi" })).toContainEqual({
        name: "NODE_OPTIONS",
        value: "--max-old-space-size=75",
      });
      // Other units are left to Node; so is a container without a limit (null removes it).
      for (const limits of [{ memory: "500M" }, null])
        expect((await envOf(limits))?.map((e) => (e as { name: string }).name)).toEqual([
          "POD_NAMESPACE",
        ]);
    });

    it("leaves the CRD out with installCRDs=false, and the image tag can be set", async () => {
      const objects = await render({
        helm: binary,
        set: { installCRDs: false, "adaptor.image.tag": "v1.2.3" },
      });
      expect(objects.some((o) => o.kind === "CustomResourceDefinition")).toBe(false);
      expect(one<Deployment>(objects, "Deployment").spec.template.spec.containers[0]?.image).toBe(
        "ghcr.io/linkerd-smi-ts/smi-adaptor:v1.2.3",
      );
    });
  });
});

// Users run both majors: what each prints, side by side. The manifests are the same but for
// one difference, stated here exactly: Helm 4 keeps each document's trailing newline
// (pkg/release/v1/util.SplitManifests trims only leading space; Helm 3's pkg/releaseutil
// trimmed both), so an empty line ends every document of `helm template`'s output but the
// last. --show-only splits that output again and prints each document with a newline of
// its own: two empty lines end each document, one the document that was last in the full
// output.
describe("helm 4 beside helm 3", () => {
  const [helm4, helm3] = helms;
  if (helm4 === undefined || helm3 === undefined) throw new Error("two helms expected");
  interface Case {
    options: RenderChartOptions;
    /** Helm 4's newlines before each `---` but the first, where Helm 3 has one. */
    between: string;
    /** Helm 4's newlines at the end, where Helm 3 has one. */
    atEnd: string;
  }
  const full = { between: "\n\n", atEnd: "\n" };
  const cases: [string, Case][] = [
    ["the default values", { options: {}, ...full }],
    ...scenarios.map((s): [string, Case] => [
      `ci/${s.name}-values.yaml`,
      { options: { valuesFiles: [s.file] }, ...full },
    ]),
    [
      "another release and namespace",
      {
        options: { release: "other-smi", namespace: "other", set: { installNamespace: true } },
        ...full,
      },
    ],
    [
      // Its Deployment is the full output's last document.
      "--show-only templates/adaptor.yaml",
      { options: { showOnly: ["templates/adaptor.yaml"] }, between: "\n\n\n", atEnd: "\n\n" },
    ],
    [
      "--show-only templates/namespace.yaml templates/rbac.yaml",
      {
        options: {
          set: { installNamespace: true },
          showOnly: ["templates/namespace.yaml", "templates/rbac.yaml"],
        },
        between: "\n\n\n",
        atEnd: "\n\n\n",
      },
    ],
  ];

  it.each(cases)(
    "print the same for %s, but for the empty lines after Helm 4's documents",
    async (_, { options, between, atEnd }) => {
      const [out4, out3] = await Promise.all([
        template({ ...options, helm: helm4.binary }),
        template({ ...options, helm: helm3.binary }),
      ]);
      expect(out3.startsWith("---\n") && out3.endsWith("\n") && !out3.endsWith("\n\n")).toBe(true);
      expect(out4).toBe(out3.replaceAll("\n---\n", `${between}---\n`).replace(/\n$/, atEnd));
      expect(parseManifest(out4)).toEqual(parseManifest(out3));
    },
  );

  it("differ on an unclosed --set index: Helm 3 rejects it, Helm 4 ignores it", async () => {
    const args = [...helmTemplateArgs({ chart: chartDir }), "--set", "adaptor.podLabels[=x"];
    const [res4, res3] = await Promise.all([
      helm(args, {}, helm4.binary),
      helm(args, {}, helm3.binary),
    ]);
    expect(res3.code).toBe(1);
    expect(res3.stderr).toBe("Error: failed parsing --set data: error parsing index: EOF\n");
    expect(res4.code).toBe(0);
    expect(res4.stderr).toBe("");
    expect(res4.stdout).toBe(await template({ helm: helm4.binary }));
  });
});
