import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  analyseValues,
  readmeStatus,
  renderReadme,
  undocumentedKeys,
  valuesTable,
} from "../src/values-doc.js";
import { chartDir } from "./helpers.js";

interface SchemaNode {
  description?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  $ref?: string;
  anyOf?: SchemaNode[];
}

const valuesText = readFileSync(join(chartDir, "values.yaml"), "utf8");
const schema = JSON.parse(
  readFileSync(join(chartDir, "values.schema.json"), "utf8"),
) as SchemaNode & {
  definitions: Record<string, SchemaNode>;
};
const analysis = analyseValues(valuesText);
const documented = analysis.docs.map((d) => d.key);
/** The Go linkerd-smi chart's (1.0.x) keys that only it has. */
const GO_ONLY = ["linkerdNamespace", "imagePullSecrets", "namespaceMetadata", "adaptor.runAsUser"];

/** Schema property paths, not descending below a documented value (its own shape is free). */
function schemaPaths(node: SchemaNode, prefix: string[] = []): string[] {
  const resolved =
    node.$ref === undefined ? node : (schema.definitions[node.$ref.split("/").pop() ?? ""] ?? node);
  const key = prefix.join(".");
  if (prefix.length > 0 && (documented.includes(key) || resolved.properties === undefined))
    return [key];
  return Object.entries(resolved.properties ?? {}).flatMap(([name, child]) =>
    schemaPaths(child, [...prefix, name]),
  );
}

/** Every object node of the schema, with its path, to check that each is closed. */
function objectNodes(node: SchemaNode, path = "#"): [string, SchemaNode][] {
  const out: [string, SchemaNode][] = [];
  if (node.properties !== undefined) out.push([path, node]);
  for (const [name, child] of Object.entries(node.properties ?? {}))
    out.push(...objectNodes(child, `${path}/properties/${name}`));
  if (node.items !== undefined) out.push(...objectNodes(node.items, `${path}/items`));
  for (const [i, child] of (node.anyOf ?? []).entries())
    out.push(...objectNodes(child, `${path}/anyOf/${String(i)}`));
  return out;
}

describe("values.yaml documentation", () => {
  it("documents every value with a `# --` comment (its own or its parent map's)", () => {
    expect(undocumentedKeys(analysis)).toEqual([]);
    expect(documented).toContain("adaptor.image.tag");
    expect(documented).toContain("adaptor.resources");
    expect(analysis.docs.find((d) => d.key === "clusterDomain")).toEqual({
      key: "clusterDomain",
      type: "string",
      value: "cluster.local",
      description:
        "Kubernetes DNS domain of the cluster, used in ServiceProfile names and `dstOverrides` authorities (`<service>.<namespace>.svc.<clusterDomain>`).",
    });
  });

  it("has the same values as values.schema.json, both ways", () => {
    const isGoOnly = (path: string) => GO_ONLY.some((k) => path === k || path.startsWith(`${k}.`));
    expect(
      schemaPaths(schema)
        .filter((p) => !isGoOnly(p))
        .sort(),
    ).toEqual([...documented].sort());
    // Beyond them, only the Go chart's own keys, accepted so that its values file upgrades,
    // each saying so (and not in values.yaml: the NOTES report them when given).
    expect(schemaPaths(schema).filter(isGoOnly).sort()).toEqual([
      "adaptor.runAsUser",
      "imagePullSecrets",
      "linkerdNamespace",
      "namespaceMetadata.image.name",
      "namespaceMetadata.image.pullPolicy",
      "namespaceMetadata.image.registry",
      "namespaceMetadata.image.tag",
      "namespaceMetadata.runAsUser",
    ]);
    for (const key of GO_ONLY) {
      expect(documented).not.toContain(key);
      const node = key
        .split(".")
        .reduce<SchemaNode | undefined>((n, part) => n?.properties?.[part], schema);
      expect(node?.description, key).toMatch(/^Accepted from the Go linkerd-smi chart's values/);
    }
  });

  it("closes every object of the schema (additionalProperties false or typed)", () => {
    const open = objectNodes(schema)
      .concat(
        Object.entries(schema.definitions).flatMap(([n, d]) =>
          objectNodes(d, `#/definitions/${n}`),
        ),
      )
      .filter(([, node]) => node.additionalProperties !== false)
      .map(([path]) => path);
    expect(open).toEqual([]);
    expect(schema.definitions.stringMap?.additionalProperties).toEqual({ type: "string" });
  });

  it("catches an undocumented value", () => {
    const text = `# -- documented\na: 1\nb:\n  # -- documented\n  c: true\n  d: x\n\n# -- not this one: a blank line follows\n\ne: []\n`;
    const found = analyseValues(text);
    expect(found.docs.map((d) => d.key)).toEqual(["a", "b.c"]);
    expect(undocumentedKeys(found)).toEqual(["b.d", "e"]);
  });
});

describe("README.md values table", () => {
  it("is generated from values.yaml (run `pnpm chart:readme` when this fails)", async () => {
    const { current, expected } = await readmeStatus();
    expect(current).toBe(expected);
  });

  it("lists every documented value with its type, default and description", async () => {
    const { current } = await readmeStatus();
    for (const doc of analysis.docs) expect(current).toContain(`| ${doc.key} `);
    expect(valuesTable(analysis.docs)).toContain(
      '| adaptor.logLevel | string | `"info"` | Log level: `debug`, `info`, `warn` or `error`. |',
    );
  });

  it("goes out of date when a value or its comment changes", async () => {
    const { path, current } = await readmeStatus();
    const changed = [
      valuesText.replace("workerThreads: 2", "workerThreads: 3"),
      valuesText.replace("# -- Log level:", "# -- Verbosity:"),
      valuesText.replace("  podLabels: {}\n", "  podLabels: {}\n  # -- A new value.\n  extra: 1\n"),
    ];
    for (const text of changed) expect(await renderReadme(current, text, path)).not.toBe(current);
    expect(await renderReadme(current, valuesText, path)).toBe(current);
  });
});
