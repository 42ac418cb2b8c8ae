#!/bin/sh
# batch.sh - relayhint bounce over mboxes, Maildirs, directories: see batch.py
cd "$(dirname "$0")/../.." || exit 2
python3 tests/cli/batch.py
