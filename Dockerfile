# syntax=docker/dockerfile:1
#
# qlik-group-sync container image.
#
#   docker build -t qlik-group-sync:0.1.0 .
#   docker run --read-only -v ./config.yaml:/etc/qlik-group-sync/config.yaml:ro ... qlik-group-sync:0.1.0
#
# Three stages: production dependencies, the TypeScript build, and a distroless Node.js 24 runtime
# with neither a shell nor a package manager. The runtime runs as a numeric non-root user, writes
# only to its state volume (lock, last report), so it runs with a read-only root file system, and
# checks its own health through the CLI (no curl in the image). Examples: config/docker/, config/k8s/.
#
# Only the files the build needs are copied (never `COPY . .`), so a developer's node_modules/ and
# any local secrets never reach a layer. `--ignore-scripts` everywhere: the only install script in
# the dependency tree is the dev-only `node` package's Node binary download, which no stage needs.

# --- Production dependencies only: no TypeScript, no test tools, no dev Node binary. ---
FROM node:24-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `state`: an empty folder, copied as the runtime user's state volume (the final stage has no shell).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && mkdir state

# --- Build: tsc emits dist/ (relative .ts imports rewritten to .js). ---
FROM node:24-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src/ ./src/
RUN npm run build

# --- Runtime: distroless Node.js 24, non-root. ---
FROM gcr.io/distroless/nodejs24-debian12:nonroot AS runtime
ARG VERSION=0.1.0
# Set by CI: --build-arg REVISION=$(git rev-parse HEAD) --build-arg SOURCE=<repository URL>.
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="qlik-group-sync" \
      org.opencontainers.image.description="Keeps Qlik Cloud custom groups (CG-...) in step with an LDAP / Active Directory directory." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="gcr.io/distroless/nodejs24-debian12:nonroot"
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the runtime user: the application cannot change itself.
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/dist ./dist
COPY --chown=0:0 package.json ./
COPY --chown=0:0 config/ ./config/
# The state folder belongs to the runtime user, so a fresh named volume (Docker copies the owner
# into it) is writable. In Kubernetes the pod's fsGroup does the same for an emptyDir or a PVC.
COPY --from=deps --chown=65532:65532 /app/state /var/lib/qlik-group-sync
# distroless "nonroot" (65532); numeric so `runAsNonRoot` can verify it without /etc/passwd.
USER 65532:65532
# The run lock and the last report (sync.stateDir). Everything else is read-only.
VOLUME ["/var/lib/qlik-group-sync"]
# /healthz, /readyz, /metrics of `run` (sync.http; the examples use port 9464).
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/nodejs/bin/node", "dist/cli.js", "healthcheck", "--config", "/etc/qlik-group-sync/config.yaml"]
ENTRYPOINT ["/nodejs/bin/node", "dist/cli.js"]
CMD ["run", "--config", "/etc/qlik-group-sync/config.yaml"]
