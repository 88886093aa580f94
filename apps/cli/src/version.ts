import { readFileSync } from "node:fs";

/** The CLI's package.json (one level above `src/` and `dist/`): its version and the project's home. */
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
  homepage: string;
};

/** The CLI's version. */
export const CLI_VERSION: string = pkg.version;

/** The project's home (its repository): hint links point at its docs. */
export const PROJECT_HOME: string = pkg.homepage;
