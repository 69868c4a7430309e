#!/usr/bin/env bash
# Usage: quiet_pip.sh PYTHON ARGS... — `python -m pip install -q ARGS`, without the warnings
# some machines print for local index folders that do not exist; pip's exit status is kept.
set -o pipefail
python=$1; shift
"$python" -m pip install -q --disable-pip-version-check "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
