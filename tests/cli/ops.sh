#!/bin/sh
# ops.sh - schemas, help, exit codes, locale, metrics, monitoring plugin
# rules: see ops.py.  Output: PASS:/FAIL:/SKIP: lines for tests/run.sh.
cd "$(dirname "$0")/../.." || exit 2
python3 tests/cli/ops.py
