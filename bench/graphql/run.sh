#!/usr/bin/env bash
# semgraph vs @neo4j/graphql from a fresh clone: installs the Node side, then runs compare.py.
# Usage: bench/graphql/run.sh [compare.py options]   (needs Node 20+, npm, Java 17/21, the venv)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
if [ ! -x "$python" ]; then
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/pip" install -q -e "$root[dev]"
  python="$root/.venv/bin/python"
fi
(cd "$here" && npm install --no-audit --no-fund --silent)
cd "$root"
exec "$python" "$here/compare.py" "$@"
