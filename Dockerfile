# syntax=docker/dockerfile:1
# Keel worker image (also runs the codec server). Multi-stage: production dependencies and the workflow bundle are
# built in throwaway stages; the final image holds node_modules, the sources (run by tsx, a runtime dependency) and
# the prebuilt bundle, and runs as the unprivileged `node` user.
#   docker build -t keel-worker .
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM dependencies AS bundle
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/
# Bundling at build time: a worker polls within a second of starting instead of running webpack first.
RUN node --import tsx scripts/bundle-workflows.ts dist/workflow-bundle.js

FROM ${NODE_IMAGE} AS runtime
# The local sandbox: bubblewrap isolates commands; slirp4netns and nftables give sessions with sandbox.network an
# outbound-only link; util-linux brings setpriv, unshare and nsenter (a root worker runs each session as its own
# uid). docker-compose.yml runs the container with the settings these need.
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap slirp4netns nftables util-linux \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    KEEL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    KEEL_HEALTH_PORT=8081 \
    KEEL_DATA_DIR=/data
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY --from=bundle /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
# 8081: GET /healthz; 9464: Prometheus metrics when KEEL_METRICS_PORT=9464; 8888: the codec server.
EXPOSE 8081 9464 8888
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.KEEL_HEALTH_PORT || 8081) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts the graceful shutdown: polling stops, in-flight activities get KEEL_SHUTDOWN_GRACE_SECONDS.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/worker.ts"]
