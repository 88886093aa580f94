/**
 * The release notes of `version`: its section of a CHANGELOG.md as `changeset version` writes
 * it (`## <version>`, then `### Patch Changes` and friends, up to the next `## `), without the
 * version heading itself.
 */
export function releaseNotes(changelog: string, name: string, version: string): string {
  const lines = changelog.split("\n");
  const start = lines.findIndex((line) => line.trim() === `## ${version}`);
  if (start < 0)
    throw new Error(
      `${name}: its CHANGELOG.md has no "## ${version}" section; run \`pnpm version-packages\` to write it`,
    );
  let end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  if (end < 0) end = lines.length;
  const body = lines
    .slice(start + 1, end)
    .join("\n")
    .trim();
  return body === "" ? "No changes recorded." : body;
}
