#!/usr/bin/env bash
# Execute notebooks headlessly with the TypeScript kernel (tslab) and fail on any error cell,
# so analyst notebooks break CI instead of rotting. Usage: scripts/run-notebooks.sh [notebook.ipynb ...]
# (default: every notebooks/*.ipynb). Executed copies land in $NOTEBOOK_OUTPUT_DIR (default .tmp/notebooks).
# Needs Debian's python3-nbclient (and jupyter-nbconvert, python3-ipykernel); touches nothing outside the clone
# and a temp dir: the kernelspec and Jupyter's runtime/config dirs are private to this run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# Debian's python, not whatever python3 comes first on PATH (pyenv etc. lack nbconvert).
python="${NOTEBOOK_PYTHON:-/usr/bin/python3}"
if ! "$python" -c 'import nbconvert, nbclient, ipykernel' 2>/dev/null; then
  echo "run-notebooks: $python cannot import nbconvert/nbclient/ipykernel" >&2
  echo "  install them: apt-get install -y jupyter-nbconvert python3-nbclient python3-ipykernel" >&2
  exit 2
fi
tslab="$root/node_modules/.bin/tslab"
if [ ! -x "$tslab" ]; then
  echo "run-notebooks: $tslab not found; run npm ci first" >&2
  exit 2
fi

# Notebooks load the built library (load('leadscore') -> dist/): rebuild when a source is newer.
if [ ! -f dist/index.js ] || [ -n "$(find src -name '*.ts' -newer dist/index.js -print -quit)" ]; then
  echo "run-notebooks: dist/ is older than src/; npm run build"
  npm run build --silent
fi

if [ "$#" -gt 0 ]; then
  notebooks=("$@")
else
  shopt -s nullglob
  notebooks=(notebooks/*.ipynb)
fi
if [ "${#notebooks[@]}" -eq 0 ]; then
  echo "run-notebooks: no notebooks to run"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/leadscore-notebooks.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/jupyter/kernels/tslab"
cat > "$work/jupyter/kernels/tslab/kernel.json" <<JSON
{"argv": ["$tslab", "kernel", "--config-path", "{connection_file}"], "display_name": "TypeScript", "language": "typescript"}
JSON
export JUPYTER_PATH="$work/jupyter" JUPYTER_DATA_DIR="$work/data" JUPYTER_RUNTIME_DIR="$work/runtime" \
  JUPYTER_CONFIG_DIR="$work/config" IPYTHONDIR="$work/ipython"
# The kernel logs nothing useful on success; keep Node quiet about experimental flags.
export NODE_NO_WARNINGS=1

out="${NOTEBOOK_OUTPUT_DIR:-$root/.tmp/notebooks}"
mkdir -p "$out"
failed=()
for nb in "${notebooks[@]}"; do
  start=$(date +%s)
  # nbclient directly (what `jupyter nbconvert --execute` uses) so a failure prints tslab's message.
  if "$python" "$root/scripts/execute-notebook.py" "$nb" "$out/$(basename "$nb")" "${NOTEBOOK_TIMEOUT:-600}"; then
    echo "ok     $nb ($(( $(date +%s) - start ))s)"
  else
    echo "FAILED $nb ($(( $(date +%s) - start ))s); executed copy with the error: $out/$(basename "$nb")" >&2
    failed+=("$nb")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "run-notebooks: ${#failed[@]} of ${#notebooks[@]} notebooks failed: ${failed[*]}" >&2
  exit 1
fi
echo "run-notebooks: all ${#notebooks[@]} notebooks ran cleanly; executed copies in $out"
