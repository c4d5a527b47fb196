#!/usr/bin/env bash
# buf breaking against main: on a branch, against main's tip; on main itself, against the previous
# commit (the last state that landed). The first commit has nothing to break.
set -euo pipefail
cd "$(dirname "$0")/.."
branch=$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo "")
if [[ "$branch" != "main" ]] && git rev-parse --verify -q main >/dev/null; then
  against=".git#branch=main"
elif git rev-parse --verify -q HEAD~1 >/dev/null; then
  against=".git#ref=HEAD~1"
else
  echo "buf breaking: no earlier commit to compare with"; exit 0
fi
if [[ -n "$(git ls-tree -r --name-only "${against#.git#*=}" -- proto 2>/dev/null | head -1)" ]]; then
  npx buf breaking --against "$against"
  echo "buf breaking: no breaking change against ${against#.git#}"
else
  echo "buf breaking: ${against#.git#} has no proto/ yet"
fi
