#!/bin/sh
# monitor.sh SPOOL: reads a queuectl spool as a monitoring check would, with ls and cat only
# (queuectl-spool(5)); prints one line per state and exits 2 (critical) when the DLQ is not empty.
cd "${1:?usage: monitor.sh SPOOL}" || exit 3
format=$(cat format 2>/dev/null || echo queuectl-spool 1)
[ "$format" = "queuectl-spool 1" ] || { echo "UNKNOWN: $format"; exit 3; }
for state in pending processing failed completed dead; do
    echo "$state $(ls "$state" | grep -c '\.json$')"          # dot-files are private, not jobs
done
echo "next_retry $(ls failed | head -n 1 | cut -c1-20)"        # failed/ names start with the UTC time
for job in $(ls dead); do grep '"last_error"' "dead/$job" || true; done   # a job may move on: no error
[ -z "$(ls dead)" ]  || exit 2
