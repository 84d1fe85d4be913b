#!/usr/bin/env bash
# Fails when a function of a liandan binary uses instructions above the x86-64 baseline without
# being named after the level it was compiled for (Note [CPU dispatch] in core/.../cpu.hpp):
# baseline code must have no VEX/EVEX (v*) or BMI/LZCNT/POPCNT/MOVBE instruction; functions
# named run_avx2 / avx2:: may use AVX2 but no zmm or mask register; run_avx512 / avx512:: may
# use AVX-512. Such code in any other function would crash a CPU that lacks it.
#   cmake/check_isa.sh BINARY...
set -euo pipefail
status=0
for binary in "$@"; do
  objdump -d --no-show-raw-insn -C "$binary" | awk -v bin="$(basename "$binary")" '
    /^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/>:$/, "", fn); next }
    /^ *[0-9a-f]+:\t/ {
      split($0, parts, "\t"); insn = parts[2]; split(insn, words, " "); op = words[1]
      level = (fn ~ /run_avx512|avx512::/) ? 2 : (fn ~ /run_avx2|avx2::/) ? 1 : 0
      if (level == 2) next
      bad = 0
      if (level == 0 && (op ~ /^v/ || op ~ /^(andn|bextr|blsi|blsmsk|blsr|bzhi|mulx|pdep|pext|rorx|sarx|shlx|shrx|tzcnt|lzcnt|popcnt|movbe)$/)) bad = 1
      if (level == 1 && (insn ~ /%zmm|%k[0-7]/ || op ~ /^(kmov|kor|kand|vpternlog|vpermt2|vpermi2)/)) bad = 1
      if (bad && !(fn in seen)) { seen[fn] = 1; printf "%s: %s uses %s above its level\n", bin, fn, insn; n++ }
    }
    END { exit n > 0 }' || status=1
done
[[ $status -eq 0 ]] && echo "check_isa: every function stays within its instruction-set level"
exit $status
