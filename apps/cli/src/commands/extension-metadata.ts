import { Command } from "commander";
import type { CommandContext } from "../flags.js";
import { EXTENSION_METADATA_COMMAND, extensionMetadataLine } from "../metadata.js";

export { EXTENSION_METADATA } from "../metadata.js";

/** The same answer through the command tree (with flags, or from `run` in tests). */
export function newCmdExtensionMetadata(ctx: CommandContext): Command {
  return new Command(EXTENSION_METADATA_COMMAND)
    .description("Print the extension's metadata for `linkerd check`")
    .action(() => {
      ctx.io.out(extensionMetadataLine());
    });
}
