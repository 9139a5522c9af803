# syntax=docker/dockerfile:1
# Keel worker image (also runs the codec server), built as a user installs Keel: a throwaway stage packs this
# checkout (`npm pack`, whose prepack compiles dist/ and the workflow bundle), another installs that tarball with
# production dependencies only, and the final image holds just that install (compiled JavaScript, no TypeScript
# loader) and runs as the unprivileged `node` user.
#   docker build -t keel-worker .
ARG NODE_IMAGE=node:24.22.3-trixie-slim

FROM ${NODE_IMAGE} AS pack
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json README.md CHANGELOG.md ./
COPY bin ./bin
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/
RUN mkdir /pack && npm pack --pack-destination /pack && mv /pack/keel-*.tgz /pack/keel.tgz

FROM ${NODE_IMAGE} AS install
WORKDIR /app
COPY --from=pack /pack/keel.tgz /tmp/keel.tgz
RUN echo '{ "name": "keel-worker", "private": true, "type": "module" }' > package.json \
  && npm install --omit=dev --no-audit --no-fund /tmp/keel.tgz \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# The installed package finds its prebuilt workflow bundle itself: a worker polls within a second of starting.
# The local sandbox: bubblewrap isolates commands; slirp4netns and nftables give sessions with sandbox.network an
# outbound-only link; util-linux brings setpriv, unshare and nsenter (a root worker runs each session as its own
# uid). docker-compose.yml runs the container with the settings these need.
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap slirp4netns nftables util-linux \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    KEEL_HEALTH_PORT=8081 \
    KEEL_DATA_DIR=/data
WORKDIR /app
COPY --from=install /app ./
RUN mkdir -p /data && chown node:node /data
USER node
# 8081: GET /healthz; 9464: Prometheus metrics when KEEL_METRICS_PORT=9464; 8888: the codec server.
EXPOSE 8081 9464 8888
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.KEEL_HEALTH_PORT || 8081) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts the graceful shutdown: polling stops, in-flight activities get KEEL_SHUTDOWN_GRACE_SECONDS.
STOPSIGNAL SIGTERM
CMD ["node", "node_modules/keel/dist/worker/main.js"]
