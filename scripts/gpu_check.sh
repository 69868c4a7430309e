#!/usr/bin/env bash
# The GPU check: what the book's GPU path does on a real card, in one report.
#
#   bash scripts/gpu_check.sh quick [REPORT]    # ≤ 10 min on an H100-class card
#   bash scripts/gpu_check.sh full  [REPORT]    # every lab at the gpu profile, timed
#   bash scripts/gpu_check.sh quick --dry-run   # print the plan; no GPU needed
#
# quick: the tests marked `cuda`, the DCGAN speed rows (fp32, mixed precision,
#        channels-last, compile) for pytorch/examples' configuration and the
#        book's MNIST model, and each lab's measured gpu-profile rate next to
#        its estimate (benchmarks/lab_budget.py).
# full:  executes every lab at the gpu profile into a scratch folder (the
#        stored notebooks are left alone) and records each one's wall time.
#
# Run it from the repository root after `make venv` (or with PYTHON set to a
# Python that has the project installed). The report goes to REPORT (default:
# $OUT/gpu_check_MODE.md when $OUT is set, else _build/gpu_check_MODE.md).
# Without a CUDA device it says so and exits 2, having measured nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=""
DRY_RUN=0
REPORT=""
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    quick|full) [ -z "$MODE" ] && MODE=$arg || REPORT=$arg ;;
    -*) MODE=invalid ;;
    *) if [ -z "$MODE" ]; then MODE=$arg; else REPORT=$arg; fi ;;
  esac
done
MODE=${MODE:-quick}
case "$MODE" in
  quick|full) ;;
  *) echo "usage: bash scripts/gpu_check.sh quick|full [REPORT] [--dry-run]" >&2; exit 64 ;;
esac
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
REPORT=${REPORT:-${OUT:-_build}/gpu_check_${MODE}.md}
mkdir -p "$(dirname "$REPORT")"

# The plan, one command a line: printed by --dry-run, run otherwise.
plan() {
  if [ "$MODE" = quick ]; then
    echo "GAN_BOOK_DEVICE=cuda $PY -m pytest -q -m cuda tests"
    for switches in "" "--mixed-precision" "--channels-last" "--compile"; do
      echo "$PY benchmarks/dcgan_speed.py --device cuda --configs classic mnist --iterations 50 --rounds 3 --warmup 10 $switches"
    done
    echo "$PY benchmarks/lab_budget.py --measure cuda"
  else
    for nb in notebooks/[0-9][0-9]_*.ipynb; do
      echo "GAN_BOOK_PROFILE=gpu GAN_BOOK_DEVICE=cuda $PY -m jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=3600 --output-dir _build/gpu_check_labs $nb"
    done
  fi
}

if [ "$DRY_RUN" = 1 ]; then
  echo "gpu_check $MODE, dry run: the commands it runs on a CUDA machine:"
  plan
  exit 0
fi

if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  {
    echo "# GPU check ($MODE): no CUDA device"
    echo
    echo "$(date -u +%F) on $(hostname): torch.cuda.is_available() is False, so nothing was measured."
    echo "Run it on a CUDA machine; \`--dry-run\` prints the plan."
  } > "$REPORT"
  echo "gpu_check: no CUDA device here, nothing measured (report: $REPORT)" >&2
  exit 2
fi

{
  echo "# GPU check ($MODE), $(date -u +%F)"
  echo
  echo '```'
  nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version --format=csv 2>/dev/null || true
  "$PY" -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, torch.cuda.get_device_name(0), 'cc', torch.cuda.get_device_capability(0))"
  echo '```'
} > "$REPORT"

status=0
while IFS= read -r command; do
  echo "+ $command" >&2
  start=$(date +%s)
  {
    echo
    echo "## \`$command\`"
    echo
    echo '```'
  } >> "$REPORT"
  # Each step's output goes to the report; one failing step does not stop
  # the others, and the script's exit status says one failed.
  if bash -c "$command" >> "$REPORT" 2>&1; then rc=0; else rc=$?; status=1; fi
  {
    echo '```'
    echo "exit status $rc, $(( $(date +%s) - start )) s"
  } >> "$REPORT"
done < <(plan)
echo "gpu_check $MODE: report in $REPORT" >&2
exit $status
