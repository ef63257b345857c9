#!/usr/bin/env bash
# A real .NET client end to end: Mono's wsdl.exe generates SOAP 1.1 / SOAP 1.2 (and HTTP GET/POST) proxies
# from the running server's ?wsdl, mcs compiles them with dotnet-client/Client.cs, mono runs the client
# against two fresh servers (one starting ids above 2^53).
# Usage (repo root, after `npm ci`): test/toolkits/dotnet-client.sh   -- installs missing Debian packages as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source test/toolkits/lib.sh

BIG_ID=9007199254740993 # 2^53 + 1: the first integer a double cannot represent

ensure_packages wsdl=mono-devel mcs=mono-devel mono=mono-devel

start_server main
URL=$SERVER_URL
start_server big "FIRST_BATCH_ID=$BIG_ID"
BIG_URL=$SERVER_URL

B="$WORK/build"
mkdir -p "$B"
for spec in SOAP:Soap11 SOAP12:Soap12 HttpGet:HGet HttpPost:HPost; do
  protocol=${spec%%:*} ns=${spec#*:}
  if ! wsdl -nologo -protocol:"$protocol" -n:"$ns" -out:"$B/$ns.cs" "$URL?wsdl" >"$B/wsdl-$ns.log" 2>&1 \
     || grep -qiE 'warning|error' "$B/wsdl-$ns.log"; then
    echo "FAIL wsdl -protocol:$protocol $URL?wsdl"; cat "$B/wsdl-$ns.log"; exit 1
  fi
done
echo "generated proxies from $URL?wsdl"
mcs -nologo -warnaserror -target:exe -out:"$B/Client.exe" \
  -r:System.Web.Services -r:System.EnterpriseServices -r:System.Xml \
  test/toolkits/dotnet-client/Client.cs "$B/Soap11.cs" "$B/Soap12.cs" "$B/HGet.cs" "$B/HPost.cs"

# The client prints PASS/FAIL lines and "N passed, M failed", and exits non-zero on any failure.
mono "$B/Client.exe" "$URL" "$BIG_URL" "$BIG_ID"
