#!/usr/bin/env python3
"""queuectl on a real GlusterFS volume: two FUSE mounts of one volume are two hosts.

    suite.py QUEUECTL [--options default|strict|both] [--only probe,a,b,c,d,e,g,rate]

For each option set: a fresh volume (volume.sh up, torn down on any exit), then
  probe  raw file-system races between the two clients (symlink, mkdir, rename, stale open)
  a      1,000 jobs enqueued through both mounts (batches and single calls), 2 workers per host
  b      the same id enqueued through both mounts at once, plain and --unique, 200 rounds each
  c      a worker SIGSTOPped past its lease mid-run, resumed after the other host reaped it
  d      kill -9 of every worker of one host mid-drain: recovered within the lease
  e      pause/resume, config set, cancel, dlq retry through one host, obeyed on the other
  g      a group with a limit of 1 and 2 workers per host: never two of its jobs at once,
         while another group's jobs run beside it
  rate   (only when named) drain of 900 `true` jobs by 2 + 2 workers, GlusterFS beside local disk
A second "host" is a UTS namespace with its own hostname (unshare --uts). Every job appends
one file per run to a ledger on local disk, named ID.ATTEMPT.HOST.PID.

Output: human-readable lines, then one line per option set
    GLUSTER-RESULT {"options": ..., "checks": [...], "figures": {...}, "anomalies": [...]}
checks are what must hold (the Swift test asserts them); anomalies are what the file system
or queuectl did that the contract does not allow but the suite only counts (each also fails a
check when it breaks a guarantee). Exit 0 when every check passed, 1 otherwise, 77 when the
volume cannot be set up here (no FUSE, no glusterfs).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VOLUME = os.path.join(HERE, "volume.sh")
STATES = ["pending", "processing", "failed", "completed", "dead"]


def log(message):
    print(message, flush=True)


class SetupFailed(Exception):
    pass


class Host:
    """`worker start --count N` in a UTS namespace named `name`, in a session of its own."""

    def __init__(self, suite, name, spool, count):
        self.name = name
        self.log_path = os.path.join(suite.local, f"{name}-{os.path.basename(spool)}-{time.monotonic_ns()}.log")
        self.log_file = open(self.log_path, "w")
        script = f'hostname {name} && exec "$0" --spool "$1" worker start --count {count}'
        self.process = subprocess.Popen(["unshare", "--uts", "sh", "-c", script, suite.binary, spool],
                                        stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)
        suite.sessions.append(self.process.pid)

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self, timeout=30):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        kill_session(self.process.pid)
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.log_file.close()


def session_members(sid):
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid:  # fields after ")": state ppid pgrp session
                members.append(int(entry))
        except (OSError, IndexError, ValueError):
            pass
    return members


def kill_session(sid):
    for pid in session_members(sid):
        try:
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Suite:
    def __init__(self, binary, options):
        self.binary = binary
        self.options = options
        self.dir = tempfile.mkdtemp(prefix="queuectl-gluster.", dir="/tmp")
        self.local = tempfile.mkdtemp(prefix="queuectl-gluster-local.", dir="/tmp")
        self.sessions = []
        self.checks = []
        self.figures = {}
        self.anomalies = []
        self.up = False

    # -- setup and teardown ------------------------------------------------------------

    def setup(self):
        started = time.monotonic()
        result = subprocess.run(["bash", VOLUME, "up", self.dir, self.options], capture_output=True, text=True, timeout=180)
        if result.returncode != 0:
            raise SetupFailed(result.stderr.strip() or f"volume.sh up exited {result.returncode}")
        self.up = True
        self.figures["setup_sec"] = round(time.monotonic() - started, 1)

    def teardown(self):
        for sid in self.sessions:
            kill_session(sid)
        if self.up or os.path.isdir(self.dir):
            started = time.monotonic()
            subprocess.run(["bash", VOLUME, "down", self.dir], timeout=180)
            self.figures["teardown_sec"] = round(time.monotonic() - started, 1)
        shutil.rmtree(self.local, ignore_errors=True)

    # -- paths ----------------------------------------------------------------------------

    def spool(self, client, name):
        return os.path.join(self.dir, client, name)

    def truth(self, name):
        """The server's own view of a spool: the brick, read directly."""
        return os.path.join(self.dir, "brick", name)

    def ledger_dir(self, name):
        path = os.path.join(self.local, "ledger-" + name)
        os.makedirs(path, exist_ok=True)
        return path

    @staticmethod
    def ledger_command(ledger, extra=""):
        return f': > {ledger}/"$QUEUECTL_JOB_ID.$QUEUECTL_ATTEMPT.$(hostname).$$"' + (f"; {extra}" if extra else "")

    @staticmethod
    def ledger_runs(ledger):
        runs = {}
        for entry in os.listdir(ledger):
            job, attempt, host, _pid = entry.rsplit(".", 3)
            runs.setdefault(job, []).append((int(attempt), host))
        return runs

    # -- running queuectl ------------------------------------------------------------------

    def q(self, spool, *args, host=None, stdin=None, timeout=120):
        command = [self.binary, "--spool", spool, *args]
        if host:
            command = ["unshare", "--uts", "sh", "-c", f'hostname {host} && exec "$@"', "sh", *command]
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout)
        return result.returncode, result.stdout, result.stderr

    def check(self, name, ok, detail=""):
        self.checks.append({"name": name, "ok": bool(ok), "detail": detail})
        log(f"  {'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""))

    def anomaly(self, kind, count, detail):
        self.anomalies.append({"kind": kind, "count": count, "detail": detail})
        log(f"  ANOMALY {kind} x{count}: {detail}")

    def census(self, name, hidden=False):
        """Job files per state folder on the brick (dot-files counted apart)."""
        counts = {}
        for state in STATES + ["quarantine", "ids"]:
            try:
                names = os.listdir(os.path.join(self.truth(name), state))
            except FileNotFoundError:
                names = []
            counts[state] = len([n for n in names if not n.startswith(".")])
            counts["." + state] = len([n for n in names if n.startswith(".")])
        return counts

    def records(self, name):
        """Every job record in a state folder on the brick: id -> [(state, file, record)]."""
        found = {}
        for state in STATES:
            folder = os.path.join(self.truth(name), state)
            for entry in os.listdir(folder) if os.path.isdir(folder) else []:
                if entry.startswith("."):
                    continue
                try:
                    with open(os.path.join(folder, entry)) as f:
                        record = json.load(f)
                except (OSError, ValueError):
                    record = {}
                found.setdefault(record.get("id", entry), []).append((state, entry, record))
        return found

    def configure(self, name, **settings):
        for key, value in settings.items():
            rc, _, err = self.q(self.spool("a", name), "config", "set", key.replace("_", "-"), str(value))
            if rc != 0:
                raise RuntimeError(f"config set {key} {value}: {err}")

    def wait_for(self, predicate, timeout, step=0.1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(step)
        return predicate()

    def worker_pids(self, name, host):
        pids = []
        folder = os.path.join(self.truth(name), "workers")
        for entry in os.listdir(folder):
            try:
                with open(os.path.join(folder, entry)) as f:
                    record = json.load(f)
                if record.get("host") == host:
                    pids.append((record["id"], int(record["pid"])))
            except (OSError, ValueError, KeyError):
                pass
        return pids

    # -- probe: the file system's own races --------------------------------------------------

    def probe(self, rounds=300):
        log(f"[probe] raw races between the two clients, {rounds} rounds each")
        base = {c: os.path.join(self.dir, c, "probe") for c in "ab"}
        os.makedirs(base["a"], exist_ok=True)
        self.wait_for(lambda: os.path.isdir(base["b"]), 10)

        def race(action_a, action_b):
            barrier = threading.Barrier(2)
            results = [None, None]

            def run(index, action):
                barrier.wait()
                try:
                    action()
                    results[index] = 0
                except OSError as error:
                    results[index] = error.errno

            threads = [threading.Thread(target=run, args=(0, action_a)), threading.Thread(target=run, args=(1, action_b))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return results

        # symlink: exactly one should get 0; both EEXIST and no link = a lost reservation.
        symlink_both_fail = symlink_both_ok = symlink_absent = 0
        for i in range(rounds):
            name = f"link-{i}"
            r = race(lambda: os.symlink("a", os.path.join(base["a"], name)), lambda: os.symlink("b", os.path.join(base["b"], name)))
            exists = os.path.lexists(os.path.join(base["a"], name)) or os.path.lexists(os.path.join(base["b"], name))
            if r.count(0) == 0:
                symlink_both_fail += 1
                if not exists:
                    symlink_absent += 1
            elif r.count(0) == 2:
                symlink_both_ok += 1
        mkdir_both_fail = mkdir_both_ok = 0
        for i in range(rounds):
            name = f"dir-{i}"
            r = race(lambda: os.mkdir(os.path.join(base["a"], name)), lambda: os.mkdir(os.path.join(base["b"], name)))
            mkdir_both_fail += r.count(0) == 0
            mkdir_both_ok += r.count(0) == 2
        # a claim: one source renamed by both clients to two different names.
        claim_both_ok = claim_two_files = 0
        for i in range(rounds):
            source = f"job-{i}"
            with open(os.path.join(base["a"], source), "w") as f:
                f.write("x")
            self.wait_for(lambda: os.path.exists(os.path.join(base["b"], source)), 5, 0.01)
            r = race(lambda: os.rename(os.path.join(base["a"], source), os.path.join(base["a"], source + "@A")),
                     lambda: os.rename(os.path.join(base["b"], source), os.path.join(base["b"], source + "@B")))
            claim_both_ok += r.count(0) == 2
            claim_two_files += sum(os.path.exists(os.path.join(self.dir, "brick", "probe", source + s)) for s in ("@A", "@B")) == 2
        # one source renamed by both clients to one target name: POSIX lets only one return 0.
        same_target_both_ok = 0
        for i in range(rounds):
            source = f"one-{i}"
            with open(os.path.join(base["a"], source), "w") as f:
                f.write("x")
            self.wait_for(lambda: os.path.exists(os.path.join(base["b"], source)), 5, 0.01)
            r = race(lambda: os.rename(os.path.join(base["a"], source), os.path.join(base["a"], f"dst-{i}")),
                     lambda: os.rename(os.path.join(base["b"], source), os.path.join(base["b"], f"dst-{i}")))
            same_target_both_ok += r.count(0) == 2
        # link(2) to one new name from two clients (the exclusive fallback of RENAME_NOREPLACE).
        link_both_ok = link_both_fail = 0
        for i in range(rounds):
            for c in "ab":
                with open(os.path.join(base[c], f"ls-{i}-{c}"), "w") as f:
                    f.write(c)
            r = race(lambda: os.link(os.path.join(base["a"], f"ls-{i}-a"), os.path.join(base["a"], f"lt-{i}")),
                     lambda: os.link(os.path.join(base["b"], f"ls-{i}-b"), os.path.join(base["b"], f"lt-{i}")))
            link_both_ok += r.count(0) == 2
            link_both_fail += r.count(0) == 0
        # renameat2(RENAME_NOREPLACE): supported here?
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        with open(os.path.join(base["a"], "nr-src"), "w") as f:
            f.write("x")
        rc = libc.renameat2(-100, os.path.join(base["a"], "nr-src").encode(), -100, os.path.join(base["a"], "nr-dst").encode(), 1)
        self.figures["probe_renameat2_noreplace"] = "works" if rc == 0 else os.strerror(ctypes.get_errno())
        # stale name: b has looked at X; a renames X to Y; b opens X for writing at once.
        stale_open = stale_landed = 0
        stale_rounds = rounds // 3
        for i in range(stale_rounds):
            x, y = f"claim-{i}", f"taken-{i}"
            with open(os.path.join(base["a"], x), "w") as f:
                f.write("original")
            self.wait_for(lambda: os.path.exists(os.path.join(base["b"], x)), 5, 0.01)
            os.lstat(os.path.join(base["b"], x))
            os.rename(os.path.join(base["a"], x), os.path.join(base["a"], y))
            try:
                fd = os.open(os.path.join(base["b"], x), os.O_WRONLY)
                os.write(fd, b"STALE")
                os.close(fd)
                stale_open += 1
            except OSError:
                pass
            time.sleep(0.02)
            with open(os.path.join(self.dir, "brick", "probe", y)) as f:
                stale_landed += f.read().startswith("STALE")
        f = self.figures
        f["probe_rounds"] = rounds
        f["probe_symlink_both_eexist"] = symlink_both_fail
        f["probe_symlink_both_eexist_no_link"] = symlink_absent
        f["probe_symlink_both_ok"] = symlink_both_ok
        f["probe_mkdir_both_eexist"] = mkdir_both_fail
        f["probe_mkdir_both_ok"] = mkdir_both_ok
        f["probe_claim_rename_both_ok"] = claim_both_ok
        f["probe_claim_rename_two_files"] = claim_two_files
        f["probe_same_source_same_target_rename_both_ok"] = same_target_both_ok
        f["probe_link_race_both_ok"] = link_both_ok
        f["probe_link_race_both_eexist"] = link_both_fail
        f["probe_stale_rounds"] = stale_rounds
        f["probe_stale_open_ok"] = stale_open
        f["probe_stale_write_landed_in_renamed_file"] = stale_landed
        log(f"  symlink races: both EEXIST {symlink_both_fail} (no link afterwards {symlink_absent}), both 0 {symlink_both_ok}")
        log(f"  mkdir races: both EEXIST {mkdir_both_fail}, both 0 {mkdir_both_ok}")
        log(f"  claim renames (one source, two targets): both 0 {claim_both_ok}, two files {claim_two_files}")
        log(f"  one source renamed to one target by both clients: both 0 {same_target_both_ok}")
        log(f"  link(2) to one new name from both clients: both 0 {link_both_ok}, both EEXIST {link_both_fail}")
        log(f"  renameat2(RENAME_NOREPLACE): {self.figures['probe_renameat2_noreplace']}")
        log(f"  stale name after a rename by the other client: open(O_WRONLY) worked {stale_open}/{stale_rounds}, "
            f"write landed in the renamed file {stale_landed}/{stale_rounds}")
        if symlink_absent:
            self.anomaly("fs-symlink-both-eexist-no-link", symlink_absent,
                         f"{symlink_absent}/{rounds} symlink races: both clients got EEXIST and no link exists")
        if stale_landed:
            self.anomaly("fs-stale-name-write", stale_landed,
                         f"{stale_landed}/{stale_rounds}: a write through the old name lands in the file renamed by the other client")

    # -- a: drain ----------------------------------------------------------------------------

    def scenario_a(self, total=1000):
        name = "s-drain"
        log(f"[a] {total} jobs through both mounts, 2 workers per host")
        ledger = self.ledger_dir(name)
        command = self.ledger_command(ledger)
        self.configure(name, poll_interval=0.2)
        hosts = [Host(self, "hostA", self.spool("a", name), 2), Host(self, "hostB", self.spool("b", name), 2)]
        batch_per_mount, batch_size, singles_per_mount = 2, 200, 100
        assert 2 * (batch_per_mount * batch_size + singles_per_mount) == total
        failures = []
        started = time.monotonic()

        def enqueue_through(client):
            spool = self.spool(client, name)
            for b in range(batch_per_mount):
                lines = "".join(json.dumps({"id": f"{client}-b{b}-{i:03d}", "command": command}) + "\n" for i in range(batch_size))
                rc, out, err = self.q(spool, "enqueue", "--file", "-", stdin=lines)
                if rc != 0 or len(out.split()) != batch_size:
                    failures.append(f"batch {client}{b}: exit {rc}, {len(out.split())} ids, {err.strip()[:200]}")
            for i in range(singles_per_mount):
                job = f"{client}-s-{i:03d}"
                rc, out, err = self.q(spool, "enqueue", "--id", job, "--command", command)
                if rc != 0 or out.strip() != job:
                    failures.append(f"single {job}: exit {rc}, printed {out.strip()!r}, {err.strip()[:200]}")

        threads = [threading.Thread(target=enqueue_through, args=(c,)) for c in "ab"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        enqueued = time.monotonic() - started
        drained = self.wait_for(lambda: self.census(name)["completed"] >= total, 200, 0.5)
        elapsed = time.monotonic() - started
        for host in hosts:
            host.stop()
        counts = self.census(name)
        quarantine = os.path.join(self.truth(name), "quarantine")
        for entry in sorted(os.listdir(quarantine)):
            if entry.endswith(".reason"):
                with open(os.path.join(quarantine, entry), errors="replace") as f:
                    reason = f.read().strip()
                log(f"  quarantined: {reason}")
                self.anomaly("quarantined-valid-job", 1, reason)
        reread = lost_claims = taken = 0
        for host in hosts:
            for line in host.output().splitlines():
                reread += "read on a retry" in line
                lost_claims += "lost before its run" in line
                taken += "taken back" in line
                if "quarantined" in line or "claim of" in line or "could not" in line or "reaped" in line:
                    log(f"  {host.name}: {line}")
        self.figures["a_claims_read_on_a_retry"] = reread
        self.figures["a_claims_lost_before_run"] = lost_claims  # a claim rename that returned 0 to two workers
        self.figures["a_results_taken_back"] = taken  # no fault here: each one is a claim wrongly judged taken
        runs = self.ledger_runs(ledger)
        ids = {f"{c}-b{b}-{i:03d}" for c in "ab" for b in range(batch_per_mount) for i in range(batch_size)} | \
              {f"{c}-s-{i:03d}" for c in "ab" for i in range(singles_per_mount)}
        twice = sorted(j for j, r in runs.items() if len(r) > 1)
        never = sorted(ids - set(runs))
        rc, out, err = self.q(self.spool("a", name), "doctor", "--json")
        try:
            findings = json.loads(out) if out.strip() else []
        except ValueError:
            findings = [out.strip()]
        if isinstance(findings, dict):
            findings = findings.get("findings", findings.get("problems", [findings]))
        per_host = {}
        for r in runs.values():
            for _, h in r:
                per_host[h] = per_host.get(h, 0) + 1
        self.figures.update({"a_jobs": total, "a_enqueue_sec": round(enqueued, 1), "a_drain_sec": round(elapsed, 1),
                             "a_jobs_per_sec": round(total / elapsed, 1), "a_runs": sum(len(r) for r in runs.values()),
                             "a_ran_twice": len(twice), "a_never_ran": len(never),
                             "a_runs_per_host": per_host, "a_doctor_findings": len(findings)})
        log(f"  enqueued in {enqueued:.1f} s, drained in {elapsed:.1f} s ({total / elapsed:.1f} jobs/s); runs per host {per_host}")
        self.check("a: every enqueue call succeeded", not failures, "; ".join(failures[:5]))
        self.check("a: all jobs completed", drained and counts["completed"] == total, json.dumps(counts))
        self.check("a: each job ran exactly once", not twice and not never,
                   f"ran twice: {twice[:10]} ({len(twice)}); never ran: {never[:10]} ({len(never)})")
        self.check("a: processing/ and quarantine/ empty", counts["processing"] + counts[".processing"] + counts["quarantine"] == 0,
                   json.dumps(counts))
        self.check("a: doctor finds nothing", rc == 0 and not findings, f"exit {rc}: {out.strip()[:300]} {err.strip()[:300]}")
        if twice:
            self.anomaly("ran-twice", len(twice), f"without any fault: {twice[:10]}")
        if never:
            self.anomaly("lost", len(never), f"never ran: {never[:10]}")

    # -- b: the same id from both hosts at once -------------------------------------------------

    def scenario_b(self, rounds=200):
        name = "s-same"
        log(f"[b] the same id through both mounts at once, {rounds} rounds plain and {rounds} --unique")
        spools = [self.spool("a", name), self.spool("b", name)]
        self.q(spools[0], "init")
        self.wait_for(lambda: os.path.isdir(os.path.join(spools[1], "ids")), 10)
        outcomes = {}
        started = time.monotonic()
        for mode in ("plain", "unique"):
            for r in range(rounds):
                job = f"{mode}-{r:03d}"
                args = ["enqueue", "--id", job, "--command", "true"] + (["--unique"] if mode == "unique" else [])
                processes = [subprocess.Popen(["sh", "-c", 'read go; exec "$@"', "sh", self.binary, "--spool", s, *args],
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                             for s in spools]
                time.sleep(0.01)  # both have started and wait on their stdin
                for p in processes:
                    p.stdin.write("\n")
                    p.stdin.flush()
                results = []
                for p in processes:
                    out, err = p.communicate(timeout=60)
                    results.append((p.returncode, out.strip(), err.strip()))
                outcomes[job] = results
        elapsed = time.monotonic() - started
        time.sleep(1)
        found = self.records(name)
        ids_folder = os.path.join(self.truth(name), "ids")
        kinds = {}
        examples = {}
        for job, results in outcomes.items():
            mode = job.split("-")[0]
            jobs = len(found.get(job, []))
            reserved = os.path.lexists(os.path.join(ids_folder, job))
            accepted = [rc == 0 and out == job for rc, out, _ in results]
            refused = [rc == 2 and "exist" in err.lower() for rc, _, err in results]
            if mode == "plain":
                if jobs == 1 and accepted.count(True) == 1 and refused.count(True) == 1 and reserved:
                    kind = "ok"
                elif jobs == 0 and refused.count(True) == 2:
                    kind = "both refused as duplicate, no job" + (" (id reserved)" if reserved else " (no reservation)")
                elif accepted.count(True) == 2:
                    kind = f"both accepted, {jobs} job(s)"
                else:
                    kind = f"{jobs} job(s), reserved={reserved}, callers {[(rc, out, err[:80]) for rc, out, err in results]}"
            else:
                if jobs == 1 and accepted.count(True) == 2 and reserved:
                    kind = "ok"
                elif jobs == 0 and accepted.count(True) == 2:
                    kind = "both printed the id and exited 0, no job" + (" (id reserved)" if reserved else " (no reservation)")
                else:
                    kind = f"{jobs} job(s), reserved={reserved}, callers {[(rc, out, err[:80]) for rc, out, err in results]}"
            key = f"{mode}: {kind}" if kind == "ok" or "callers" not in kind else f"{mode}: other"
            kinds[key] = kinds.get(key, 0) + 1
            examples.setdefault(key, f"{job}: {kind}")
        bad = {k: v for k, v in kinds.items() if not k.endswith(": ok")}
        self.figures.update({"b_rounds_per_mode": rounds, "b_sec": round(elapsed, 1), "b_outcomes": kinds})
        log(f"  {2 * rounds} rounds in {elapsed:.1f} s: {json.dumps(kinds)}")
        for k, v in bad.items():
            self.anomaly("id-race", v, f"{k} — e.g. {examples[k]}")
        self.check("b: exactly one job per id, and each caller's answer true", not bad,
                   "; ".join(f"{k} x{v}" for k, v in bad.items()))

    # -- c: a worker stopped past its lease ---------------------------------------------------------

    def stale_round(self, name, job, resume_early, lease=2):
        """Host A runs `job`, is SIGSTOPped; host B reaps and reruns it; A is resumed either the
        instant B's reaper renames A's claim (early) or after B completed the job (late)."""
        ledger = self.ledger_dir(name)
        sleep = 1 if resume_early else 3
        command = self.ledger_command(ledger, f'if [ "$QUEUECTL_ATTEMPT" = 1 ]; then sleep {sleep}; fi')
        hostA = Host(self, "hostA", self.spool("a", name), 1)
        hostB = None
        result = {"job": job, "early": resume_early}
        try:
            self.wait_for(lambda: self.worker_pids(name, "hostA"), 20)
            (worker_id, pid), = self.worker_pids(name, "hostA")
            rc, _, err = self.q(self.spool("a", name), "enqueue", "--id", job, "--command", command)
            assert rc == 0, err
            processing = os.path.join(self.truth(name), "processing")
            # A's claim: ID@WORKER~ATTEMPT.json (ID@WORKER.json from versions before 2026-12).
            claimed = lambda: any(n.startswith(f"{job}@{worker_id}") and n.endswith(".json") and not n.startswith(".")
                                  for n in os.listdir(processing))
            if not self.wait_for(lambda: any(r[1] == "hostA" for r in self.ledger_runs(ledger).get(job, [])), 20, 0.02):
                result["error"] = "host A never ran the job"
                return result
            os.kill(pid, signal.SIGSTOP)
            stopped = time.monotonic()
            hostB = Host(self, "hostB", self.spool("b", name), 1)
            if resume_early:
                if not self.wait_for(claimed, 5, 0.005):
                    result["error"] = "host A's claim was never seen in processing/"
                    return result
                self.wait_for(lambda: not claimed(), 30, 0.005)
            else:
                self.wait_for(lambda: len(self.records(name).get(job, [])) == 1 and self.records(name)[job][0][0] == "completed", 40, 0.1)
            result["reaped_after_sec"] = round(time.monotonic() - stopped, 2)
            os.kill(pid, signal.SIGCONT)
            self.wait_for(lambda: len(self.records(name).get(job, [])) == 1 and self.records(name)[job][0][0] == "completed", 40, 0.1)
            time.sleep(3)  # let A act on what it believes
            hostA.stop()
            hostB.stop()
            result["a_log"] = [line for line in hostA.output().splitlines() if job in line]
            result["b_log"] = [line for line in hostB.output().splitlines() if job in line]
            result["files"] = [(s, f) for s, f, _ in self.records(name).get(job, [])]
            hidden = [n for n in os.listdir(processing) if job in n]
            result["processing_left"] = hidden
            final = self.records(name).get(job, [])
            record = final[0][2] if len(final) == 1 else {}
            result["final_worker"] = record.get("worker", "")
            result["final_attempts"] = record.get("attempts")
            result["runs"] = sorted(self.ledger_runs(ledger).get(job, []))
        finally:
            hostA.stop()
            if hostB:
                hostB.stop()
        return result

    def scenario_c(self, early_rounds=3):
        name = "s-stale"
        log(f"[c] a worker SIGSTOPped past its lease: 1 round resumed late, {early_rounds} resumed at the reap")
        self.configure(name, lease_sec=2, poll_interval=0.2, backoff_base=1)
        results = [self.stale_round(name, "late-0", False)] + [self.stale_round(name, f"early-{i}", True) for i in range(early_rounds)]
        stale_commits = wrong = 0
        for r in results:
            log(f"  {r['job']}: reaped {r.get('reaped_after_sec')} s after SIGSTOP; final {r.get('files')} "
                f"worker={r.get('final_worker')} attempts={r.get('final_attempts')}; runs {r.get('runs')}; "
                f"left in processing {r.get('processing_left')}")
            for line in r.get("a_log", []):
                log(f"    A: {line}")
            if "error" in r:
                self.check(f"c: {r['job']} set up", False, r["error"])
                continue
            a_committed = [line for line in r["a_log"] if f"{r['job']} completed" in line or f"{r['job']} failed" in line]
            a_taken_back = any("taken back" in line for line in r["a_log"])
            ok_once = len(r["files"]) == 1 and r["files"][0][0] == "completed"
            # The rerun (attempt 2, after the reap) may be run by either host once A is resumed;
            # the final record must be that rerun's, by the host the ledger saw run it.
            rerun_host = [h for a, h in r["runs"] if a == 2]
            by_b = r["final_attempts"] == 2 and sorted(a for a, _ in r["runs"]) == [1, 2] and \
                rerun_host and r["final_worker"].startswith(rerun_host[0])
            if rerun_host == ["hostA"]:
                a_committed = a_committed[1:]  # one "completed" line is A's own, legitimate rerun
            if a_committed:
                stale_commits += 1
            if not by_b:
                wrong += 1
            self.check(f"c: {r['job']} recorded once, completed", ok_once and not r["processing_left"],
                       f"{r['files']}, processing/ {r['processing_left']}")
            self.check(f"c: {r['job']} the stale worker wrote nothing into the taken claim and moved nothing",
                       not a_committed and by_b and a_taken_back,
                       f"A's log {r['a_log']}; final worker {r['final_worker']} attempts {r['final_attempts']}")
        self.figures["c_rounds"] = len(results)
        self.figures["c_reaped_after_sec"] = [r.get("reaped_after_sec") for r in results]
        self.figures["c_stale_worker_committed"] = stale_commits
        self.figures["c_final_record_not_the_rerun"] = wrong
        if stale_commits or wrong:
            self.anomaly("stale-write", max(stale_commits, wrong),
                         f"{stale_commits}/{len(results)} rounds: the resumed worker recorded its result into a claim no longer "
                         f"its own; {wrong}/{len(results)}: the final record is not host B's rerun")

    # -- d: kill -9 of one host's workers ---------------------------------------------------------

    def scenario_d(self, total=200, lease=3):
        name = "s-kill"
        log(f"[d] kill -9 of every worker of host A mid-drain, lease_sec {lease}, {total} jobs")
        ledger = self.ledger_dir(name)
        self.configure(name, lease_sec=lease, poll_interval=0.2, backoff_base=1)
        hostA = Host(self, "hostA", self.spool("a", name), 2)
        hostB = Host(self, "hostB", self.spool("b", name), 2)
        self.wait_for(lambda: len(self.worker_pids(name, "hostA")) == 2 and len(self.worker_pids(name, "hostB")) == 2, 20)
        lines = "".join(json.dumps({"id": f"k-{i:03d}", "command": self.ledger_command(ledger, "sleep 0.3")}) + "\n" for i in range(total))
        rc, _, err = self.q(self.spool("a", name), "enqueue", "--file", "-", stdin=lines)
        self.check("d: enqueue", rc == 0, err.strip()[:200])
        self.wait_for(lambda: self.census(name)["completed"] >= total // 4, 120, 0.1)
        processing = os.path.join(self.truth(name), "processing")
        victims = self.worker_pids(name, "hostA")
        os.kill(hostA.process.pid, signal.SIGKILL)
        for _, pid in victims:
            os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        orphans = [n for n in os.listdir(processing) if "@hostA" in n and not n.startswith(".")]
        recovered = self.wait_for(lambda: not [n for n in os.listdir(processing) if "@hostA" in n and not n.startswith(".")], lease + 30, 0.1)
        recovery = time.monotonic() - killed
        done = self.wait_for(lambda: self.census(name)["completed"] >= total, 180, 0.5)
        finished = time.monotonic() - killed
        hostB.stop()
        hostA.stop()
        counts = self.census(name)
        runs = self.ledger_runs(ledger)
        never = sorted({f"k-{i:03d}" for i in range(total)} - set(runs))
        twice = sorted(j for j, r in runs.items() if len(r) > 1)
        orphan_ids = {n.split("@")[0] for n in orphans}
        self.figures.update({"d_lease_sec": lease, "d_orphaned_claims": len(orphans), "d_recovery_sec": round(recovery, 1),
                             "d_all_done_after_kill_sec": round(finished, 1), "d_ran_twice": len(twice),
                             "d_ran_twice_not_orphaned": len(set(twice) - orphan_ids)})
        log(f"  {len(orphans)} claims orphaned; all reaped {recovery:.1f} s after the kill; all done after {finished:.1f} s; "
            f"{len(twice)} jobs ran twice ({len(set(twice) - orphan_ids)} of them not orphaned)")
        self.check("d: orphaned claims recovered within lease_sec + 5 s", recovered and recovery <= lease + 5, f"{recovery:.1f} s")
        self.check("d: every job completed, none lost", done and counts["completed"] == total and not never,
                   f"{json.dumps(counts)}; never ran {never[:10]}")
        self.check("d: nothing left in processing/", counts["processing"] + counts[".processing"] == 0, json.dumps(counts))
        self.check("d: only the killed host's jobs ran twice", not set(twice) - orphan_ids, f"{sorted(set(twice) - orphan_ids)[:10]}")

    # -- e: control through one host, obeyed on the other --------------------------------------------

    def scenario_e(self):
        name = "s-ctl"
        log("[e] pause/resume, config set, cancel, dlq retry through host A; workers only on host B")
        ledger = self.ledger_dir(name)
        flag = os.path.join(self.local, "e-flag")
        spoolA = self.spool("a", name)
        self.configure(name, poll_interval=0.2, max_retries=0)
        hostB = Host(self, "hostB", self.spool("b", name), 2)
        self.wait_for(lambda: len(self.worker_pids(name, "hostB")) == 2, 20)
        ran = lambda job: job in self.ledger_runs(ledger)
        state = lambda job: [s for s, _, _ in self.records(name).get(job, [])]
        try:
            # pause
            rc, _, err = self.q(spoolA, "pause", host="hostA")
            self.check("e: pause through A", rc == 0, err.strip())
            time.sleep(0.5)
            self.q(spoolA, "enqueue", "--id", "p1", "--command", self.ledger_command(ledger), host="hostA")
            started_while_paused = self.wait_for(lambda: ran("p1"), 4)
            self.check("e: host B starts nothing while paused", not started_while_paused)
            t = time.monotonic()
            rc, _, err = self.q(spoolA, "resume", host="hostA")
            resumed = self.wait_for(lambda: ran("p1"), 15, 0.05)
            self.figures["e_resume_latency_sec"] = round(time.monotonic() - t, 2)
            self.check("e: host B runs it after resume", resumed, f"{time.monotonic() - t:.1f} s")
            # config set: a timeout set through A is enforced by B's running workers
            rc, _, err = self.q(spoolA, "config", "set", "timeout-sec", "1", host="hostA")
            self.check("e: config set timeout-sec 1 through A", rc == 0, err.strip())
            time.sleep(1.5)  # "running workers follow config set within about a second"
            self.q(spoolA, "enqueue", "--id", "t1", "--command", self.ledger_command(ledger, "sleep 8"), host="hostA")
            t = time.monotonic()
            self.wait_for(lambda: state("t1") in (["dead"], ["completed"]), 20)
            record = (self.records(name).get("t1") or [("", "", {})])[0][2]
            obeyed = state("t1") == ["dead"] and "timed out" in (record.get("last_error") or "")
            self.figures["e_timeout_job_finished_after_sec"] = round(time.monotonic() - t, 1)
            self.check("e: host B's running workers follow config set through A (timeout-sec 1 kills a sleep 8)", obeyed,
                       f"t1 {state('t1')}, last_error {record.get('last_error')!r}, after {time.monotonic() - t:.1f} s")
            if not obeyed:
                self.anomaly("config-not-followed", 1, "workers started before 'config set timeout-sec 1' ran a job for "
                             f"{time.monotonic() - t:.1f} s and recorded {state('t1')} / {record.get('last_error')!r}")
            self.q(spoolA, "config", "set", "timeout-sec", "null", host="hostA")
            # cancel of a job running on B
            self.q(spoolA, "enqueue", "--id", "c1", "--command", self.ledger_command(ledger, f"[ -e {flag} ] || sleep 30"), host="hostA")
            self.wait_for(lambda: ran("c1"), 15, 0.05)
            t = time.monotonic()
            rc, out, err = self.q(spoolA, "cancel", "c1", host="hostA")
            cancelled = self.wait_for(lambda: state("c1") == ["dead"], 20, 0.05)
            self.figures["e_cancel_latency_sec"] = round(time.monotonic() - t, 2)
            record = (self.records(name).get("c1") or [("", "", {})])[0][2]
            self.check("e: cancel through A stops the run on B", rc == 0 and cancelled and record.get("last_error") == "cancelled",
                       f"exit {rc} {out.strip()} {err.strip()}; {state('c1')} {record.get('last_error')!r} after {time.monotonic() - t:.1f} s")
            # dlq retry
            open(flag, "w").close()
            t = time.monotonic()
            rc, out, err = self.q(spoolA, "dlq", "retry", "c1", host="hostA")
            retried = self.wait_for(lambda: state("c1") == ["completed"], 20, 0.05)
            self.figures["e_dlq_retry_latency_sec"] = round(time.monotonic() - t, 2)
            self.check("e: dlq retry through A is run by B", rc == 0 and retried,
                       f"exit {rc} {err.strip()}; {state('c1')}; runs {self.ledger_runs(ledger).get('c1')}")
        finally:
            hostB.stop()

    # -- g: a group limit across the two hosts ------------------------------------------------

    def scenario_g(self, limited=12, other=40):
        name = "s-group"
        log(f"[g] group limit 1 across two hosts (2 workers each): {limited} jobs of 0.3 s in it, {other} of another group")
        times = os.path.join(self.local, "g-times")
        os.makedirs(times, exist_ok=True)
        self.configure(name, poll_interval=0.2)
        rc, _, err = self.q(self.spool("a", name), "group", "set", "serial", "--limit", "1")
        self.check("g: group set serial --limit 1", rc == 0, err.strip())
        # Each run records its own start and end (one clock: both "hosts" are this machine).
        run = lambda pause: (f's=$(date +%s.%N); sleep {pause}; '
                             f'echo "$s $(date +%s.%N) $(hostname)" > {times}/"$QUEUECTL_JOB_ID.$$"')
        jobs = []
        for i in range(max(limited, other)):
            if i < limited:
                jobs.append({"id": f"g-{i:02d}", "group": "serial", "command": run("0.3")})
            if i < other:
                jobs.append({"id": f"o-{i:02d}", "group": "other", "command": run("0.1")})
        rc, _, err = self.q(self.spool("a", name), "enqueue", "--file", "-", stdin="".join(json.dumps(j) + "\n" for j in jobs))
        self.check("g: enqueue", rc == 0, err.strip()[:200])
        hostA = Host(self, "hostA", self.spool("a", name), 2)
        hostB = Host(self, "hostB", self.spool("b", name), 2)
        try:
            done = self.wait_for(lambda: self.census(name)["completed"] >= len(jobs), 180, 0.2)
        finally:
            hostA.stop()
            hostB.stop()
        spans = {}
        for entry in os.listdir(times):
            with open(os.path.join(times, entry)) as f:
                start, end, host = f.read().split()
            spans.setdefault(entry.split(".")[0], []).append((float(start), float(end), host))
        def most_at_once(prefix):
            events = sorted([(s, 1) for j, r in spans.items() if j.startswith(prefix) for s, _, _ in r]
                            + [(e, -1) for j, r in spans.items() if j.startswith(prefix) for _, e, _ in r])
            now = peak = 0
            for _, step in events:
                now += step
                peak = max(peak, now)
            return peak
        serial = [r for j, runs in spans.items() if j.startswith("g-") for r in runs]
        others_beside = sum(1 for j, runs in spans.items() if j.startswith("o-") for s, e, _ in runs
                            if any(s < ge and gs < e for gs, ge, _ in serial))
        hosts = {}
        for _, _, host in serial:
            hosts[host] = hosts.get(host, 0) + 1
        peak = most_at_once("g-")
        self.figures.update({"g_limited_jobs": limited, "g_limited_most_at_once": peak, "g_limited_runs_per_host": hosts,
                             "g_other_most_at_once": most_at_once("o-"), "g_other_runs_beside_limited": others_beside})
        log(f"  limited group: {len(serial)} runs, at most {peak} at once, per host {hosts}; other group: at most "
            f"{most_at_once('o-')} at once, {others_beside} of its runs overlapped a limited one")
        self.check("g: every job completed", done, json.dumps(self.census(name)))
        self.check("g: never two jobs of the limited group at once", peak == 1 and len(serial) == limited, f"peak {peak}, runs {len(serial)}")
        self.check("g: the other group kept flowing beside it", others_beside > 0, f"{others_beside} overlapping runs")

    # -- rate: the drain rate beside local disk (for the README's Performance; not run by default) --

    def scenario_rate(self, total=900, rounds=3):
        """900 `true` jobs enqueued first, then 2 + 2 workers started: seconds until all completed.
        The same on a spool on local disk (/tmp), 4 workers on one host. Medians of `rounds`."""
        log(f"[rate] drain of {total} `true` jobs by 2 + 2 workers: GlusterFS, then local disk; {rounds} rounds")
        lines = "".join(json.dumps({"id": f"r-{i:04d}", "command": "true"}) + "\n" for i in range(total))
        results = {"gluster": [], "local": []}
        for where in ["gluster", "local"]:
            for r in range(rounds):
                name = f"s-rate-{r}"
                if where == "gluster":
                    spools, folder = [self.spool("a", name), self.spool("b", name)], os.path.join(self.truth(name), "completed")
                else:
                    spools = [os.path.join(self.local, name)] * 2
                    folder = os.path.join(spools[0], "completed")
                for key, value in [("poll-interval", "0.2")]:
                    self.q(spools[0], "config", "set", key, value)
                rc, _, err = self.q(spools[0], "enqueue", "--file", "-", stdin=lines)
                assert rc == 0, err
                if where == "gluster":
                    self.wait_for(lambda: os.path.isdir(os.path.join(spools[1], "pending")), 10)
                started = time.monotonic()
                hosts = [Host(self, "hostA", spools[0], 2), Host(self, "hostB", spools[1], 2)]
                done = self.wait_for(lambda: len(os.listdir(folder)) >= total, 300, 0.05)
                elapsed = time.monotonic() - started
                for host in hosts:
                    host.stop()
                if done:
                    results[where].append(elapsed)
                log(f"  {where} round {r}: {elapsed:.2f} s ({total / elapsed:.0f} jobs/s)")
        for where, times in results.items():
            if times:
                median = sorted(times)[len(times) // 2]
                self.figures[f"rate_{where}_sec"] = round(median, 2)
                self.figures[f"rate_{where}_jobs_per_sec"] = round(total / median, 1)
        self.check("rate: every drain finished", all(len(t) == rounds for t in results.values()), json.dumps(results))

    def run(self, only):
        scenarios = {"probe": self.probe, "a": self.scenario_a, "b": self.scenario_b, "c": self.scenario_c,
                     "d": self.scenario_d, "e": self.scenario_e, "g": self.scenario_g, "rate": self.scenario_rate}
        for key in ["probe", "a", "b", "c", "d", "e", "g", "rate"]:
            if key not in only:
                continue
            started = time.monotonic()
            try:
                scenarios[key]()
            except Exception as error:  # a scenario that breaks is a failed check, not a crashed suite
                self.check(f"{key}: ran to its end", False, f"{type(error).__name__}: {error}")
            self.figures[f"{key}_total_sec"] = round(time.monotonic() - started, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--options", default="both", choices=["default", "strict", "both"])
    parser.add_argument("--only", default="probe,a,b,c,d,e,g")
    arguments = parser.parse_args()
    binary = os.path.abspath(arguments.binary)
    only = set(arguments.only.split(","))
    current = []

    def on_signal(number, _frame):
        for suite in current:
            suite.teardown()
        sys.exit(128 + number)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    subprocess.run(["bash", VOLUME, "sweep"], timeout=300)
    failed = False
    for options in (["default", "strict"] if arguments.options == "both" else [arguments.options]):
        log(f"===== GlusterFS, {options} options =====")
        suite = Suite(binary, options)
        current[:] = [suite]
        try:
            suite.setup()
            suite.run(only)
        except SetupFailed as error:
            log(f"SKIPPED: GlusterFS cannot be set up here: {error}")
            sys.exit(77)
        finally:
            suite.teardown()
        failed = failed or not all(c["ok"] for c in suite.checks)
        print("GLUSTER-RESULT " + json.dumps({"options": options, "checks": suite.checks, "figures": suite.figures,
                                              "anomalies": suite.anomalies}), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
