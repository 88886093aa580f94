/**
 * The README's library example, as the tests that run it read it: the `npm install` line and
 * the TypeScript snippet of its `@linkerd-smi/core` section, the tsc flags it must compile
 * under, and what its comments say it prints.
 */

const SECTION = "### `@linkerd-smi/core`";

export interface ReadmeExample {
  /** The install line, as written (`npm install @linkerd-smi/core …`). */
  install: string;
  /** The packages it names. */
  packages: string[];
  /** The snippet, as written. */
  snippet: string;
}

/** The first fenced block of `lang` after `at` in `text`, or undefined. */
function blockAfter(text: string, at: number, lang: string): string | undefined {
  const open = text.indexOf("```" + lang + "\n", at);
  if (open < 0) return undefined;
  const start = open + lang.length + 4;
  return text.slice(start, text.indexOf("\n```", start) + 1);
}

export function readmeLibraryExample(readme: string): ReadmeExample {
  const at = readme.indexOf(SECTION);
  if (at < 0) throw new Error(`README.md has no ${SECTION} section`);
  const sh = blockAfter(readme, at, "sh");
  const install = /^(npm install [^#\n]+)/m.exec(sh ?? "")?.[1]?.trim();
  if (install === undefined) throw new Error(`README.md: no npm install line after ${SECTION}`);
  const snippet = blockAfter(readme, at, "ts");
  if (snippet === undefined) throw new Error(`README.md: no ts block after ${SECTION}`);
  return { install, packages: install.split(/\s+/).slice(2), snippet };
}

/** tsc's flags for the snippet (a `.mts` file): strict, ES modules as Node runs them. */
export const SNIPPET_TSC_FLAGS = [
  "--strict",
  "--module",
  "nodenext",
  "--moduleResolution",
  "nodenext",
  "--target",
  "es2022",
  "--lib",
  "es2022,dom",
  "--skipLibCheck",
] as const;

/** What the snippet's comments say it prints, written from the README by hand. */
export const SNIPPET_OUTPUT =
  "backend-svc.trafficsplit-sample.svc.cluster.local\n" +
  '[{"authority":"backend-svc.trafficsplit-sample.svc.cluster.local","weight":"500"},' +
  '{"authority":"failing-svc.trafficsplit-sample.svc.cluster.local","weight":"500"}]\n';
