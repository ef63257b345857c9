#!/usr/bin/env bash
# The .NET example (examples/dotnet-mono) as its README runs it, against a fresh mock with short stage
# timings: wsdl.exe proxy, mcs, mono; the example prints "N passed, M failed" and exits 1 on a failure.
# Usage (repo root, after `npm ci`): test/toolkits/dotnet-example.sh   -- installs mono-devel as root when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source test/toolkits/lib.sh

ensure_packages wsdl=mono-devel mcs=mono-devel mono=mono-devel

start_server example FIXTURES_DIR=none QUEUED_MS=100 PROCESSING_INPUT_MS=100 WAITING_FOR_OUTPUT_MS=100
examples/dotnet-mono/run.sh "${SERVER_URL%"$ASMX_PATH"}"
