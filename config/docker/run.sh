#!/bin/sh
# Running qlik-group-sync with plain `docker run` (no Compose). Read it, then run the part you need.
#
# Layout on the host (this folder is an example of it):
#   ./config.yaml           the configuration (config/docker/config.yaml), mounted read-only
#   ./secrets/api-key       Qlik Cloud API key               (readable by uid 65532, e.g. 0440 group 65532)
#   ./secrets/bind-password the LDAP bind password
#   ./secrets/ca.pem        the directory's CA certificate
#   ./env                   optional overrides (copy env.example)
# A named volume `qlik-group-sync-state` keeps the run lock and the last report across restarts.
#
#   sh config/docker/run.sh build      build the image (from the repository root)
#   sh config/docker/run.sh plan       one-shot: print what would change, change nothing
#   sh config/docker/run.sh apply      one-shot: plan and apply once (what a cron job runs)
#   sh config/docker/run.sh run        the scheduled worker, in the background, with health checks
#   sh config/docker/run.sh status     health, readiness and metrics of the running worker
set -eu

IMAGE="${IMAGE:-qlik-group-sync:0.1.0}"
HERE="$(cd "$(dirname "$0")" && pwd)"
CONFIG="${CONFIG:-$HERE/config.yaml}"
SECRETS="${SECRETS:-$HERE/secrets}"
ENV_FILE="${ENV_FILE:-$HERE/env}"

# Hardening that costs nothing: read-only root file system (the image writes only to its state
# volume), no capabilities, no privilege escalation, the image's numeric non-root user.
docker_run() {
  if [ -f "$ENV_FILE" ]; then set -- --env-file "$ENV_FILE" "$@"; fi
  docker run --read-only --cap-drop ALL --security-opt no-new-privileges --user 65532:65532 \
    --memory 1g --cpus 1 \
    -v "$CONFIG:/etc/qlik-group-sync/config.yaml:ro" \
    -v "$SECRETS:/run/secrets/qlik-group-sync:ro" \
    -v qlik-group-sync-state:/var/lib/qlik-group-sync \
    "$@"
}

case "${1:-}" in
  build)
    docker build -t "$IMAGE" --build-arg REVISION="$(git -C "$HERE" rev-parse HEAD 2>/dev/null || echo unknown)" "$HERE/../.."
    ;;
  plan | apply | validate)
    # Exit codes: 0 done (or no changes), 2 changes pending (plan --detailed-exitcode),
    # 3 blocked by a safety limit, 78 invalid configuration, 1 any other error.
    command="$1"
    shift
    # --no-healthcheck: the image's HEALTHCHECK probes the `run` worker's /healthz, which a
    # one-shot command does not serve; without it a long run would show as unhealthy.
    docker_run --rm --no-healthcheck "$IMAGE" "$command" --config /etc/qlik-group-sync/config.yaml "$@"
    ;;
  run)
    # `docker stop` sends SIGTERM: the run in flight finishes its current request, the report is
    # written and the worker exits 0 within sync.stopTimeoutMs (45 s); Docker waits 60 s.
    docker_run -d --name qlik-group-sync --restart unless-stopped --stop-timeout 60 \
      -p 127.0.0.1:9464:9464 "$IMAGE"
    ;;
  status)
    curl -fsS http://127.0.0.1:9464/healthz
    curl -sS http://127.0.0.1:9464/readyz
    echo
    curl -fsS http://127.0.0.1:9464/metrics | grep -E '^qlik_group_sync_(runs_total|last_success)'
    docker inspect --format 'container health: {{.State.Health.Status}}' qlik-group-sync
    ;;
  *)
    sed -n '2,16p' "$0"
    exit 64
    ;;
esac
