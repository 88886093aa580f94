/**
 * `linkerd-smi _extension-metadata`, answered before anything else loads: `linkerd check` runs
 * it for every extension on the PATH, every time, and needs only this line.
 */

/** What `linkerd-smi _extension-metadata` prints (Linkerd's ExtensionMetadataOutput). */
export const EXTENSION_METADATA = {
  name: "linkerd-smi",
  // Not "always": `linkerd check` finds this extension through its namespace's
  // linkerd.io/extension=smi label, so it checks it only where it is installed.
  checks: "cluster",
} as const;

export const EXTENSION_METADATA_COMMAND = "_extension-metadata";

/** The metadata line. */
export function extensionMetadataLine(): string {
  return `${JSON.stringify(EXTENSION_METADATA)}\n`;
}

/** Answers `_extension-metadata` (exactly as linkerd runs it) without loading the CLI; false otherwise. */
export function answerMetadata(args: readonly string[], write: (text: string) => void): boolean {
  if (args.length !== 1 || args[0] !== EXTENSION_METADATA_COMMAND) return false;
  write(extensionMetadataLine());
  return true;
}
