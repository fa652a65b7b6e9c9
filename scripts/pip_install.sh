#!/usr/bin/env bash
# pip install into the project's .venv with one progress line instead of pip's output.
#   scripts/pip_install.sh VENV WHAT PIP-ARGS...
# pip's whole output goes to VENV/install.log; on a failure its last lines are shown.
set -euo pipefail
venv=$1 what=$2
shift 2
log="$venv/install.log"
started=$(date +%s)
echo "installing $what into $venv (pip's log: $log)"
progress() {
  local n=0 line
  while IFS= read -r line; do
    case "$line" in
      Collecting*) n=$((n + 1)) ;;
      Installing\ collected*) line="Installing $n packages (unpacking, compiling)" ;;
      Building*|Successfully*) ;;
      *) continue ;;
    esac
    if [ -t 1 ]; then printf '\r\033[K  %4d s  %.90s' "$(( $(date +%s) - started ))" "$line"; fi
  done
  if [ -t 1 ]; then printf '\r\033[K'; fi
}
if ! "$venv/bin/python" -m pip install --progress-bar off "$@" 2>&1 | tee "$log" | progress; then
  tail -n 25 "$log" >&2
  echo "pip install failed after $(( $(date +%s) - started )) s; the whole log: $log" >&2
  exit 1
fi
echo "installed $what in $(( $(date +%s) - started )) s"
