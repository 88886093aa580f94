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

function bash(tree: CompletionTree): string {
  const fn = `_${ident(tree.name)}`;
  const cases = tree.commands
    .map(
      (c) =>
        `    ${c.name}) flags=${single([...c.flags.map((f) => f.flag), ...tree.rootFlags].join(" "))} ;;`,
    )
    .join("\n");
  return `# bash completion for ${tree.name}
# Load it with: source <(${tree.name} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" sub="" flags="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
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
`;
}

function zsh(tree: CompletionTree): string {
  return `#compdef ${tree.name}
# zsh completion for ${tree.name}
# Load it with: source <(${tree.name} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(tree)}`;
}

function fish(tree: CompletionTree): string {
  const lines = [
    `# fish completion for ${tree.name}`,
    `# Load it with: ${tree.name} completion fish | source`,
    `complete -c ${tree.name} -f`,
  ];
  const names = tree.commands.map((c) => c.name).join(" ");
  for (const c of tree.commands)
    lines.push(
      `complete -c ${tree.name} -n "not __fish_seen_subcommand_from ${names}" -a ${c.name} -d ${fishQuote(c.description)}`,
    );
  for (const c of tree.commands) {
    for (const f of c.flags) {
      const opt = f.flag.startsWith("--") ? `-l ${f.flag.slice(2)}` : `-s ${f.flag.slice(1)}`;
      lines.push(
        `complete -c ${tree.name} -n "__fish_seen_subcommand_from ${c.name}" ${opt} -d ${fishQuote(f.description)}`,
      );
    }
  }
  lines.push(
    `complete -c ${tree.name} -n "__fish_seen_subcommand_from completion" -a ${fishQuote(SHELLS.join(" "))}`,
  );
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
