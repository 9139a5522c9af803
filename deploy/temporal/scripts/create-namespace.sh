#!/bin/sh
# Waits for the Temporal server, creates Keel's namespace if missing, and registers Keel's custom search
# attributes (KeelStatus, KeelProfile, KeelTurns, KeelTokens, KeelCostUsd, KeelTenant) so that the UI can list sessions by them.
# Idempotent: run on every `docker compose up`.
set -eu

NAMESPACE="${KEEL_NAMESPACE:-default}"
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
RETENTION="${KEEL_NAMESPACE_RETENTION:-7d}"
ATTEMPTS="${TEMPORAL_HEALTH_CHECK_MAX_ATTEMPTS:-60}"

attempt=1
until temporal operator cluster health --address "${ADDRESS}" >/dev/null 2>&1; do
  if [ "${attempt}" -ge "${ATTEMPTS}" ]; then
    echo "Temporal at ${ADDRESS} is not healthy after ${ATTEMPTS} attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

if temporal operator namespace describe --namespace "${NAMESPACE}" --address "${ADDRESS}" >/dev/null 2>&1; then
  echo "namespace ${NAMESPACE} exists"
else
  temporal operator namespace create --namespace "${NAMESPACE}" --retention "${RETENTION}" --address "${ADDRESS}"
  echo "namespace ${NAMESPACE} created"
fi

# A new namespace reaches every frontend's cache after a few seconds: wait until it answers.
attempt=1
until existing="$(temporal operator search-attribute list --namespace "${NAMESPACE}" --address "${ADDRESS}" 2>/dev/null)"; do
  if [ "${attempt}" -ge "${ATTEMPTS}" ]; then
    echo "namespace ${NAMESPACE} is not ready after ${ATTEMPTS} attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 1
done

for attribute in KeelStatus:Keyword KeelProfile:Keyword KeelTurns:Int KeelTokens:Int KeelCostUsd:Double KeelTenant:Keyword; do
  name="${attribute%%:*}"
  type="${attribute#*:}"
  if printf '%s\n' "${existing}" | grep -qw "${name}"; then
    echo "search attribute ${name} exists"
  else
    temporal operator search-attribute create --namespace "${NAMESPACE}" --name "${name}" --type "${type}" --address "${ADDRESS}"
    echo "search attribute ${name} (${type}) created"
  fi
done
