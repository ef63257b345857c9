# cora-ocr-mock container image (issue 4).
#
#   docker build -t cora-ocr-mock .
#   docker run --rm -p 8080:8080 -v cora-ocr-mock-data:/data cora-ocr-mock
#
# Stage 1 compiles better-sqlite3 (native) and the TypeScript sources, then
# drops dev dependencies. Stage 2 holds only what the server needs at run time.

FROM node:20-bookworm-slim AS build

# Toolchain for node-gyp (better-sqlite3 is a native addon).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that source changes reuse this (slow) layer.
# --ignore-scripts skips the root `prepare` (tsc; sources are not copied yet);
# `npm rebuild` then runs the dependencies' own install scripts (native build).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild

COPY tsconfig.json ./
COPY server ./server
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/better-sqlite3/deps \
           node_modules/better-sqlite3/src \
           node_modules/better-sqlite3/build/Release/obj \
           node_modules/better-sqlite3/build/Release/obj.target \
           node_modules/better-sqlite3/build/Release/.deps \
           node_modules/better-sqlite3/build/deps \
 && npm cache clean --force


FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DB_PATH=/data/cora-ocr-mock.sqlite \
    FIXTURES_DIR=/app/fixtures

WORKDIR /app

# Application files stay root-owned (read-only for the `node` user);
# only the data volume is writable.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY wsdl ./wsdl
COPY fixtures ./fixtures
# The dashboard's own files (/__admin/ui); Preact and htm come from node_modules.
COPY ui ./ui

RUN mkdir -p /data && chown node:node /data
VOLUME /data

USER node
EXPOSE 8080

HEALTHCHECK --interval=2s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/__admin/health',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]

# As package.json's start script: no node flags (they would cost start-up; server/heap.ts bounds
# the heap's growth at run time instead).
CMD ["node", "dist/server/main.js"]
