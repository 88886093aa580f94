import { Command, type Option } from "commander";
import { CliError } from "../errors.js";
import type { CommandContext } from "../flags.js";

export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
export type Shell = (typeof SHELLS)[number];

/** What completion knows of a command: its visible subcommands and their flags. */
export interface CompletionTree {
  name: string;
  rootFlags: string[];
  commands: { name: string; description: string; flags: { flag: string; description: string }[] }[];
}

function flagsOf(options: readonly Option[]): { flag: string; description: string }[] {
  return options
    .filter((o) => !o.hidden)
    .flatMap((o) =>
      [o.long, o.short]
        .filter((f): f is string => f !== undefined)
        .map((flag) => ({ flag, description: o.description })),
    );
}

/** The tree completion offers, read from the program itself so that it never falls behind. */
export function completionTree(program: Command): CompletionTree {
  return {
    name: program.name(),
    rootFlags: flagsOf(program.options).map((f) => f.flag),
    commands: program.commands
      .filter((c) => !c.name().startsWith("_"))
      .map((c) => ({
        name: c.name(),
        description: c.description(),
        flags: [...flagsOf(c.options), { flag: "--help", description: "display help" }],
      })),
  };
}

const single = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
const fishQuote = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const psQuote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (name: string) => name.replace(/[^A-Za-z0-9]/g, "_");

/**
 * The bash function, for both `linkerd-smi ...` and `linkerd smi ...` (the linkerd CLI runs the
 * extension). For `linkerd`, the words after `linkerd smi` are completed as ours and any other
 * `linkerd ...` goes to the completion linkerd had when the script was loaded (load this one
 * after linkerd's), so that linkerd's own completion keeps working.
 */
function bash(tree: CompletionTree): string {
  const fn = `_${ident(tree.name)}`;
  const prev = `__${ident(tree.name)}_linkerd_completion`;
  const cases = tree.commands
    .map(
      (c) =>
        `    ${c.name}) flags=${single([...c.flags.map((f) => f.flag), ...tree.rootFlags].join(" "))} ;;`,
    )
    .join("\n");
  return `# bash completion for ${tree.name}, also as \`linkerd smi\` (load it after linkerd's own)
# Load it with: source <(${tree.name} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" sub="" flags="" i first=1
  if [[ "\${COMP_WORDS[0]##*/}" == linkerd ]]; then
    if [[ "\${COMP_WORDS[1]}" != smi || COMP_CWORD -lt 2 ]]; then
      # Not \`linkerd smi ...\`: linkerd's own completion, if it had one.
      if [[ -n "\${${prev}:-}" ]]; then
        "\${${prev}}" "$@"
      fi
      return
    fi
    first=2
  fi
  for ((i = first; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) sub="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$sub" ]]; then
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W ${single([...tree.rootFlags, "--help"].join(" "))} -- "$cur"))
    else
      COMPREPLY=($(compgen -W ${single(tree.commands.map((c) => c.name).join(" "))} -- "$cur"))
    fi
    return 0
  fi
  if [[ "$sub" == completion && "$cur" != -* ]]; then
    COMPREPLY=($(compgen -W ${single(SHELLS.join(" "))} -- "$cur"))
    return 0
  fi
  case "$sub" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -o default -F ${fn} ${tree.name}
${bashChain(fn, prev)}`;
}

/** bash: remembers linkerd's completion function, then completes \`linkerd\` with ours. */
function bashChain(fn: string, prev: string): string {
  return `${prev}=$(complete -p linkerd 2>/dev/null | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')
if [[ "$${prev}" == ${fn} ]]; then ${prev}=""; fi
complete -o default -F ${fn} linkerd
`;
}

function zsh(tree: CompletionTree): string {
  const fn = `_${ident(tree.name)}`;
  // The bash function through bashcompinit; \`linkerd\` keeps its own zsh completion (_comps)
  // for everything but \`linkerd smi ...\`.
  return `#compdef ${tree.name}
# zsh completion for ${tree.name}, also as \`linkerd smi\` (load it after linkerd's own)
# Load it with: source <(${tree.name} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(tree).replace(bashChain(fn, `__${ident(tree.name)}_linkerd_completion`), "")}__${ident(tree.name)}_zsh_linkerd=\${_comps[linkerd]:-}
if [[ "$__${ident(tree.name)}_zsh_linkerd" == ${fn}_zsh ]]; then __${ident(tree.name)}_zsh_linkerd=""; fi
${fn}_zsh() {
  if [[ "\${words[2]}" == smi ]]; then
    _bash_complete -o default -F ${fn}
  elif [[ -n "$__${ident(tree.name)}_zsh_linkerd" ]]; then
    "$__${ident(tree.name)}_zsh_linkerd" "$@"
  else
    _files
  fi
}
compdef ${fn}_zsh linkerd
`;
}

function fish(tree: CompletionTree): string {
  const lines = [
    `# fish completion for ${tree.name}, also as \`linkerd smi\``,
    `# Load it with: ${tree.name} completion fish | source`,
    `complete -c ${tree.name} -f`,
  ];
  const names = tree.commands.map((c) => c.name).join(" ");
  // For \`linkerd\`, the same specs under \`smi\`; they add to linkerd's own.
  const forms = [
    { command: tree.name, within: "" },
    { command: "linkerd", within: "__fish_seen_subcommand_from smi; and " },
  ];
  lines.push(
    `complete -c linkerd -n "not __fish_seen_subcommand_from smi" -a smi -d ${fishQuote("The Linkerd SMI extension")}`,
  );
  for (const { command, within } of forms) {
    for (const c of tree.commands)
      lines.push(
        `complete -c ${command} -f -n "${within}not __fish_seen_subcommand_from ${names}" -a ${c.name} -d ${fishQuote(c.description)}`,
      );
    for (const c of tree.commands) {
      for (const f of c.flags) {
        const opt = f.flag.startsWith("--") ? `-l ${f.flag.slice(2)}` : `-s ${f.flag.slice(1)}`;
        lines.push(
          `complete -c ${command} -n "${within}__fish_seen_subcommand_from ${c.name}" ${opt} -d ${fishQuote(f.description)}`,
        );
      }
    }
    lines.push(
      `complete -c ${command} -f -n "${within}__fish_seen_subcommand_from completion" -a ${fishQuote(SHELLS.join(" "))}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function powershell(tree: CompletionTree): string {
  const table = tree.commands
    .map(
      (c) =>
        `  ${psQuote(c.name)} = @(${[...c.flags.map((f) => f.flag), ...tree.rootFlags].map(psQuote).join(", ")})`,
    )
    .join("\n");
  return `# PowerShell completion for ${tree.name}
# Load it with: ${tree.name} completion powershell | Out-String | Invoke-Expression
$__linkerdSmiFlags = @{
${table}
  'completion' = @(${SHELLS.map(psQuote).join(", ")})
}
Register-ArgumentCompleter -Native -CommandName ${psQuote(tree.name)} -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
  $sub = $words | Where-Object { $_ -notlike '-*' -and $_ -ne $wordToComplete } | Select-Object -First 1
  if ($null -eq $sub) {
    $candidates = $__linkerdSmiFlags.Keys
  } else {
    $candidates = $__linkerdSmiFlags[$sub]
  }
  $candidates | Where-Object { $_ -like "$wordToComplete*" } | Sort-Object | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
}

/** The completion script of `shell` for the program's tree. */
export function completionScript(shell: string, tree: CompletionTree): string {
  switch (shell) {
    case "bash":
      return bash(tree);
    case "zsh":
      return zsh(tree);
    case "fish":
      return fish(tree);
    case "powershell":
      return powershell(tree);
    default:
      throw new CliError(`unsupported shell "${shell}": use one of ${SHELLS.join(", ")}`, 2);
  }
}

export function newCmdCompletion(ctx: CommandContext): Command {
  return new Command("completion")
    .description(`Print a shell completion script (${SHELLS.join(", ")})`)
    .argument("<shell>", `one of ${SHELLS.join(", ")}`)
    .addHelpText(
      "after",
      `
The bash, zsh and fish scripts complete both \`linkerd-smi ...\` and \`linkerd smi
...\`; for \`linkerd\` they hand every other command to linkerd's own completion,
so load them after it. The PowerShell script completes \`linkerd-smi\` only.

Examples:
  # bash, this shell only (add it to ~/.bashrc to keep it)
  source <(linkerd-smi completion bash)

  # zsh
  linkerd-smi completion zsh > "\${fpath[1]}/_linkerd-smi"

  # fish
  linkerd-smi completion fish > ~/.config/fish/completions/linkerd-smi.fish

  # PowerShell
  linkerd-smi completion powershell | Out-String | Invoke-Expression`,
    )
    .action((shell: string, _opts: unknown, command: Command) => {
      const root = command.parent;
      if (root === null) throw new Error("completion must be a subcommand");
      ctx.io.out(completionScript(shell, completionTree(root)));
    });
}
