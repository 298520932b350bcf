#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every tracked source file names its licence (LICENSE: LGPL-2.1-or-later, as the plugins declare)
# in an SPDX line within its first three lines.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=0
while IFS= read -r -d '' file; do
  if ! head -n 3 "$file" | grep -q 'SPDX-License-Identifier: LGPL-2.1-or-later'; then
    echo "no SPDX line: $file"
    missing=$((missing + 1))
  fi
done < <(git ls-files -z '*.c' '*.h' '*.cpp' '*.py' '*.sh' 'meson.build' '*/meson.build' \
  'meson_options.txt' '.ci/run')
echo "$missing files without an SPDX line"
[ "$missing" -eq 0 ]
