#!/usr/bin/env bash
# Renders what the bootstrap of one cluster installs (written by create-platform-cluster 0.1.0 for every cluster).
#
#   bootstrap/render-values.sh <cluster> <dir>
#   helmfile --file <dir>/bootstrap/<cluster>/helmfile.yaml sync      # what bootstrap/bootstrap.sh's core phase runs
#
# bootstrap/<cluster>/helmfile.yaml names each release's values by its Flux component's own
# kubernetes/.../app/helm-values.yaml, so the bootstrap and the HelmReleases cannot drift. Those files hold ${VAR}s:
# this copies the helmfile and every values file it names to <dir> (same layout), with ${VAR} replaced from
# kubernetes/clusters/<cluster>/cluster-settings.yaml as Flux's postBuild substitution does (${VAR:=default} falls
# back to its default, $${VAR} stays as written). A variable without a value is an error: nothing half-rendered is
# ever installed. Needs only bash and awk.
set -euo pipefail

die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

# Values files a helmfile names, relative to the repository root.
values_files() {
  awk -v dir="$(dirname "$1")" '
    /^[ \t]+- "?(\.\.\/)+kubernetes\/[^"]*helm-values\.yaml"?[ \t]*$/ {
      p = $0; sub(/^[ \t]+- "?/, "", p); sub(/"?[ \t]*$/, "", p)
      d = dir
      while (p ~ /^\.\.\//) { sub(/^\.\.\//, "", p); if (d ~ /\//) sub(/\/[^\/]*$/, "", d); else d = "" }
      print (d == "" ? p : d "/" p)
    }
  ' "$1"
}

# substitute_settings SETTINGS FILE: FILE with ${VAR} replaced from the data of the ConfigMap in SETTINGS.
substitute_settings() {
  awk '
    FNR == NR {
      if ($0 ~ /^data:/) { in_data = 1; next }
      if (in_data && $0 ~ /^[^ \t#]/) in_data = 0
      if (in_data && match($0, /^  [A-Za-z_][A-Za-z0-9_]*:/)) {
        key = substr($0, 3, RLENGTH - 3); val = substr($0, RLENGTH + 1)
        sub(/^[ \t]+/, "", val); sub(/[ \t]+$/, "", val)
        if (val ~ /^".*"$/ || val ~ /^\047.*\047$/) val = substr(val, 2, length(val) - 2)
        set[key] = val
      }
      next
    }
    {
      line = $0; out = ""
      while (match(line, /\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-=][^}]*)?\}/)) {
        pre = substr(line, 1, RSTART - 1); ref = substr(line, RSTART + 2, RLENGTH - 3); rest = substr(line, RSTART + RLENGTH)
        if (pre ~ /\$$/) { out = out pre "${" ref "}"; line = rest; continue }
        name = ref; dflt = ""; has_dflt = 0
        if (match(ref, /:?[-=]/)) { name = substr(ref, 1, RSTART - 1); dflt = substr(ref, RSTART + RLENGTH); has_dflt = 1 }
        if (name in set) val = set[name]
        else if (has_dflt && dflt != "") val = dflt
        else { printf "%s:%d: ${%s} has no value in %s\n", FILENAME, FNR, name, settings > "/dev/stderr"; bad = 1; val = "" }
        out = out pre val; line = rest
      }
      print out line
    }
    END { exit bad }
  ' settings="$1" "$1" "$2"
}

main() {
  [ $# -eq 2 ] || die "usage: bootstrap/render-values.sh <cluster> <dir>"
  local cluster=$1 out=$2 start=$PWD root f n=0
  [[ $cluster =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "invalid cluster name '$cluster'"
  case $out in /*) ;; *) out="$start/$out" ;; esac
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
  cd "$root"
  local helmfile="bootstrap/$cluster/helmfile.yaml" settings="kubernetes/clusters/$cluster/cluster-settings.yaml"
  for f in "$helmfile" "$settings"; do
    [ -f "$f" ] || die "$f is missing; regenerate the repository with create-platform-cluster"
  done
  mkdir -p "$out/bootstrap/$cluster"
  cp "$helmfile" "$out/$helmfile"
  for f in $(values_files "$helmfile"); do
    [ -f "$f" ] || die "$f (named by $helmfile) is missing"
    mkdir -p "$out/$(dirname "$f")"
    substitute_settings "$settings" "$f" >"$out/$f" || die "$f: a variable has no value in $settings"
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || die "$helmfile names no kubernetes/.../helm-values.yaml"
  printf '==> rendered %s and its %s values files with %s into %s\n' "$helmfile" "$n" "$settings" "$out" >&2
}

main "$@"
