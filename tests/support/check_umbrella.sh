#!/usr/bin/env bash
# Fails when a public header of core, autograd, nn, optim or data is missing from
# <liandan/liandan.hpp>, the header that promises the whole public API.
#   tests/support/check_umbrella.sh SOURCE_DIR
set -euo pipefail
cd "$1"
umbrella=experiments/include/liandan/liandan.hpp
missing=0
for folder in core autograd nn optim data; do
  while IFS= read -r header; do
    if ! grep -qF "#include \"$header\"" "$umbrella"; then
      echo "$umbrella does not include $header"
      missing=1
    fi
  done < <(cd "$folder/include" && find liandan -name '*.hpp' | sort)
done
[[ $missing -eq 0 ]] && echo "check_umbrella: $umbrella includes every public header"
exit $missing
