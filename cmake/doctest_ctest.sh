#!/usr/bin/env bash
# Writes a CTest file with one test per doctest case of EXE (run after each build).
#   doctest_ctest.sh EXE PREFIX OUT
# doctest's own CMake discovery breaks on names with ';', '[' or ']'; here a name stays as
# it is (';' shown as ',') and the --test-case filter matches those characters with '?'.
set -euo pipefail
exe=$1 prefix=$2 out=$3
{
  "$exe" --list-test-cases --no-version | grep -v -e '^\[doctest\]' -e '^=*$' |
    while IFS= read -r name; do
      filter=$(printf '%s' "$name" | sed 's/[][;,\\*?]/?/g')
      title=$(printf '%s' "$name" | tr ';' ',')
      printf 'add_test([==[%s%s]==] "%s" [==[--test-case=%s]==])\n' "$prefix" "$title" "$exe" "$filter"
    done
} >"$out.tmp"
mv "$out.tmp" "$out"
