# Shared helpers for the toolkit checks (sourced by check-wsdl.sh and dotnet-client.sh; not run directly).
# Callers have already set `set -euo pipefail` and cd'd to the repo root.

ASMX_PATH=/SequenceServices/coraOcrIntegration_v1.0.0.asmx
PASSED=0
FAILED=0
SERVER_PIDS=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cora-toolkits.XXXXXX")

cleanup() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ensure_packages PROBE=PACKAGE ...: apt-get install (once, after one apt-get update) every
# package whose probe fails. A probe is a command name, or "py:module" for /usr/bin/python3 imports.
ensure_packages() {
  local spec probe pkg missing=()
  for spec in "$@"; do
    probe=${spec%%=*}; pkg=${spec#*=}
    case $probe in
      py:*) /usr/bin/python3 -c "import ${probe#py:}" >/dev/null 2>&1 && continue ;;
      *)    command -v "$probe" >/dev/null 2>&1 && continue ;;
    esac
    [[ " ${missing[*]-} " == *" $pkg "* ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "installing: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing packages (${missing[*]}) and not root; install them first" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; exit 2; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$WORK/apt.log" 2>&1 \
    || { tail -n 40 "$WORK/apt.log" >&2; exit 2; }
}

# start_server NAME [ENV=VALUE...]: start the built server on a free port; sets SERVER_URL.
start_server() {
  local name=$1; shift
  local log="$WORK/server-$name.log" port="" i
  command -v node >/dev/null || { echo "node not found: these checks need the repo's Node.js (>= 20) and npm ci" >&2; exit 2; }
  [[ -f dist/server/main.js ]] || { echo "dist/server/main.js missing: run npm ci (or npm run build) first" >&2; exit 2; }
  env PORT=0 DB_PATH=:memory: "$@" node dist/server/main.js >"$log" 2>&1 &
  SERVER_PIDS+=("$!")
  for ((i = 0; i < 150; i++)); do
    if grep -q '"msg":"listening"' "$log" 2>/dev/null; then
      port=$(grep '"msg":"listening"' "$log" | head -n 1 | sed -n 's/.*"port":\([0-9][0-9]*\).*/\1/p')
      break
    fi
    kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $port ]]; then
    echo "server $name did not start:" >&2; cat "$log" >&2; exit 2
  fi
  SERVER_URL="http://127.0.0.1:$port$ASMX_PATH"
  echo "server $name: $SERVER_URL (pid ${SERVER_PIDS[-1]})"
}

# check NAME CMD...: run CMD in a subshell with errexit on; print PASS/FAIL (with its output on failure).
check() {
  local name=$1; shift
  local out="$WORK/check.out" rc
  set +e
  ( set -e; "$@" ) >"$out" 2>&1
  rc=$?
  set -e
  if ((rc == 0)); then
    echo "PASS $name"; PASSED=$((PASSED + 1))
  else
    echo "FAIL $name"; tail -n 25 "$out" | sed 's/^/    | /'; FAILED=$((FAILED + 1))
  fi
}

summary() {
  echo "$PASSED passed, $FAILED failed"
  ((FAILED == 0))
}
