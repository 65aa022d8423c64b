#!/bin/sh
# npm run reference [-- --dir D]: scaffold clusters infra and apps with defaults and all 41 stories of the
# delivery plan added and approved (in plan order), in one command and one commit. Re-running it changes nothing.
set -eu
dir=reference-platform
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || { echo "error: --dir needs a value" >&2; exit 2; }; dir="$2"; shift 2 ;;
    --dir=*) dir="${1#--dir=}"; shift ;;
    *) echo "usage: npm run reference [-- --dir D]" >&2; exit 2 ;;
  esac
done
node lib/cli/create-platform-cluster.js infra apps --yes --stories all --approve --dir "$dir"
