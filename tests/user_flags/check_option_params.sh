#!/usr/bin/env bash
# Fails when a public header takes an options or config struct by value (Note [Option structs]
# in tests/user_flags/test_option_structs.cpp): every such parameter must be `const T&`.
#   tests/user_flags/check_option_params.sh SOURCE_DIR
set -euo pipefail
cd "$1"
found=$(grep -rnPzo '[(,]\s*(?<!const )(?:\w+::)*[A-Z]\w*(?:Options|Config)\s+\w+(?:\s*=\s*\{\})?\s*[,)]' \
  --include='*.hpp' core/include autograd/include nn/include optim/include data/include \
  experiments/include | tr '\0' '\n' || true)
if [[ -n "$found" ]]; then
  echo "options structs taken by value (take them as const T&):"
  echo "$found"
  exit 1
fi
echo "check_option_params: every options struct is taken by reference"
