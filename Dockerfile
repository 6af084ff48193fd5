# groundwork's image: three stages so the runtime holds compiled JavaScript and
# production dependencies only — no TypeScript, no dev tools, no sources, no tests.
#
# Base pinned to Node 24.22.3 (24 is the LTS line; 20 reached end of life on 2026-04-30)
# on Debian 12 (bookworm) slim. A full version, not a minor: a minor tag once kept this
# image on 20.19 while 20.20 carried the security releases, and the tests outside Docker
# run on this same version (stack/node-version.sh reads it from here for stack/install.sh
# and the offline stand-in). Raise it for each security release; pin by digest
# (node:24.22.3-bookworm-slim@sha256:...) where builds must be bit-for-bit reproducible.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# --- production dependencies only -------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs a build step, and none gets to run code here.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- compile TypeScript -------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY app ./app
RUN npm run build

# --- runtime --------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to Node (which starts the drain) and reaps zombies.
# Swarm services cannot use `docker run --init`, so the image brings its own init.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the app's user: even without the stack's read-only
# root filesystem the process cannot modify its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The backup service's volume mount point: a new named volume takes this directory's
# owner, so the archives are writable by the app's user and by no one else.
RUN mkdir -m 0700 /backups && chown node:node /backups
# Last, so a new version or commit rebuilds only this thin layer. GET /version shows them.
ARG APP_VERSION=dev
ARG APP_COMMIT=unknown
ENV APP_VERSION=${APP_VERSION} APP_COMMIT=${APP_COMMIT}
# The base image's unprivileged user (uid 1000); the stack mounts secrets for this uid.
USER node
EXPOSE 3000
# Node's own fetch: no curl in the image. Liveness, like the stack's healthcheck (which
# says why not /readyz: a MongoDB outage must not get every replica killed).
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/app/main.js"]
