#!/usr/bin/env bash
# Starts the action server and the Rasa server (or `rasa shell` with "shell"); Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
MODEL=models/leaky-gut-assistant.tar.gz

children=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

$PY -m rasa_sdk --actions actions --port "$ACTION_PORT" &
children+=($!)

if [ "${1:-}" = "shell" ]; then
  $PY -m addons.rasa_main shell --model "$MODEL" --endpoints endpoints.yml
else
  echo "Rasa: http://localhost:$RASA_PORT (REST /webhooks/rest/webhook, socket.io). Ctrl-C stops everything."
  $PY -m addons.rasa_main run --model "$MODEL" --port "$RASA_PORT" --endpoints endpoints.yml \
    --credentials credentials.yml &
  children+=($!)
  # Website widget with its demo page; its origin must be in credentials.yml (cors_allowed_origins).
  WIDGET_PORT=${WIDGET_PORT:-8080}
  $PY -m widget.server --port "$WIDGET_PORT" --rasa-url "http://localhost:$RASA_PORT" &
  children+=($!)
  wait -n "${children[@]}"
fi
