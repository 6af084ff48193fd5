# groundwork's image: three stages so the runtime holds compiled JavaScript and
# production dependencies only — no TypeScript, no dev tools, no sources, no tests.
#
# Base pinned to Node 20.19 on Debian 12 (bookworm) slim: the minor the app is built
# and tested on (package.json engines >= 20.19). Patch releases (security fixes) arrive
# on rebuild; pin by digest (node:20.19-bookworm-slim@sha256:...) where builds must be
# bit-for-bit reproducible.
ARG NODE_IMAGE=node:20.19-bookworm-slim

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
