#!/bin/sh
# Makes Tests/Fixtures/spool-v1/: a spool written by queuectl with a job in every state, kept as
# a fixture so that every later queuectl is tested against it (SpoolFormatTests). Format 1 spools
# in the field were made before SPOOL/format existed, so the file is left out: the test checks
# that a spool without it is read as format 1 and gets the file. Run once, from the package root:
#   swift build && sh Tests/Fixtures/make-spool-v1.sh [path/to/queuectl]
# A later format change adds its own script and fixture beside this one; this one is not remade.
set -eu
queuectl=$(realpath "${1:-.build/debug/queuectl}")
out=$PWD/Tests/Fixtures/spool-v1
work=$(mktemp -d)
spool=$work/spool
q() { "$queuectl" --spool "$spool" "$@"; }
until_present() {  # until_present GLOB: waits up to 15 s for a file matching GLOB
    i=0
    while ! ls $1 >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -lt 150 ] || { echo "timed out waiting for $1" >&2; exit 1; }
        sleep 0.1
    done
}

q init 2>/dev/null || q status >/dev/null   # (no init command yet: the first use creates the spool)
# A failed run's retry waits 60 s while this script runs; set back to 2 s below.
q config set backoff-base 60

# quarantine/: a truncated file dropped a minute ago (past the grace period of bad files).
printf '{"command": ' > "$spool/tmp/oops"
touch -d '1 minute ago' "$spool/tmp/oops"
mv "$spool/tmp/oops" "$spool/pending/oops.json"

# completed/, failed/, dead/: one run each.
q enqueue '{"id": "hello", "command": "echo hello", "cwd": "/"}'
q enqueue '{"id": "flaky", "command": "echo attempt $QUEUECTL_ATTEMPT; [ \"$QUEUECTL_ATTEMPT\" -ge 2 ] || exit 1", "cwd": "/"}'
q enqueue '{"id": "broken", "command": "[ -n \"$FIXTURE_FIXED\" ] || { echo not fixed >&2; exit 3; }", "max_retries": 0, "cwd": "/", "env": {"REPORT": "weekly"}}'
"$queuectl" --spool "$spool" worker start > "$work/worker1.log" 2>&1 &
worker=$!
until_present "$spool/completed/hello.json"
until_present "$spool/dead/broken.json"
until_present "$spool/failed/*-flaky.json"
q worker stop >/dev/null
wait $worker

# processing/: a claim whose worker was killed (kill -9) in the middle of the run.
q enqueue '{"id": "interrupted", "command": "[ \"$QUEUECTL_ATTEMPT\" -ge 2 ] || exec sleep 600", "cwd": "/", "timeout_sec": 900}'
"$queuectl" --spool "$spool" worker start > "$work/worker2.log" 2>&1 &
worker=$!
until_present "$spool/processing/interrupted@*.json"
job=
while [ -z "$job" ]; do job=$(pgrep -P $worker || true); sleep 0.1; done
sleep 0.3
kill -9 $worker
kill -9 "$job"
wait $worker 2>/dev/null || true

# pending/: in run order, one with a priority, one scheduled, one waiting for another job,
# and a file dropped by another program that no worker has adopted yet.
q config set backoff-base 2
q enqueue --id report --priority -5 --cwd / --env REPORT=daily --command 'echo report'
q enqueue --id later --delay 60 --cwd / --command 'echo later'
q enqueue --id cleanup --after hello --cwd / --command 'echo cleanup'
printf '{"command": "echo dropped", "cwd": "/"}\n' > "$spool/tmp/drop"
mv "$spool/tmp/drop" "$spool/pending/dropped.json"

rm -f "$spool/format"
rm -rf "$out"
cp -a "$spool" "$out"
rm -rf "$work"
find "$out" -type d -empty -exec touch {}/.keep \;
ls -AR "$out"
