#!/usr/bin/env bash
# Start nginx (caching) in front of N `registry serve` processes on PostgreSQL, with M
# `registry worker` processes; Ctrl-C stops them all. Options: deploy/local_stack.py --help.
#   deploy/run-local.sh --database-url postgresql+psycopg://postgres@127.0.0.1:5432/registry
# Run it with the registry's virtualenv active (its python3 starts every process), or set PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" deploy/local_stack.py "$@"
