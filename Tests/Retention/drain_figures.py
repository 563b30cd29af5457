#!/usr/bin/env python3
"""The retention figures of the README: a spool fed with N `true` jobs (in batches of 5,000
whenever fewer than 5,000 are pending, so the queue runs in a steady state rather than draining
a pile) and drained by W detached workers, once with a retention setting and once with
`keep_completed all`. Every 10 s it samples completed/, the spool's size (du) and inode count,
and the workers' resident memory; at the end it prints the rate and the samples.

    drain_figures.py QUEUECTL N KEEP [WORKERS]     e.g. .build/release/queuectl 100000 10000 2
    OFF_FIRST=1 drain_figures.py ...               the run without retention first
    FSYNC=false drain_figures.py ...               with `fsync false`
"""
import json, os, shutil, subprocess, sys, tempfile, time

queuectl, total, keep = sys.argv[1], int(sys.argv[2]), sys.argv[3]
workers = int(sys.argv[4]) if len(sys.argv) > 4 else 2
BATCH = 5000


def q(spool, *args, stdin=None):
    return subprocess.run([queuectl, "--spool", spool, *args], input=stdin, capture_output=True, text=True, check=True).stdout


def count(folder):
    try:
        return sum(1 for name in os.listdir(folder) if not name.startswith("."))
    except FileNotFoundError:
        return 0


def du(spool):
    size = int(subprocess.run(["du", "-sk", spool], capture_output=True, text=True).stdout.split()[0])
    inodes = int(subprocess.run(["du", "-s", "--inodes", spool], capture_output=True, text=True).stdout.split()[0])
    return size, inodes


def rss(pids):
    values = []
    for pid in pids:
        try:
            status = open(f"/proc/{pid}/status").read()
        except FileNotFoundError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        values.append((int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])))
    return values


def run(retention):
    root = tempfile.mkdtemp(prefix="queuectl-retention.")
    spool = root + "/spool"
    q(spool, "config", "set", "keep-completed", retention)
    if os.environ.get("FSYNC"):
        q(spool, "config", "set", "fsync", os.environ["FSYNC"])
    q(spool, "worker", "start", "--detach", "--count", str(workers))
    pids = []
    for _ in range(100):  # `status` may list a detached worker a moment after `worker start` returns
        pids = [w["pid"] for w in json.loads(q(spool, "status", "--json"))["workers"]]
        if len(pids) == workers:
            break
        time.sleep(0.1)
    enqueued, samples, started = 0, [], time.monotonic()
    next_sample = started
    peak_completed_after_limit = 0
    while True:
        pending = count(spool + "/pending")
        if enqueued < total and pending < BATCH:
            size = min(BATCH, total - enqueued)
            lines = "".join('{"id":"j%d","command":"true"}\n' % (enqueued + i) for i in range(size))
            q(spool, "enqueue", "--file", "-", stdin=lines)
            enqueued += size
            continue
        done = json.loads(q(spool, "status", "--json"))["metrics"]["completed"]
        completed = count(spool + "/completed")
        if retention != "all" and done > int(keep) + BATCH:
            peak_completed_after_limit = max(peak_completed_after_limit, completed)
        now = time.monotonic()
        if now >= next_sample or done >= total:
            size, inodes = du(spool)
            samples.append((round(now - started), done, completed, size // 1024, inodes, rss(pids)))
            next_sample = now + 10
        if done >= total:
            break
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    q(spool, "worker", "stop")
    print(f"\n== keep_completed {retention}: {total} jobs, {workers} workers: {elapsed:.1f} s, {total / elapsed:.0f} jobs/s")
    if retention != "all":
        print(f"   completed/ at most {peak_completed_after_limit} once past the limit")
    print("   t(s)  done     completed/  du(MiB)  inodes   worker RSS/peak (KiB)")
    for t, done, completed, size, inodes, memory in samples:
        print(f"   {t:5d}  {done:7d}  {completed:10d}  {size:7d}  {inodes:7d}  {memory}")
    shutil.rmtree(root)
    return total / elapsed


if __name__ == "__main__":
    # On a shared machine the load drifts: OFF_FIRST=1 runs the two in the other order.
    if os.environ.get("OFF_FIRST"):
        without = run("all")
        with_retention = run(keep)
    else:
        with_retention = run(keep)
        without = run("all")
    print(f"\ndrain rate with keep_completed {keep}: {with_retention:.0f} jobs/s; with all: {without:.0f} jobs/s "
          f"({100 * (with_retention / without - 1):+.1f}%)")
