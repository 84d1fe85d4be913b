#!/usr/bin/env bash
# The lr tuning behind a comparison: for each OPTIMIZER=BASE_LR, the grid BASE/3, BASE, 3 BASE,
# 9 BASE on seed 0 (a shorter budget for the expensive tasks); prints "optimizer lr
# final_eval_loss" per run. The best lr of each optimizer goes into the config. Finished runs
# are kept and not re-run.
#   experiments/scripts/tune_lr.sh CONFIG OUT_DIR STEPS OPTIMIZER=BASE_LR...
set -euo pipefail
config=$1 out=$2 steps=$3
shift 3
liandan=${LIANDAN:-build/release/experiments/liandan}
for spec in "$@"; do
  opt=${spec%%=*} base=${spec#*=}
  for lr in $(python3 -c "b=$base; print(f'{b/3:.3g} {b:.3g} {b*3:.3g} {b*9:.3g}')"); do
    dir="$out/${opt}_lr$lr"
    if [[ ! -f "$dir/summary.json" ]]; then
      rm -rf "$dir"
      "$liandan" train "$config" --set optimizer.name="$opt" --set "optimizer.$opt.lr=$lr" \
        --set train.steps="$steps" --set seed=0 --out "$dir" --quiet
    fi
    python3 -c "import json; s=json.load(open('$dir/summary.json')); print('$opt', '$lr', s['final']['eval_loss'])"
  done
done
