import { Command } from "commander";
import type { CommandContext } from "../flags.js";

/** What `linkerd-smi _extension-metadata` prints (Linkerd's ExtensionMetadataOutput). */
export const EXTENSION_METADATA = {
  name: "linkerd-smi",
  // Not "always": `linkerd check` finds this extension through its namespace's
  // linkerd.io/extension=smi label, so it checks it only where it is installed.
  checks: "cluster",
} as const;

export function newCmdExtensionMetadata(ctx: CommandContext): Command {
  return new Command("_extension-metadata")
    .description("Print the extension's metadata for `linkerd check`")
    .action(() => {
      ctx.io.out(`${JSON.stringify(EXTENSION_METADATA)}\n`);
    });
}
