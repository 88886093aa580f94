/**
 * The single executables a CLI release carries: one per platform, in linkerd-smi's platform
 * names, and their file names. scripts/build-binaries.ts builds them under these names, the
 * release (packages/release) checks and uploads them by these names, and install.sh downloads
 * them by the same pattern.
 */

/** Every platform a release builds an executable for. */
export const EXECUTABLE_PLATFORMS = [
  "linux-amd64",
  "linux-arm64",
  "darwin-amd64",
  "darwin-arm64",
  "windows-amd64",
] as const;

export type ExecutablePlatform = (typeof EXECUTABLE_PLATFORMS)[number];

const PREFIX = "linkerd-smi-";
const suffix = (platform: ExecutablePlatform): string =>
  `-${platform}${platform.startsWith("windows") ? ".exe" : ""}`;

/** `linkerd-smi-<version>-<platform>`, with `.exe` on Windows. */
export function executableName(version: string, platform: ExecutablePlatform): string {
  return `${PREFIX}${version}${suffix(platform)}`;
}

/** True when `file` is {@link executableName} of some version and platform. */
export function isExecutableName(file: string): boolean {
  return EXECUTABLE_PLATFORMS.some(
    (platform) =>
      file.startsWith(PREFIX) &&
      file.endsWith(suffix(platform)) &&
      file.length > PREFIX.length + suffix(platform).length,
  );
}

/** The platform of the machine running this, or undefined when no executable is built for it. */
export function hostPlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): ExecutablePlatform | undefined {
  const os = { linux: "linux", darwin: "darwin", win32: "windows" }[platform as string];
  const cpu = { x64: "amd64", arm64: "arm64" }[arch];
  const name = `${os ?? platform}-${cpu ?? arch}`;
  return EXECUTABLE_PLATFORMS.find((p) => p === name);
}
