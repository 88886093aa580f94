/** `namespace/apex`: the workqueue key. One apex Service, one output (its ServiceProfile). */
export function apexKey(namespace: string, apex: string): string {
  return `${namespace}/${apex}`;
}

/** The inverse of {@link apexKey}. */
export function parseApexKey(key: string): { namespace: string; apex: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), apex: key.slice(slash + 1) };
}
