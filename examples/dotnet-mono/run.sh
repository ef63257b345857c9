#!/usr/bin/env bash
# Builds and runs the .NET (Mono) example against a running cora-ocr-mock:
#   1. Mono's wsdl.exe generates the ASMX proxy (namespace Cora.Ocr) from the mock's ?WSDL,
#   2. mcs compiles it with OcrStep.cs (the system under test's OCR step) and Demo.cs,
#   3. mono runs Demo.exe, which prints "N passed, M failed" and exits 1 on a failure.
# Usage: examples/dotnet-mono/run.sh [MOCK_URL]   (default $CORA_MOCK_URL or http://127.0.0.1:8080)
# Needs Debian's mono-devel (wsdl, mcs, mono): apt-get install --no-install-recommends mono-devel
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MOCK_URL=${1:-${CORA_MOCK_URL:-http://127.0.0.1:8080}}
MOCK_URL=${MOCK_URL%/}
for tool in wsdl mcs mono; do
  command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install --no-install-recommends mono-devel" >&2; exit 2; }
done
build=$(mktemp -d "${TMPDIR:-/tmp}/cora-dotnet-example.XXXXXX")
trap 'rm -rf "$build"' EXIT

wsdl -nologo -protocol:SOAP -n:Cora.Ocr -out:"$build/CoraOcrIntegration.cs" \
  "$MOCK_URL/SequenceServices/coraOcrIntegration_v1.0.0.asmx?WSDL" >"$build/wsdl.log" 2>&1 \
  || { cat "$build/wsdl.log" >&2; exit 1; }
mcs -nologo -warnaserror -target:exe -out:"$build/Demo.exe" -r:System.Web.Services \
  "$build/CoraOcrIntegration.cs" "$here/OcrStep.cs" "$here/Demo.cs"
mono "$build/Demo.exe" "$MOCK_URL"
