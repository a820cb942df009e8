#!/usr/bin/env bash
# Mutation testing of one module with cosmic-ray (pinned), printing the score and the survivors.
#
#   tools/mutation.sh src/blkswap/xen/ops_swap.py [TEST PATH ...]
#   tools/mutation.sh --all [xen|back]        # every module of a package, one after the other
#
# Without test paths, a module of xen/ is tested with tests/xen and tests/hostile/test_b_*.py,
# a module of back/ with tests/back, tests/lab and tests/hostile/test_a_*.py (first failure
# stops a run: -x). cosmic-ray mutates files in place, so the run happens in a scratch copy of
# src/, tests/ and pyproject.toml (PYTHONPATH puts the copy first): the work tree is never
# touched and other work can go on meanwhile. A full package takes hours on 2 cores: run it per
# module (docs/reliability.md says what was measured).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CR_VERSION=8.7.0
if ! "$PY" -c "import cosmic_ray" 2>/dev/null || \
   [ "$("$PY" -c 'import importlib.metadata as m; print(m.version("cosmic-ray"))')" != "$CR_VERSION" ]; then
    "$PY" -m pip install -q --disable-pip-version-check "cosmic-ray==$CR_VERSION" >&2
fi

if [ "${1:-}" = "--all" ]; then
    pkg=${2:?--all needs xen or back}
    for m in src/blkswap/"$pkg"/*.py src/blkswap/"$pkg"/*/*.py; do
        [ -f "$m" ] && [ "$(basename "$m")" != "__init__.py" ] && "$0" "$m" || true
    done
    exit 0
fi

module=${1:?usage: tools/mutation.sh MODULE.py [TEST PATH ...]}
shift
if [ $# -gt 0 ]; then
    tests="$*"
else
    case "$module" in
        src/blkswap/xen/*) tests="tests/xen $(ls tests/hostile/test_b_*.py | tr '\n' ' ')" ;;
        src/blkswap/back/*) tests="tests/back tests/lab $(ls tests/hostile/test_a_*.py | tr '\n' ' ')" ;;
        *) tests="tests" ;;
    esac
fi
[ -f "$module" ] || { echo "mutation: no such module $module" >&2; exit 2; }
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r src tests pyproject.toml "$work/"
cat > "$work/cr.toml" <<TOML
[cosmic-ray]
module-path = "$module"
timeout = 300.0
excluded-modules = []
test-command = "env PYTHONPATH=$work/src $root/$PY -m pytest -x -q -p no:cacheprovider $tests"

[cosmic-ray.distributor]
name = "local"
TOML
start=$(date +%s)
(cd "$work" && "$root/.venv/bin/cosmic-ray" init cr.toml session.sqlite \
    && "$root/.venv/bin/cosmic-ray" exec cr.toml session.sqlite)
"$PY" - "$work/session.sqlite" "$module" "$(( $(date +%s) - start ))" <<'PYEOF'
import json, subprocess, sys
session, module, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
dump = subprocess.run([".venv/bin/cosmic-ray", "dump", session], capture_output=True, text=True).stdout
total = killed = 0
survivors = []
for line in dump.splitlines():
    item, result = json.loads(line)
    if result is None:
        continue
    total += 1
    if result["test_outcome"] == "killed" or result["worker_outcome"] != "normal":
        killed += 1
    else:
        m = item["mutations"][0]
        survivors.append(f"{m['module_path']}:{m['start_pos'][0]} {m['operator_name']} #{m['occurrence']}")
score = 100.0 * killed / total if total else 100.0
print(f"mutation {module}: {total} mutants, {killed} killed, {len(survivors)} survived, "
      f"score {score:.1f} %, {seconds} s")
for s in survivors:
    print(f"  survivor {s}")
PYEOF
