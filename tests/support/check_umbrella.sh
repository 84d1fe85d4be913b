#!/usr/bin/env bash
# Fails when a public header is missing from an umbrella header that promises it:
# <liandan/liandan.hpp> (the whole public API: core, autograd, nn, optim, data) and
# <liandan/core/core.hpp> (everything of the tensor core).
#   tests/support/check_umbrella.sh SOURCE_DIR
set -euo pipefail
cd "$1"
missing=0
# check UMBRELLA FOLDER...: every header under FOLDER/include is included by UMBRELLA.
check() {
  local umbrella=$1
  shift
  for folder in "$@"; do
    while IFS= read -r header; do
      [[ "$folder/include/$header" == "$umbrella" ]] && continue
      if ! grep -qF "#include \"$header\"" "$umbrella"; then
        echo "$umbrella does not include $header"
        missing=1
      fi
    done < <(cd "$folder/include" && find liandan -name '*.hpp' | sort)
  done
}
check experiments/include/liandan/liandan.hpp core autograd nn optim data
check core/include/liandan/core/core.hpp core
[[ $missing -eq 0 ]] && echo "check_umbrella: the umbrella headers include every public header"
exit $missing
