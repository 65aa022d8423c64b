#!/usr/bin/env bash
# Bootstrap of one cluster (STORY-BOOT-AUTOMATION-ALIGN): the single, idempotent entry point.
#
#   bootstrap/bootstrap.sh <cluster> [--dry-run] [--phase talos|crds|core|flux|verify] [--render-values DIR]
#
# Phases, in order (all of them when --phase is not given):
#   talos   talhelper genconfig for talos/<cluster>/talconfig.yaml; talosctl apply-config on nodes still in
#           maintenance mode; talosctl bootstrap when etcd is not bootstrapped yet; fetch the kubeconfig
#   crds    render bootstrap/crds/helmfile.yaml, keep only CustomResourceDefinitions and apply them server-side;
#           apply the Gateway API CRDs of bootstrap/crds/kustomization.yaml the same way
#   core    helmfile sync of bootstrap/<cluster>/helmfile.yaml (cilium, coredns, external-secrets, flux-operator,
#           flux-instance) with the Flux components' own helm-values.yaml, this cluster's settings substituted;
#           skipped once the FluxInstance flux is Ready (Flux owns those releases from then on). Then the Secrets
#           created by hand (secret-store credential, Git credential) from the environment, when still missing
#   flux    wait until the FluxInstance flux in flux-system is Ready
#   verify  wait until every Flux Kustomization is Ready and list them
#
# Every phase checks before it acts, so re-running a finished bootstrap changes nothing. --dry-run prints each
# command instead of running it and changes nothing; missing tools are then only a warning. Secrets that must
# exist out of band (Talos secrets, the secret-store and Git credentials) are described in bootstrap/README.md.
#
# Environment: BOOTSTRAP_KUBECONFIG (default talos/<cluster>/kubeconfig, written by the talos phase),
# BOOTSTRAP_TIMEOUT (seconds per wait, default 1200).
set -euo pipefail

PHASES="talos crds core flux verify"
FIELD_MANAGER="bootstrap-crds"
DRY_RUN=0
PHASE=""
CLUSTER=""
TIMEOUT="${BOOTSTRAP_TIMEOUT:-1200}"
KUBECONFIG_PENDING=0
WORK_DIR=""
RENDER_DIR=""

usage() {
  cat <<'USAGE'
Usage: bootstrap/bootstrap.sh <cluster> [--dry-run] [--phase talos|crds|core|flux|verify] [--render-values DIR]

Bootstraps cluster <cluster> (a folder talos/<cluster> and bootstrap/<cluster> must exist) through the phases
talos -> crds -> core -> flux -> verify, or only the phase given with --phase.

Options:
  --dry-run, -n   print every command instead of running it; change nothing
  --phase PHASE   run only PHASE (talos, crds, core, flux or verify)
  --render-values DIR
                  only write bootstrap/<cluster>/helmfile.yaml and the Flux values files it names, with this
                  cluster's settings substituted, under DIR (what the core phase syncs); needs no cluster
  --help, -h      show this help

Environment:
  BOOTSTRAP_KUBECONFIG  kubeconfig of the cluster (default talos/<cluster>/kubeconfig, fetched by the talos phase)
  BOOTSTRAP_TIMEOUT     seconds each wait may take (default 1200)
USAGE
}

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'ERROR: %s\n\n' "$*" >&2
  usage >&2
  exit 2
}
dry() { [ "$DRY_RUN" -eq 1 ]; }

# A command line, shell-quoted, for printing.
quote_cmd() {
  local out="" arg
  for arg in "$@"; do out="$out $(printf '%q' "$arg")"; done
  printf '%s' "${out# }"
}

# Run a command that changes something (or print it in a dry run).
run() {
  if dry; then
    printf '[dry-run] %s\n' "$(quote_cmd "$@")"
    return 0
  fi
  printf '+ %s\n' "$(quote_cmd "$@")" >&2
  "$@"
}

# Run a command inside a folder (a subshell, so the working directory of the script never changes).
run_in() {
  local dir=$1
  shift
  if dry; then
    printf '[dry-run] (cd %s && %s)\n' "$(printf '%q' "$dir")" "$(quote_cmd "$@")"
    return 0
  fi
  printf '+ (cd %s && %s)\n' "$(printf '%q' "$dir")" "$(quote_cmd "$@")" >&2
  (cd "$dir" && "$@")
}

# Read-only check deciding whether a step is still needed. In a dry run it is printed, not run, and reports
# "not done yet", so the dry run shows every step a fresh cluster would get.
probe() {
  local what=$1
  shift
  if dry; then
    printf '[dry-run] check whether %s: %s\n' "$what" "$(quote_cmd "$@")"
    return 1
  fi
  "$@" >/dev/null 2>&1
}

# Poll a read-only command until it succeeds or BOOTSTRAP_TIMEOUT passes.
wait_for() {
  local what=$1
  shift
  if dry; then
    printf '[dry-run] wait up to %ss until %s: %s\n' "$TIMEOUT" "$what" "$(quote_cmd "$@")"
    return 0
  fi
  local deadline=$(($(date +%s) + TIMEOUT))
  log "waiting until $what"
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      die "timed out after ${TIMEOUT}s waiting until $what (last check: $(quote_cmd "$@"))"
    fi
    sleep 10
  done
}

require_file() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || die "$f is missing; regenerate the repository with create-platform-cluster"
  done
}

# Tools each phase needs. awk, mktemp and diff are part of every POSIX system.
tools_for() {
  case $1 in
    talos) echo "talhelper talosctl kubectl" ;;
    crds) echo "helmfile helm kubectl" ;;
    core) echo "helmfile helm kubectl" ;;
    flux) echo "kubectl" ;;
    verify) echo "kubectl" ;;
  esac
}

check_tools() {
  local needed="" missing="" p t
  for p in $1; do needed="$needed $(tools_for "$p")"; done
  for t in $needed; do
    case " $missing " in *" $t "*) continue ;; esac
    command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
  done
  [ -z "$missing" ] && return 0
  if dry; then
    warn "missing tools:$missing (a real run needs them; see bootstrap/README.md). The dry run goes on."
  else
    die "missing tools:$missing. Install them first (versions in bootstrap/README.md)."
  fi
}

# Clusters of this repository: a bootstrap/<name>/helmfile.yaml next to a talos/<name>/talconfig.yaml.
known_clusters() {
  local d name list=""
  for d in bootstrap/*/; do
    name=$(basename "$d")
    [ -f "bootstrap/$name/helmfile.yaml" ] && [ -f "talos/$name/talconfig.yaml" ] && list="$list $name"
  done
  printf '%s' "${list# }"
}

validate_cluster() {
  local dns='^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'
  [[ $CLUSTER =~ $dns ]] || usage_error "invalid cluster name '$CLUSTER' (a DNS label such as infra or apps)"
  if [ ! -d "talos/$CLUSTER" ] || [ ! -d "bootstrap/$CLUSTER" ]; then
    die "unknown cluster '$CLUSTER': talos/$CLUSTER and bootstrap/$CLUSTER must both exist (clusters here: $(known_clusters))"
  fi
}

need_kubeconfig() {
  [ -f "$KUBECONFIG" ] && return 0
  if dry; then
    [ "$KUBECONFIG_PENDING" -eq 1 ] || warn "no kubeconfig at $KUBECONFIG yet (the talos phase fetches it)"
    return 0
  fi
  die "no kubeconfig at $KUBECONFIG: run the talos phase first, or set BOOTSTRAP_KUBECONFIG to this cluster's kubeconfig"
}

# Nodes of a talhelper config, one "hostname ip controlPlane" line each.
talos_nodes() {
  awk '
    function val(line) { sub(/^[^:]*:[ \t]*/, "", line); sub(/[ \t]+#.*$/, "", line); gsub(/["\047]/, "", line); return line }
    function emit() { if (host != "") print host, ip, (cp == "" ? "false" : cp); host = ""; ip = ""; cp = "" }
    /^nodes:/ { in_nodes = 1; next }
    in_nodes && /^[^ \t#]/ { emit(); in_nodes = 0 }
    !in_nodes { next }
    /^  - / { emit(); sub(/^  - /, "    ") }
    /^    hostname:/ { host = val($0) }
    /^    ipAddress:/ { ip = val($0) }
    /^    controlPlane:/ { cp = val($0) }
    END { emit() }
  ' "$1"
}

talos_cluster_name() {
  awk '/^clusterName:/ { sub(/^clusterName:[ \t]*/, ""); sub(/[ \t]+#.*$/, ""); gsub(/["\047]/, ""); print; exit }' "$1"
}

# Keep only the documents of kind CustomResourceDefinition from a YAML stream (helm template output).
crds_only() {
  awk '
    BEGIN { FS = "\n" }
    function flush(   i) {
      if (keep) { print "---"; for (i = 1; i <= n; i++) print lines[i] }
      n = 0; keep = 0
    }
    /^---([ \t].*)?$/ { flush(); next }
    { lines[++n] = $0 }
    /^kind:[ \t]*"?CustomResourceDefinition"?[ \t]*$/ { keep = 1 }
    END { flush() }
  '
}

# Server-side apply of a manifest file, only when kubectl diff reports a change.
apply_if_changed() {
  local what=$1 file=$2 rc=0
  kubectl diff --server-side --force-conflicts --field-manager "$FIELD_MANAGER" -f "$file" >/dev/null 2>&1 || rc=$?
  case $rc in
    0)
      log "$what: already applied, nothing to change"
      return 0
      ;;
    1) ;;
    *) warn "$what: kubectl diff failed (exit $rc); applying anyway" ;;
  esac
  run kubectl apply --server-side --force-conflicts --field-manager "$FIELD_MANAGER" -f "$file"
}

cleanup() {
  if [ -n "$WORK_DIR" ]; then rm -rf "$WORK_DIR"; fi
}

phase_talos() {
  local dir="talos/$CLUSTER"
  local talosconfig="$dir/clusterconfig/talosconfig"
  require_file "$dir/talconfig.yaml"
  if [ ! -f "$dir/talsecret.sops.yaml" ] && [ ! -f "$dir/talsecret.yaml" ]; then
    local msg="no Talos secrets in $dir (talsecret.sops.yaml or talsecret.yaml); create them once, out of band (bootstrap/README.md)"
    if dry; then warn "$msg"; else die "$msg"; fi
  fi

  # Node configs and talosconfig land in talos/<cluster>/clusterconfig/, which talhelper keeps out of git.
  run_in "$dir" talhelper genconfig

  local name nodes first_cp="" host ip cp
  name=$(talos_cluster_name "$dir/talconfig.yaml")
  [ -n "$name" ] || die "$dir/talconfig.yaml has no clusterName"
  nodes=$(talos_nodes "$dir/talconfig.yaml")
  [ -n "$nodes" ] || die "$dir/talconfig.yaml lists no nodes"
  while read -r host ip cp <&3; do
    [ -n "$host" ] || continue
    if [ "$cp" = "true" ] && [ -z "$first_cp" ]; then first_cp=$ip; fi
    if probe "node $host ($ip) already runs this cluster's configuration" \
      talosctl --talosconfig "$talosconfig" --nodes "$ip" --endpoints "$ip" version; then
      log "node $host ($ip) is configured already; not applying"
      continue
    fi
    run talosctl apply-config --insecure --nodes "$ip" --endpoints "$ip" --file "$dir/clusterconfig/$name-$host.yaml"
    wait_for "node $host ($ip) has installed and answers with the cluster's talosconfig" \
      talosctl --talosconfig "$talosconfig" --nodes "$ip" --endpoints "$ip" version
  done 3<<EOF
$nodes
EOF
  [ -n "$first_cp" ] || die "$dir/talconfig.yaml has no control-plane node"

  # Talos refuses a second bootstrap of etcd; the check keeps re-runs quiet.
  if probe "etcd is bootstrapped on $first_cp" \
    talosctl --talosconfig "$talosconfig" --nodes "$first_cp" --endpoints "$first_cp" etcd status; then
    log "etcd is bootstrapped already; not bootstrapping"
  else
    run talosctl --talosconfig "$talosconfig" --nodes "$first_cp" --endpoints "$first_cp" bootstrap
  fi

  if [ -f "$KUBECONFIG" ] && probe "the kubeconfig $KUBECONFIG reaches the cluster" kubectl get --raw /readyz; then
    log "kubeconfig $KUBECONFIG works; not fetching it again"
  else
    run talosctl --talosconfig "$talosconfig" --nodes "$first_cp" --endpoints "$first_cp" \
      kubeconfig "$KUBECONFIG" --force --merge=false
    KUBECONFIG_PENDING=1
  fi
  wait_for "the Kubernetes API of $CLUSTER answers" kubectl get --raw /readyz
}

phase_crds() {
  local helmfile="bootstrap/crds/helmfile.yaml"
  require_file "$helmfile" bootstrap/crds/kustomization.yaml
  need_kubeconfig
  local render=(helmfile --file "$helmfile" template --include-crds --skip-tests)
  local apply=(kubectl apply --server-side --force-conflicts --field-manager "$FIELD_MANAGER" -f)
  if dry; then
    printf '[dry-run] %s | (keep kind CustomResourceDefinition) > crds.yaml\n' "$(quote_cmd "${render[@]}")"
    printf '[dry-run] kubectl kustomize bootstrap/crds > gateway-api.yaml\n'
    printf '[dry-run] check whether the CRDs differ from the cluster: %s crds.yaml / gateway-api.yaml\n' \
      "$(quote_cmd kubectl diff --server-side --force-conflicts --field-manager "$FIELD_MANAGER" -f)"
    printf '[dry-run] %s crds.yaml\n' "$(quote_cmd "${apply[@]}")"
    printf '[dry-run] %s gateway-api.yaml\n' "$(quote_cmd "${apply[@]}")"
    printf '[dry-run] kubectl wait --for condition=Established --timeout %ss -f crds.yaml -f gateway-api.yaml\n' "$TIMEOUT"
    return 0
  fi

  WORK_DIR=$(mktemp -d)
  printf '+ %s > %s\n' "$(quote_cmd "${render[@]}")" "$WORK_DIR/rendered.yaml" >&2
  "${render[@]}" >"$WORK_DIR/rendered.yaml"
  crds_only <"$WORK_DIR/rendered.yaml" >"$WORK_DIR/crds.yaml"
  local count
  count=$(grep -c '^---$' "$WORK_DIR/crds.yaml" || true)
  [ "$count" -gt 0 ] || die "$helmfile rendered no CustomResourceDefinition"
  log "$count CustomResourceDefinitions rendered from $helmfile (everything else is dropped)"

  printf '+ kubectl kustomize bootstrap/crds > %s\n' "$WORK_DIR/gateway-api.yaml" >&2
  kubectl kustomize bootstrap/crds >"$WORK_DIR/gateway-api.yaml"
  if grep '^kind:' "$WORK_DIR/gateway-api.yaml" | grep -qv 'CustomResourceDefinition'; then
    die "bootstrap/crds/kustomization.yaml renders objects other than CustomResourceDefinitions"
  fi

  apply_if_changed "CRDs of $helmfile" "$WORK_DIR/crds.yaml"
  apply_if_changed "Gateway API CRDs of bootstrap/crds/kustomization.yaml" "$WORK_DIR/gateway-api.yaml"
  run kubectl wait --for condition=Established --timeout "${TIMEOUT}s" -f "$WORK_DIR/crds.yaml" -f "$WORK_DIR/gateway-api.yaml"
}

# --- Secrets created by hand at bootstrap ------------------------------------------------------------------------
# Which Secrets (and keys) each cluster needs is rendered from the same data as the ClusterSecretStore variants and
# the FluxInstance's sync.pullSecret (bootstrap/README.md, "Secrets that must exist out of band").

# Every bootstrap Secret of the cluster, one "namespace name" per line.
bootstrap_secrets() {
  case $CLUSTER in
    infra)
      echo "external-secrets secret-store-credentials"
      echo "flux-system flux-system"
      ;;
    apps)
      echo "external-secrets secret-store-credentials"
      echo "flux-system flux-system"
      ;;
  esac
}

# True when every named environment variable is set (and every *_FILE one names a readable file); else the
# missing ones are in MISSING_ENV.
MISSING_ENV=""
env_ready() {
  local v
  MISSING_ENV=""
  for v in "$@"; do
    if [ -z "${!v:-}" ]; then
      MISSING_ENV="$MISSING_ENV $v"
    elif [[ $v == *_FILE ]] && [ ! -r "${!v}" ]; then
      MISSING_ENV="$MISSING_ENV $v (no readable file ${!v})"
    fi
  done
  [ -z "$MISSING_ENV" ]
}

# secret_needed NS NAME VAR...: true when Secret NS/NAME does not exist yet and VAR... hold its values. A Secret that
# exists is never touched (re-runs are safe; rotate by deleting it and re-running the core phase).
secret_needed() {
  local ns=$1 name=$2
  shift 2
  if probe "Secret $ns/$name exists" kubectl --namespace "$ns" get secret "$name"; then
    log "Secret $ns/$name exists; not touching it"
    return 1
  fi
  dry && return 0
  if ! env_ready "$@"; then
    warn "Secret $ns/$name is missing and cannot be created: set$MISSING_ENV (bootstrap/README.md)"
    return 1
  fi
}

# Run kubectl create secret, printing it with every literal value masked (secrets never reach a terminal log).
run_secret() {
  local shown=() arg key
  for arg in "$@"; do
    case $arg in
      --from-literal=*)
        key=${arg#--from-literal=}
        shown+=("--from-literal=${key%%=*}=REDACTED")
        ;;
      *) shown+=("$arg") ;;
    esac
  done
  if dry; then
    printf '[dry-run] %s\n' "$(quote_cmd "${shown[@]}")"
    return 0
  fi
  printf '+ %s\n' "$(quote_cmd "${shown[@]}")" >&2
  "$@" >/dev/null
}

# Create the cluster's bootstrap Secrets from the environment (what goes in each: bootstrap/README.md).
create_bootstrap_secrets() {
  case $CLUSTER in
    infra)
      # credential the ClusterSecretStore onepassword authenticates with
      if secret_needed external-secrets secret-store-credentials SECRET_STORE_CONNECT_TOKEN; then
        run_secret kubectl --namespace external-secrets create secret generic secret-store-credentials --from-literal=connect-token="${SECRET_STORE_CONNECT_TOKEN:-}"
      fi
      # read-only token Flux clones https://git.example.com/platform/gitops.git with (HTTPS basic auth)
      if secret_needed flux-system flux-system GIT_USERNAME GIT_PASSWORD; then
        run_secret kubectl --namespace flux-system create secret generic flux-system --from-literal=username="${GIT_USERNAME:-}" --from-literal=password="${GIT_PASSWORD:-}"
      fi
      ;;
    apps)
      # credential the ClusterSecretStore onepassword authenticates with
      if secret_needed external-secrets secret-store-credentials SECRET_STORE_CONNECT_TOKEN; then
        run_secret kubectl --namespace external-secrets create secret generic secret-store-credentials --from-literal=connect-token="${SECRET_STORE_CONNECT_TOKEN:-}"
      fi
      # read-only token Flux clones https://git.example.com/platform/gitops.git with (HTTPS basic auth)
      if secret_needed flux-system flux-system GIT_USERNAME GIT_PASSWORD; then
        run_secret kubectl --namespace flux-system create secret generic flux-system --from-literal=username="${GIT_USERNAME:-}" --from-literal=password="${GIT_PASSWORD:-}"
      fi
      ;;
  esac
}

# Warn about every bootstrap Secret that is still missing: without them the store, every ExternalSecret and Flux's
# clone of this repository stay not Ready.
check_bootstrap_secrets() {
  local ns name
  while read -r ns name; do
    [ -n "$ns" ] || continue
    if probe "Secret $ns/$name exists" kubectl --namespace "$ns" get secret "$name"; then continue; fi
    dry && continue
    warn "Secret $ns/$name is missing: create it (bootstrap/README.md, \"Secrets that must exist out of band\")."
  done < <(bootstrap_secrets)
}

# --- Values of the foundation releases ----------------------------------------------------------------------------
# bootstrap/<cluster>/helmfile.yaml names each release's values by the Flux component's own
# kubernetes/.../app/helm-values.yaml, so there is no second copy that could drift from the HelmRelease.
# bootstrap/render-values.sh copies the helmfile and those files, with the cluster's settings substituted, into a
# scratch tree of the same layout; helmfile runs there.
render_core() {
  bash bootstrap/render-values.sh "$CLUSTER" "$1" || die "could not render the values of bootstrap/$CLUSTER/helmfile.yaml (see above)"
}

phase_core() {
  local helmfile="bootstrap/$CLUSTER/helmfile.yaml"
  require_file "$helmfile"
  need_kubeconfig
  if probe "Flux manages the foundation already (FluxInstance flux Ready)" \
    kubectl --namespace flux-system wait fluxinstance/flux --for condition=Ready --timeout 5s; then
    log "FluxInstance flux is Ready: Flux owns the foundation releases; helmfile sync is not needed"
  else
    # Rendered in a dry run too (it only writes to a scratch folder), so a variable without a value fails it.
    [ -n "$WORK_DIR" ] || WORK_DIR=$(mktemp -d)
    render_core "$WORK_DIR/core"
    run_in "$WORK_DIR/core" helmfile --file "$helmfile" sync
  fi
  create_bootstrap_secrets
}

phase_flux() {
  need_kubeconfig
  wait_for "FluxInstance flux exists in flux-system" kubectl --namespace flux-system get fluxinstance flux
  run kubectl --namespace flux-system wait fluxinstance/flux --for condition=Ready --timeout "${TIMEOUT}s" ||
    die "FluxInstance flux is not Ready after ${TIMEOUT}s; see kubectl -n flux-system describe fluxinstance flux"
  check_bootstrap_secrets
}

phase_verify() {
  need_kubeconfig
  local ks="kustomizations.kustomize.toolkit.fluxcd.io"
  local wait_cmd=(kubectl --namespace flux-system wait "$ks" --all --for condition=Ready --timeout "${TIMEOUT}s")
  if dry; then
    run "${wait_cmd[@]}"
  else
    # Kustomizations create further Kustomizations: wait until the set stops growing and all of them are Ready.
    local before=-1 now
    while :; do
      now=$(kubectl --namespace flux-system get "$ks" --no-headers 2>/dev/null | wc -l | tr -d ' ')
      [ "$now" -gt 0 ] || die "no Flux Kustomization exists in flux-system; run the flux phase first"
      [ "$now" -eq "$before" ] && break
      run "${wait_cmd[@]}" ||
        die "not every Flux Kustomization became Ready within ${TIMEOUT}s; see flux get kustomizations -A"
      before=$now
    done
    log "all $now Flux Kustomizations in flux-system are Ready"
  fi
  if command -v flux >/dev/null 2>&1; then
    run flux get kustomizations --all-namespaces
  else
    run kubectl get "$ks" --all-namespaces
  fi
}

main() {
  while [ $# -gt 0 ]; do
    case $1 in
      -h | --help)
        usage
        exit 0
        ;;
      -n | --dry-run) DRY_RUN=1 ;;
      --phase)
        [ $# -ge 2 ] || usage_error "--phase needs a value"
        PHASE=$2
        shift
        ;;
      --phase=*) PHASE=${1#--phase=} ;;
      --render-values)
        [ $# -ge 2 ] || usage_error "--render-values needs a folder"
        RENDER_DIR=$2
        shift
        ;;
      -*) usage_error "unknown option $1" ;;
      *)
        [ -z "$CLUSTER" ] || usage_error "one cluster at a time (got '$CLUSTER' and '$1')"
        CLUSTER=$1
        ;;
    esac
    shift
  done
  [ -n "$CLUSTER" ] || usage_error "name the cluster to bootstrap"
  if [ -n "$PHASE" ]; then
    case " $PHASES " in
      *" $PHASE "*) ;;
      *) usage_error "unknown phase '$PHASE' (one of: $PHASES)" ;;
    esac
  fi
  case $TIMEOUT in '' | *[!0-9]*) usage_error "BOOTSTRAP_TIMEOUT must be a number of seconds" ;; esac

  # Paths below are relative to the repository root, wherever the script is started from.
  local root start=$PWD
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
  cd "$root"
  validate_cluster
  if [ -n "$RENDER_DIR" ]; then
    # Only renders (no cluster, no tools): what the core phase would hand to helmfile.
    case $RENDER_DIR in /*) ;; *) RENDER_DIR="$start/$RENDER_DIR" ;; esac
    render_core "$RENDER_DIR"
    exit 0
  fi

  local kc="${BOOTSTRAP_KUBECONFIG:-talos/$CLUSTER/kubeconfig}"
  case $kc in /*) ;; *) kc="$root/$kc" ;; esac
  export KUBECONFIG="$kc"

  local selected=${PHASE:-$PHASES}
  check_tools "$selected"
  trap cleanup EXIT
  if dry; then log "dry run for cluster $CLUSTER: commands are printed, nothing is changed"; fi
  log "cluster $CLUSTER, phases: $selected, KUBECONFIG=$KUBECONFIG"
  local p
  for p in $selected; do
    log "phase $p"
    "phase_$p"
  done
  log "done: $selected"
}

main "$@"
