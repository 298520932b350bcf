#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Formatting is mechanical: every tracked C and C++ file must be as .clang-format makes it.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z '*.c' '*.h' '*.cpp' | xargs -0 clang-format --dry-run -Werror
