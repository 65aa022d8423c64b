import { type Command, Help, type Option } from 'commander';
import { UsageError } from '../core/errors';
import { CLUSTER_FIELDS } from '../model/cluster-fields';
import { STORY_LANES } from '../model/schema';

/** What a value (of an option or a positional argument) completes to. */
export type ValueKind =
  | { kind: 'dir' }
  | { kind: 'file' }
  | { kind: 'clusters' }
  | { kind: 'words'; words: string[] }
  | { kind: 'none' };

export interface OptionSpec {
  /** -v, --version */
  names: string[];
  description: string;
  /** Undefined for a flag; what its value completes to otherwise. */
  value?: ValueKind;
  /** May be given more than once. */
  repeat: boolean;
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  commands: CommandSpec[];
  /** What positional arguments complete to (undefined: the command takes none). */
  args?: ValueKind;
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Facts the values complete from: the catalog's story ids and sprints (the scripts carry them, no call per TAB). */
export interface CompletionFacts {
  storyIds: string[];
  sprints: number[];
  planFormats: readonly string[];
}

/** What the value of `--<flag>` of `command` completes to, by the option's meaning. */
function optionValue(command: string, long: string, facts: CompletionFacts): ValueKind {
  // A cluster field with choices (--role, --secret-store) completes to the choices of its row in the table.
  const field = CLUSTER_FIELDS.find((f) => f.flag === long);
  if (field && 'choices' in field) return { kind: 'words', words: [...field.choices] };
  switch (long) {
    case '--dir':
    case '--cluster-path':
      return { kind: 'dir' };
    case '--answers':
      return { kind: 'file' };
    case '--cluster':
      return { kind: 'clusters' };
    case '--stories':
      return { kind: 'words', words: ['all', ...facts.storyIds] };
    case '--depends-on':
      return { kind: 'words', words: facts.storyIds };
    case '--format':
      return { kind: 'words', words: command === 'plan' ? [...facts.planFormats] : ['mermaid', 'dot'] };
    case '--lane':
      return { kind: 'words', words: [...STORY_LANES] };
    default:
      return { kind: 'none' };
  }
}

/** What the positional arguments of a command complete to. */
function argumentValue(program: string, command: string, facts: CompletionFacts): ValueKind {
  const key = command || program;
  if (['approve', 'unapprove', 'add-story'].includes(key)) return { kind: 'words', words: facts.storyIds };
  if (key === 'gate') return { kind: 'words', words: facts.sprints.map(String) };
  if (key === 'completion') return { kind: 'words', words: [...SHELLS] };
  if (key === 'help') return { kind: 'none' };
  if (key === 'lint-commit') return { kind: 'file' };
  return { kind: 'none' };
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** A commander program (and its subcommands) as plain data: what the completion scripts are written from. */
export function commandSpec(cmd: Command, facts: CompletionFacts, program = cmd.name(), parent?: string): CommandSpec {
  const help = new Help();
  const command = parent === undefined ? '' : cmd.name();
  const options = help.visibleOptions(cmd).map((o: Option) => ({
    names: [o.short, o.long].filter((n): n is string => Boolean(n)),
    description: oneLine(o.description ?? ''),
    value: o.required || o.optional ? optionValue(command, o.long ?? '', facts) : undefined,
    repeat: Boolean(o.variadic) || /\(repeat/.test(o.description ?? ''),
  }));
  const commands =
    parent === undefined ? help.visibleCommands(cmd).map((c) => commandSpec(c, facts, program, cmd.name())) : [];
  const args =
    cmd.registeredArguments.length || command === 'help' ? argumentValue(program, command, facts) : undefined;
  return { name: cmd.name(), description: oneLine(cmd.description()), options, commands, args };
}

// ---------------------------------------------------------------------------------------------------- bash

/** A shell word in single quotes. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const fnName = (bin: string) => bin.replace(/[^A-Za-z0-9]/g, '_');

function kindWord(v: ValueKind): string {
  return v.kind === 'words' ? `words:${v.words.join(' ')}` : v.kind;
}

function bashScript(specs: CommandSpec[]): string {
  const out: string[] = [
    '# bash completion for ' + specs.map((s) => s.name).join(', ') + ' (written by: platform-kit completion bash)',
    '# use: source <(platform-kit completion bash)   or save it under ~/.local/share/bash-completion/completions/',
    '',
    '# _cpc_values KIND: complete the current word as KIND (dir, file, clusters, none, words:W1 W2 …).',
    '_cpc_values() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}"',
    '  case "$1" in',
    '    dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;',
    '    file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;',
    '    clusters) if command -v platform-kit >/dev/null 2>&1; then ' +
      'COMPREPLY=($(compgen -W "$(platform-kit completion clusters --dir "${_cpc_dir:-.}" 2>/dev/null)" -- "$cur")); fi ;;',
    '    words:*) COMPREPLY=($(compgen -W "${1#words:}" -- "$cur")) ;;',
    '    *) COMPREPLY=() ;;',
    '  esac',
    '}',
    '',
    '# _cpc_complete BIN: find the subcommand and the option whose value is being typed, then complete.',
    '_cpc_complete() {',
    '  local bin="$1" cur="${COMP_WORDS[COMP_CWORD]}" cmd="" i w kind',
    '  _cpc_dir=.',
    '  COMPREPLY=()',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w="${COMP_WORDS[i]}"',
    '    if [[ "$w" == -* ]]; then',
    '      kind="$("_cpc_${bin}_option" "$cmd" "$w")"',
    '      if [[ -n "$kind" ]]; then',
    '        if ((i + 1 == COMP_CWORD)); then _cpc_values "$kind"; return 0; fi',
    '        [[ "$w" == --dir ]] && _cpc_dir="${COMP_WORDS[i + 1]}"',
    '        ((i++))',
    '      fi',
    '    elif [[ -z "$cmd" && -n "$("_cpc_${bin}_commands")" ]]; then',
    '      cmd="$w"',
    '    fi',
    '  done',
    '  if [[ "$cur" == -* ]]; then',
    '    COMPREPLY=($(compgen -W "$("_cpc_${bin}_options" "$cmd")" -- "$cur"))',
    '  elif [[ -z "$cmd" && -n "$("_cpc_${bin}_commands")" ]]; then',
    '    COMPREPLY=($(compgen -W "$("_cpc_${bin}_commands")" -- "$cur"))',
    '  else',
    '    kind="$("_cpc_${bin}_args" "$cmd")"',
    '    [[ -n "$kind" ]] && _cpc_values "$kind"',
    '  fi',
    '  return 0',
    '}',
  ];
  for (const spec of specs) {
    const f = fnName(spec.name);
    const all = [{ cmd: '', spec }, ...spec.commands.map((c) => ({ cmd: c.name, spec: c }))];
    out.push('', `# ${spec.name}`);
    out.push(`_cpc_${f}_commands() { printf '%s\\n' ${sq(spec.commands.map((c) => c.name).join(' '))}; }`);
    out.push(`_cpc_${f}_options() {`, '  case "$1" in');
    for (const { cmd, spec: c } of all)
      out.push(`    ${sq(cmd)}) printf '%s\\n' ${sq(c.options.flatMap((o) => o.names).join(' '))} ;;`);
    out.push('  esac', '}');
    out.push(`_cpc_${f}_option() {`, '  case "$1|$2" in');
    for (const { cmd, spec: c } of all) {
      for (const o of c.options)
        if (o.value)
          out.push(
            `    ${o.names.map((n) => sq(`${cmd}|${n}`)).join('|')}) printf '%s\\n' ${sq(kindWord(o.value))} ;;`,
          );
    }
    out.push('  esac', '}');
    out.push(`_cpc_${f}_args() {`, '  case "$1" in');
    for (const { cmd, spec: c } of all)
      if (c.args) out.push(`    ${sq(cmd)}) printf '%s\\n' ${sq(kindWord(c.args))} ;;`);
    out.push('  esac', '}');
    out.push(`_cpc_${f}() { _cpc_complete ${f}; }`);
    out.push(`complete -F _cpc_${f} ${spec.name}`);
  }
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------- zsh

/** Text inside an _arguments description [..] or a _describe entry: no brackets, colons, quotes or backslashes. */
const zshText = (s: string) =>
  oneLine(s)
    .replace(/[[\]:'\\`$]/g, ' ')
    .replace(/\s+/g, ' ')
    .slice(0, 90)
    .trim();

function zshAction(v: ValueKind): string {
  switch (v.kind) {
    case 'dir':
      return '_files -/';
    case 'file':
      return '_files';
    case 'clusters':
      return '_cpc_clusters';
    case 'words':
      return `(${v.words.join(' ')})`;
    default:
      return ' ';
  }
}

function zshArguments(c: CommandSpec): string[] {
  const specs: string[] = [];
  for (const o of c.options) {
    const desc = `[${zshText(o.description)}]`;
    const value = o.value ? `:value:${zshAction(o.value)}` : '';
    const rep = o.repeat ? '*' : '';
    if (o.names.length > 1 && !o.repeat) {
      specs.push(`'(${o.names.join(' ')})'{${o.names.join(',')}}'${desc}${value}'`);
    } else for (const n of o.names) specs.push(`'${rep}${n}${desc}${value}'`);
  }
  if (c.args) specs.push(`'*:argument:${zshAction(c.args)}'`);
  return specs;
}

function zshScript(specs: CommandSpec[]): string {
  const out: string[] = [
    `#compdef ${specs.map((s) => s.name).join(' ')}`,
    '# zsh completion (written by: platform-kit completion zsh)',
    '# use: source <(platform-kit completion zsh)   or save it as _platform-kit in a folder of $fpath',
    '',
    '_cpc_clusters() {',
    '  local dir=. i',
    '  for ((i = 1; i < ${#words}; i++)); do [[ "${words[i]}" == --dir ]] && dir="${words[i+1]}"; done',
    '  (( $+commands[platform-kit] )) || return 1',
    '  local -a names',
    '  names=(${(f)"$(platform-kit completion clusters --dir "$dir" 2>/dev/null)"})',
    "  _describe -t clusters 'cluster' names",
    '}',
  ];
  for (const spec of specs) {
    const f = fnName(spec.name);
    out.push('', `_cpc_${f}() {`);
    if (!spec.commands.length) {
      out.push(`  _arguments -s \\`, ...zshArguments(spec).map((s) => `    ${s} \\`), '    && return 0', '}');
      continue;
    }
    out.push('  local curcontext="$curcontext" state line', '  local -a cmds', '  cmds=(');
    for (const c of spec.commands) out.push(`    '${c.name}:${zshText(c.description)}'`);
    out.push('  )');
    out.push(
      '  _arguments -C \\',
      ...zshArguments({ ...spec, args: undefined }).map((s) => `    ${s} \\`),
      "    '1:command:->cmds' \\",
      "    '*::arg:->args' && return 0",
    );
    out.push(
      '  case $state in',
      `    cmds) _describe -t commands '${spec.name} command' cmds ;;`,
      '    args)',
      '      case $line[1] in',
    );
    for (const c of spec.commands) {
      out.push(
        `        ${c.name})`,
        '          _arguments -s \\',
        ...zshArguments(c).map((s) => `            ${s} \\`),
        '            && return 0 ;;',
      );
    }
    out.push('      esac ;;', '  esac', '}');
  }
  out.push('');
  for (const spec of specs) out.push(`compdef _cpc_${fnName(spec.name)} ${spec.name}`);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------- fish

/** A fish word in single quotes (fish escapes \ and ' inside them). */
const fq = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fishValue(v: ValueKind): string {
  switch (v.kind) {
    case 'dir':
      return `-x -a ${fq('(__fish_complete_directories)')}`;
    case 'file':
      return '-r -F';
    case 'clusters':
      return `-x -a ${fq('(__cpc_clusters)')}`;
    case 'words':
      return `-x -a ${fq(v.words.join(' '))}`;
    default:
      return '-x';
  }
}

function fishOption(bin: string, cond: string, o: OptionSpec): string {
  const names = o.names.map((n) => (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(' ');
  return `complete -c ${bin}${cond} ${names}${o.value ? ` ${fishValue(o.value)}` : ''} -d ${fq(oneLine(o.description).slice(0, 90))}`;
}

function fishScript(specs: CommandSpec[]): string {
  const out: string[] = [
    '# fish completion (written by: platform-kit completion fish)',
    '# use: platform-kit completion fish | source   or save it in ~/.config/fish/completions/platform-kit.fish',
    '',
    'function __cpc_clusters',
    '    set -l dir .',
    '    set -l tokens (commandline -opc)',
    '    for i in (seq (count $tokens))',
    '        if test "$tokens[$i]" = --dir; and test $i -lt (count $tokens)',
    '            set dir $tokens[(math $i + 1)]',
    '        end',
    '    end',
    '    command -q platform-kit; and platform-kit completion clusters --dir $dir 2>/dev/null',
    'end',
  ];
  for (const spec of specs) {
    out.push('', `# ${spec.name}`, `complete -c ${spec.name} -f`);
    if (!spec.commands.length) {
      for (const o of spec.options) out.push(fishOption(spec.name, '', o));
      if (spec.args) out.push(`complete -c ${spec.name} ${fishValue(spec.args)}`);
      continue;
    }
    const top = ` -n ${fq('__fish_use_subcommand')}`;
    for (const o of spec.options) out.push(fishOption(spec.name, top, o));
    for (const c of spec.commands)
      out.push(`complete -c ${spec.name}${top} -a ${fq(c.name)} -d ${fq(c.description.slice(0, 90))}`);
    for (const c of spec.commands) {
      const cond = ` -n ${fq(`__fish_seen_subcommand_from ${c.name}`)}`;
      for (const o of c.options) out.push(fishOption(spec.name, cond, o));
      if (c.args) out.push(`complete -c ${spec.name}${cond} ${fishValue(c.args)}`);
    }
  }
  return out.join('\n') + '\n';
}

/** The completion script of these programs for a shell; a UsageError for a shell it does not know. */
export function completionScript(shell: string, programs: Command[], facts: CompletionFacts): string {
  if (!(SHELLS as readonly string[]).includes(shell))
    throw new UsageError(`completion ${shell}: use ${SHELLS.join(', ')}`);
  const specs = programs.map((p) => commandSpec(p, facts));
  return shell === 'bash' ? bashScript(specs) : shell === 'zsh' ? zshScript(specs) : fishScript(specs);
}

/** The catalog's story ids and sprint numbers, and the plan formats. */
export async function completionFacts(): Promise<CompletionFacts> {
  const { catalogWith } = await import('../model/stories');
  const { buildPlan } = await import('../delivery/model');
  const { PLAN_FORMATS } = await import('../delivery/render');
  const cat = catalogWith({});
  return {
    storyIds: cat.stories.map((x) => x.id),
    sprints: buildPlan(cat).sprints.map((x) => x.sprint),
    planFormats: PLAN_FORMATS,
  };
}

/** The cluster names of the repository in `dir` (none when it has no readable platform.yaml): what the scripts ask for. */
export async function clusterNames(dir: string): Promise<string[]> {
  try {
    const { loadPlatform } = await import('../model/platform-file');
    return Object.keys(loadPlatform(dir)?.spec.clusters ?? {});
  } catch {
    return [];
  }
}
