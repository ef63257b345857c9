#!/usr/bin/env bash
# Container checks for cora-ocr-mock (issue 4).
#
# Run from the repository root, as root, on Debian 12:  bash test/container/run.sh
#
# - installs docker.io, docker-compose and debootstrap when missing;
# - starts dockerd unless one is already answering (and stops only the one it started);
# - when no `node:20-bookworm-slim` image exists (no registry here), builds a local
#   stand-in for it with debootstrap + the host's Node.js (see shared notes/containers.md);
# - builds the project's Dockerfile unchanged, runs the image and checks health, SOAP 1.1
#   FileBatch/GetStatus, the non-root user, persistence across restart, a clean fast stop,
#   and the docker-compose example; then runs test/container/testcontainers.test.ts (the
#   cora-ocr-mock/testcontainers module) against the same engine and image (needs npm ci first);
# - prints figures and a closing "N passed, M failed" line; exits non-zero on any failure.
#
# Environment knobs (all optional):
#   IMAGE        tag for the built image              (default cora-ocr-mock:local)
#   BASE_IMAGE   base image name the Dockerfile uses  (default node:20-bookworm-slim)
#   REBUILD_BASE=1  rebuild the stand-in base image even when the tag exists
#   KEEP_IMAGES=1   (default) keep built images for a faster next run; 0 removes them
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)

IMAGE=${IMAGE:-cora-ocr-mock:local}
BASE_IMAGE=${BASE_IMAGE:-node:20-bookworm-slim}
REBUILD_BASE=${REBUILD_BASE:-0}
KEEP_IMAGES=${KEEP_IMAGES:-1}

RUN_ID="ctest$$"
CTR="cora-ocr-mock-${RUN_ID}"
VOL="cora-ocr-mock-data-${RUN_ID}"
COMPOSE_PROJECT="coraocr${RUN_ID}"
WORK=$(mktemp -d /tmp/cora-ocr-container.XXXXXX)
DOCKERD_PID=""
OLD_IMAGE_ID=""
COMPOSE_STARTED=0

PASSED=0
FAILED=0
declare -a FAILURES=()
declare -A FIG=()

log()  { printf '[%(%H:%M:%S)T] %s\n' -1 "$*"; }
pass() { PASSED=$((PASSED + 1)); printf 'ok   - %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); printf 'FAIL - %s\n' "$1"; if [ -n "${2:-}" ]; then printf '       %s\n' "$2"; fi; }
now()  { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- cleanup ---
unmount_under() {
  # Unmount anything debootstrap may have left mounted under $1 (deepest first).
  local dir=$1 m
  [ -d "$dir" ] || return 0
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts \
    | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

cleanup() {
  local rc=$?
  set +e
  if [ -n "${DOCKER:-}" ] && "$DOCKER" info >/dev/null 2>&1; then
    if [ "$COMPOSE_STARTED" = 1 ]; then
      docker-compose -p "$COMPOSE_PROJECT" -f "$ROOT/docker-compose.yml" down -v --remove-orphans -t 5 >/dev/null 2>&1
    fi
    "$DOCKER" rm -f "$CTR" >/dev/null 2>&1
    "$DOCKER" volume rm -f "$VOL" >/dev/null 2>&1
    if [ "$KEEP_IMAGES" = 0 ]; then
      "$DOCKER" image rm -f "$IMAGE" >/dev/null 2>&1
    fi
    # The image this run replaced, if nothing else uses it.
    if [ -n "$OLD_IMAGE_ID" ] && [ "$OLD_IMAGE_ID" != "$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null)" ]; then
      "$DOCKER" image rm "$OLD_IMAGE_ID" >/dev/null 2>&1
    fi
    # Bound the build cache of an engine this script owns (each cold build adds ~600 MB).
    if [ -n "$DOCKERD_PID" ]; then
      "$DOCKER" builder prune -f --keep-storage 2gb >/dev/null 2>&1
    fi
  fi
  if [ -n "$DOCKERD_PID" ]; then
    log "stopping dockerd (pid $DOCKERD_PID)"
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$DOCKERD_PID" 2>/dev/null; then kill -KILL "$DOCKERD_PID" 2>/dev/null; fi
    wait "$DOCKERD_PID" 2>/dev/null
  fi
  unmount_under "$WORK"
  rm -rf --one-file-system "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --------------------------------------------------------------- packages ---
install_packages() {
  local need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  [ -x /usr/bin/docker ] || command -v docker >/dev/null 2>&1 || need+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  if [ "${#need[@]}" -gt 0 ]; then
    log "apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >"$WORK/apt.log" 2>&1 \
      || { tail -n 30 "$WORK/apt.log"; return 1; }
  fi
  # Prefer the CLI that ships with the engine (matching API version).
  if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker); fi
}

# ---------------------------------------------------------------- dockerd ---
start_dockerd() {
  if "$DOCKER" info >/dev/null 2>&1; then
    log "using the docker engine that is already running"
    return 0
  fi
  log "starting dockerd"
  dockerd >"$WORK/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 1 120); do
    if "$DOCKER" info >/dev/null 2>&1; then
      log "dockerd is up (pid $DOCKERD_PID)"
      return 0
    fi
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.5
  done
  echo "dockerd did not come up; last log lines:" >&2
  tail -n 40 "$WORK/dockerd.log" >&2 || true
  return 1
}

# ------------------------------------------------------ base image stand-in ---
apt_mirror() {
  # The Debian mirror this machine's apt uses for the main archive (not -security).
  local m
  m=$(for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && cat "$f" && printf '\n\n'; done \
      | awk 'BEGIN { RS = ""; FS = "\n" }
             {
               uris = ""; suites = ""; enabled = 1
               for (i = 1; i <= NF; i++) {
                 if ($i ~ /^URIs:/)    { sub(/^URIs:[ \t]*/, "", $i); uris = $i }
                 if ($i ~ /^Suites:/)  { sub(/^Suites:[ \t]*/, "", $i); suites = " " $i " " }
                 if ($i ~ /^Enabled:[ \t]*no/) enabled = 0
               }
               if (enabled && suites ~ / bookworm / && uris != "") { split(uris, u, /[ \t]+/); print u[1]; exit }
             }')
  if [ -z "$m" ]; then
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
        | sed -e 's/\[[^]]*\]//' \
        | awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }')
  fi
  [ -n "$m" ] || { echo "no Debian bookworm mirror found in the apt sources" >&2; return 1; }
  printf '%s\n' "$m"
}

build_base_image() {
  if [ "$REBUILD_BASE" != 1 ] && "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "base image $BASE_IMAGE exists; not rebuilding it"
    return 0
  fi
  local mirror rootfs node_bin npm_dir node_inc t0
  mirror=$(apt_mirror)
  rootfs="$WORK/rootfs"
  node_bin=$(readlink -f "$(command -v node)")
  npm_dir=$(dirname "$(readlink -f "$(command -v npm)")")/..
  npm_dir=$(cd "$npm_dir" && pwd)
  node_inc=$(cd "$(dirname "$node_bin")/../include/node" 2>/dev/null && pwd || echo /usr/include/node)
  [ -f "$npm_dir/package.json" ] || { echo "npm not found next to $(command -v npm)" >&2; return 1; }
  [ -f "$node_inc/node.h" ] || { echo "Node headers not found ($node_inc)" >&2; return 1; }

  log "building stand-in $BASE_IMAGE: debootstrap minbase bookworm from $mirror + host node $("$node_bin" -v)"
  t0=$(now)
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 30 "$WORK/debootstrap.log" >&2; return 1; }
  unmount_under "$rootfs"

  install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include" "$rootfs/usr/local/etc"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  cp -a "$node_inc" "$rootfs/usr/local/include/node"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  # Build npm packages' native parts against the bundled headers, never fetch prebuilt binaries.
  printf 'nodedir=/usr/local\nbuild-from-source=true\nupdate-notifier=false\nfund=false\n' \
    >"$rootfs/usr/local/etc/npmrc"

  local env_changes=()
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    # Outbound TLS on this machine is intercepted by a local CA: trust it inside the stand-in.
    mkdir -p "$rootfs/usr/local/share/ca-certificates"
    cat /usr/local/share/ca-certificates/*.crt >"$rootfs/usr/local/share/ca-certificates/host-extra-ca.pem"
    env_changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/host-extra-ca.pem')
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/* 2>/dev/null || true

  local old_base
  old_base=$("$DOCKER" image inspect -f '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || true)
  tar --numeric-owner -C "$rootfs" -c . \
    | "$DOCKER" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "ENV NODE_VERSION=$("$node_bin" -v | sed 's/^v//')" \
        --change 'LABEL org.opencontainers.image.description="local stand-in for node:20-bookworm-slim"' \
        "${env_changes[@]}" \
        --change 'CMD ["node"]' \
        - "$BASE_IMAGE" >/dev/null
  if [ -n "$old_base" ]; then "$DOCKER" image rm "$old_base" >/dev/null 2>&1 || true; fi
  unmount_under "$rootfs"
  rm -rf --one-file-system "$rootfs"
  log "stand-in base image built in $(secs "$t0" "$(now)") s"
}

# ---------------------------------------------------------------- helpers ---
SOAP_NS="http://genpact.com/cora/orchestration/ocr/1.0.0/api/"
SOAP_PATH="/SequenceServices/coraOcrIntegration_v1.0.0.asmx"

soap_call() { # soap_call BASEURL ACTION BODYFILE OUTFILE -> prints HTTP status
  curl -sS -o "$4" -w '%{http_code}' --max-time 10 \
    -H 'Content-Type: text/xml; charset=utf-8' \
    -H "SOAPAction: \"${SOAP_NS}$2\"" \
    --data-binary "@$3" "$1$SOAP_PATH" || echo 000
}

filebatch_envelope() { # filebatch_envelope CONTEXT > file
  cat <<EOF
<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <soap:Body>
    <FileBatch xmlns="${SOAP_NS}"><TimeOut>300</TimeOut><ExternalContext>$1</ExternalContext><InputFile><Connection>OcrShare</Connection><RelativeLocation>in</RelativeLocation><FileName>invoice-0001.pdf</FileName></InputFile><OCRProfile>InvoiceProfile</OCRProfile><OutputFile><Connection>OcrShare</Connection><RelativeLocation>out</RelativeLocation><FileName>invoice-0001.xml</FileName></OutputFile><PutModel>Replace</PutModel></FileBatch>
  </soap:Body>
</soap:Envelope>
EOF
}

getstatus_envelope() { # getstatus_envelope ID > file
  cat <<EOF
<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <soap:Header>
    <ActivityMetadata xmlns="${SOAP_NS}"><MasterWorkflowInstanceId>$1</MasterWorkflowInstanceId></ActivityMetadata>
  </soap:Header>
  <soap:Body>
    <GetStatus xmlns="${SOAP_NS}" />
  </soap:Body>
</soap:Envelope>
EOF
}

xml_value() { # xml_value ELEMENT FILE -> text of the first <[p:]ELEMENT>text</...>
  sed -n "s#.*<\([A-Za-z0-9_]*:\)\{0,1\}$1>\([^<]*\)</\([A-Za-z0-9_]*:\)\{0,1\}$1>.*#\2#p" "$2" | head -n 1
}

get_status() { # get_status BASEURL ID -> prints Status (or ERR:<http code>)
  local code
  getstatus_envelope "$2" >"$WORK/gs-req.xml"
  code=$(soap_call "$1" GetStatus "$WORK/gs-req.xml" "$WORK/gs-resp.xml")
  if [ "$code" != 200 ]; then echo "ERR:$code"; return 0; fi
  xml_value Status "$WORK/gs-resp.xml"
}

health_of() { "$DOCKER" inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null || echo gone; }

wait_healthy() { # wait_healthy CONTAINER TIMEOUT_S -> 0 when healthy
  local end=$(( $(date +%s) + $2 )) h
  while [ "$(date +%s)" -lt "$end" ]; do
    h=$(health_of "$1")
    case "$h" in
      healthy) return 0 ;;
      gone) return 1 ;;
    esac
    [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ] || return 1
    sleep 0.2
  done
  return 1
}

host_port() { "$DOCKER" port "$1" 8080/tcp | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -n 1; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# ------------------------------------------------------------------- main ---
[ "$(id -u)" = 0 ] || { echo "run as root (installs packages and starts dockerd)" >&2; exit 2; }
[ -f Dockerfile ] && [ -f docker-compose.yml ] || { echo "run from the repository root" >&2; exit 2; }

install_packages
start_dockerd
log "$("$DOCKER" version -f 'engine {{.Server.Version}}, client {{.Client.Version}}'); $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')"
build_base_image

# 1. compose file validates with compose v1 (2021 schema)
if out=$(docker-compose -f docker-compose.yml config -q 2>&1); then pass "docker-compose config -q"; else fail "docker-compose config -q" "$out"; fi

# 2. cold build (no cache), then a cached rebuild
export DOCKER_BUILDKIT=1
OLD_IMAGE_ID=$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
log "building $IMAGE (no cache)"
t0=$(now)
if "$DOCKER" build --no-cache --progress=plain -t "$IMAGE" . >"$WORK/build.log" 2>&1; then
  FIG[cold_build]=$(secs "$t0" "$(now)")
  pass "docker build (cold, ${FIG[cold_build]} s)"
else
  tail -n 60 "$WORK/build.log"
  fail "docker build (cold)"
  echo "$PASSED passed, $FAILED failed"
  exit 1
fi
t0=$(now)
if "$DOCKER" build --progress=plain -t "$IMAGE" . >"$WORK/rebuild.log" 2>&1; then
  FIG[cached_build]=$(secs "$t0" "$(now)")
  pass "docker build (cached, ${FIG[cached_build]} s)"
else
  tail -n 30 "$WORK/rebuild.log"
  fail "docker build (cached)"
fi
size=$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")
FIG[image_size]=$(awk -v s="$size" 'BEGIN { printf "%.0f MB", s / 1000000 }')

cfg=$("$DOCKER" image inspect -f '{{.Config.User}}|{{json .Config.ExposedPorts}}|{{json .Config.Volumes}}|{{if .Config.Healthcheck}}hc{{end}}|{{json .Config.Cmd}}' "$IMAGE")
case "$cfg" in
  'node|{"8080/tcp":{}}|{"/data":{}}|hc|["node","dist/server/main.js"]') pass "image config (USER node, EXPOSE 8080, VOLUME /data, HEALTHCHECK, CMD)" ;;
  *) fail "image config (USER node, EXPOSE 8080, VOLUME /data, HEALTHCHECK, CMD)" "$cfg" ;;
esac

# 3. run with a named volume; time docker run -> healthy
"$DOCKER" volume create "$VOL" >/dev/null
t0=$(now)
"$DOCKER" run -d --name "$CTR" -p 127.0.0.1::8080 -v "$VOL:/data" "$IMAGE" >/dev/null
# docker run -> first successful GetStatus (the health check only runs every 2 s, so this is sooner)
first_port=$(host_port "$CTR")
for _ in $(seq 1 1500); do
  [ "$(get_status "http://127.0.0.1:${first_port}" 1)" = Completed ] && { FIG[run_to_getstatus]=$(secs "$t0" "$(now)"); break; }
  sleep 0.02
done
if [ -n "${FIG[run_to_getstatus]:-}" ]; then pass "first GetStatus answered ${FIG[run_to_getstatus]} s after docker run"; else fail "first GetStatus within 30 s of docker run"; fi
if wait_healthy "$CTR" 60; then
  FIG[run_to_healthy]=$(secs "$t0" "$(now)")
  pass "container healthy (${FIG[run_to_healthy]} s after docker run)"
else
  fail "container healthy within 60 s" "health: $(health_of "$CTR")"
  "$DOCKER" logs --tail 40 "$CTR" 2>&1 || true
fi
PORT=$(host_port "$CTR")
BASE="http://127.0.0.1:${PORT}"
log "container $CTR published on $BASE"

code=$(curl -sS -o "$WORK/health.json" -w '%{http_code}' --max-time 5 "$BASE/__admin/health" || echo 000)
if [ "$code" = 200 ]; then pass "GET /__admin/health -> 200 from the host"; else fail "GET /__admin/health -> 200 from the host" "got $code"; fi

# The dashboard's page and the modules it imports are in the image (ui/, preact and htm in node_modules).
code=$(curl -sS -o "$WORK/ui.html" -w '%{http_code}' --max-time 5 "$BASE/__admin/ui" || echo 000)
ui_ok=$([ "$code" = 200 ] && echo yes || echo no)
for asset in ui/app.js ui/style.css $(grep -o 'ui/vendor/[A-Za-z0-9._-]*\.js' "$WORK/ui.html" 2>/dev/null); do
  c=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/__admin/$asset" || echo 000)
  [ "$c" = 200 ] || { ui_ok=no; code="$code, $asset $c"; }
done
if [ "$ui_ok" = yes ] && grep -q 'ui/vendor/preact-' "$WORK/ui.html"; then pass "GET /__admin/ui and its modules -> 200"; else fail "GET /__admin/ui and its modules -> 200" "got $code"; fi

uid=$("$DOCKER" exec "$CTR" id -u 2>&1 || true)
if [ "$uid" = 1000 ]; then pass "process runs as uid 1000 (node)"; else fail "process runs as uid 1000 (node)" "id -u: $uid"; fi

# 4. SOAP 1.1 FileBatch + GetStatus
filebatch_envelope "container-test-$RUN_ID" >"$WORK/fb-req.xml"
code=$(soap_call "$BASE" FileBatch "$WORK/fb-req.xml" "$WORK/fb-resp.xml")
ID=$(xml_value MasterWorkflowInstanceId "$WORK/fb-resp.xml")
if [ "$code" = 200 ] && grep -q 'FileBatchResponse' "$WORK/fb-resp.xml" && [[ "$ID" =~ ^[0-9]+$ ]]; then
  pass "SOAP 1.1 FileBatch -> MasterWorkflowInstanceId $ID"
else
  fail "SOAP 1.1 FileBatch" "HTTP $code: $(head -c 400 "$WORK/fb-resp.xml" 2>/dev/null)"
fi

st=$(get_status "$BASE" "${ID:-0}")
case "$st" in
  Queued|ProcessingInput|WaitingForOutput|Completed) pass "SOAP 1.1 GetStatus -> $st" ;;
  *) fail "SOAP 1.1 GetStatus (expected an active or Completed status)" "got '$st': $(head -c 400 "$WORK/gs-resp.xml" 2>/dev/null)" ;;
esac

st=$(get_status "$BASE" 987654321)
if [ "$st" = NotFound ]; then pass "GetStatus of an unknown id -> NotFound"; else fail "GetStatus of an unknown id -> NotFound" "got '$st'"; fi

# 5. persistence across docker restart
"$DOCKER" restart "$CTR" >/dev/null
if wait_healthy "$CTR" 60; then pass "healthy again after docker restart"; else fail "healthy again after docker restart" "health: $(health_of "$CTR")"; fi
PORT=$(host_port "$CTR"); BASE="http://127.0.0.1:${PORT}"
st=$(get_status "$BASE" "${ID:-0}")
if [ -n "$st" ] && [ "$st" != NotFound ] && [[ "$st" != ERR:* ]]; then
  pass "batch $ID survives docker restart (status $st)"
else
  fail "batch ${ID:-?} survives docker restart" "got '$st'"
fi

# 6. graceful, fast stop
t0=$(now)
"$DOCKER" stop -t 10 "$CTR" >/dev/null
FIG[stop]=$(secs "$t0" "$(now)")
ec=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$CTR")
if awk -v s="${FIG[stop]}" 'BEGIN { exit !(s < 5) }'; then pass "docker stop took ${FIG[stop]} s (< 5 s)"; else fail "docker stop took ${FIG[stop]} s (< 5 s)"; fi
if [ "$ec" = 0 ]; then pass "exit code 0 after SIGTERM"; else fail "exit code 0 after SIGTERM" "exit code $ec"; "$DOCKER" logs --tail 20 "$CTR" 2>&1 || true; fi
"$DOCKER" rm -f "$CTR" >/dev/null
"$DOCKER" volume rm -f "$VOL" >/dev/null

# 7. docker-compose example: mock + client that waits for service_healthy
# (docker-compose.yml names the image cora-ocr-mock:local; reuse the image just tested)
[ "$IMAGE" = cora-ocr-mock:local ] || "$DOCKER" tag "$IMAGE" cora-ocr-mock:local
export CORA_OCR_MOCK_PORT
CORA_OCR_MOCK_PORT=$(free_port)
COMPOSE_STARTED=1
log "docker-compose up (project $COMPOSE_PROJECT, host port $CORA_OCR_MOCK_PORT)"
set +e
timeout 300 docker-compose -p "$COMPOSE_PROJECT" -f docker-compose.yml up \
  --no-build --no-color --abort-on-container-exit --exit-code-from example-client >"$WORK/compose.log" 2>&1
crc=$?
set -e
if [ "$crc" = 0 ] && grep -q 'Completed' "$WORK/compose.log"; then
  pass "docker-compose up: example-client exits 0 (batch Completed)"
  grep 'example-client' "$WORK/compose.log" | grep -v -i -E 'creating|attaching|exited' | sed 's/^/       /' | head -n 20
else
  fail "docker-compose up: example-client exits 0" "exit $crc"
  tail -n 40 "$WORK/compose.log"
fi
docker-compose -p "$COMPOSE_PROJECT" -f docker-compose.yml down -v --remove-orphans -t 5 >/dev/null 2>&1 || true
COMPOSE_STARTED=0

# 8. the Testcontainers module (cora-ocr-mock/testcontainers) against this engine and the image just tested
TC_BUILD_TAG="cora-ocr-mock:testcontainers-${RUN_ID}"
if [ ! -d node_modules/testcontainers ]; then
  fail "testcontainers module test" "node_modules/testcontainers is missing: run npm ci first"
elif ! npm run build >"$WORK/tc-build.log" 2>&1; then
  fail "testcontainers module test" "npm run build failed: $(tail -n 20 "$WORK/tc-build.log")"
else
  log "node --test test/container/testcontainers.test.ts (image $IMAGE)"
  t0=$(now)
  set +e
  DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}" TESTCONTAINERS_RYUK_DISABLED=true \
    TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 CORA_OCR_MOCK_IMAGE="$IMAGE" CORA_OCR_MOCK_BUILD_TAG="$TC_BUILD_TAG" \
    timeout 900 node --import tsx --test --test-reporter=tap test/container/testcontainers.test.ts >"$WORK/tc.log" 2>&1
  tcrc=$?
  set -e
  FIG[testcontainers]=$(secs "$t0" "$(now)")
  tc_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$WORK/tc.log" | tail -n 1)
  tc_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$WORK/tc.log" | tail -n 1)
  # Each test of the file counts as one check here.
  while IFS= read -r line; do pass "testcontainers: ${line#*ok [0-9]* - }"; done \
    < <(grep -E '^    ok [0-9]+ - ' "$WORK/tc.log")
  while IFS= read -r line; do fail "testcontainers: ${line#*not ok [0-9]* - }"; done \
    < <(grep -E '^    not ok [0-9]+ - ' "$WORK/tc.log")
  if [ "$tcrc" != 0 ] || [ -z "$tc_pass" ] || [ "${tc_fail:-1}" != 0 ]; then
    fail "testcontainers test file exits 0 (exit $tcrc, pass ${tc_pass:-?}, fail ${tc_fail:-?})"
    tail -n 80 "$WORK/tc.log"
  fi
fi
"$DOCKER" image rm "$TC_BUILD_TAG" >/dev/null 2>&1 || true

# ---------------------------------------------------------------- summary ---
echo
echo "figures:"
printf '  image size        %s\n' "${FIG[image_size]:-?}"
printf '  cold build        %s s\n' "${FIG[cold_build]:-?}"
printf '  cached rebuild    %s s\n' "${FIG[cached_build]:-?}"
printf '  run -> GetStatus  %s s\n' "${FIG[run_to_getstatus]:-?}"
printf '  run -> healthy    %s s\n' "${FIG[run_to_healthy]:-?}"
printf '  docker stop       %s s\n' "${FIG[stop]:-?}"
printf '  testcontainers    %s s (the whole test file)\n' "${FIG[testcontainers]:-?}"
if [ "$FAILED" -gt 0 ]; then
  echo
  echo "failed checks:"
  for f in "${FAILURES[@]}"; do echo "  - $f"; done
fi
echo
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
