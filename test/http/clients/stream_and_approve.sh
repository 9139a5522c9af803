#!/usr/bin/env bash
# An app of Keel's HTTP API in the shell: curl (and sed) alone. Starts a session that may call the `note` tool only
# with a person's approval, streams its events into a file, approves the call when `approval_requested` appears,
# and prints the raw Server-Sent Events once the stream ends (after `session_end`).
# Usage: stream_and_approve.sh <base url> <token>
set -euo pipefail
base="$1"
auth="Authorization: Bearer $2"
events="$(mktemp)"
trap 'rm -f "$events"' EXIT

created="$(curl -sS -f -H "$auth" -H 'Content-Type: application/json' "$base/v1/sessions" \
  -d '{"profile":"test","tools":["note"],"approval":{"tools":["note"]},"messages":[{"role":"user","content":"Take a note from the shell."}]}')"
id="$(printf '%s' "$created" | sed -E 's/.*"id":"([^"]+)".*/\1/')"

curl -sS -N -H "$auth" "$base/v1/sessions/$id/events" > "$events" &
stream=$!

# The decision goes in once the call waits for it.
for _ in $(seq 1 600); do
  if grep -q '^event: approval_requested' "$events"; then break; fi
  sleep 0.1
done
tool_use_id="$(grep -A1 '^event: approval_requested' "$events" | sed -nE 's/^data: .*"toolUseId":"([^"]+)".*/\1/p' | head -n 1)"
curl -sS -f -H "$auth" -H 'Content-Type: application/json' "$base/v1/sessions/$id/tool-decisions" \
  -d "{\"toolUseId\":\"$tool_use_id\",\"approve\":true}" > /dev/null

wait "$stream"
cat "$events"
