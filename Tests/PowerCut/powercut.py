#!/usr/bin/python3
"""Power-cut campaign for queuectl on powercutfs (see powercutfs.py for the persistence model).

    powercut.py selftest                   the file system catches a producer that skips fsync
    powercut.py campaign [--cuts 30]       producers + 2 workers + dlq retry/cancel/config set,
                                           power cut at a random moment, reboot, recover, check
    powercut.py eio                        fsync/syncfs failures (EIO) during enqueue and commits
Common options: --queuectl BIN (default: build it with swift build), --no-shim (syncfs stays
invisible to the file system, as on every real FUSE mount), --no-rename-flags (renameat2 flags
fail with EINVAL: queuectl's link/rename fallbacks run), --seed N, --keep DIR (a copy of the
disk and logs of every cut that fails a check).
Exit status 0 when every check holds; the last line is a JSON summary.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FS = os.path.join(HERE, "powercutfs.py")
PY = "/usr/bin/python3"
STATES = ["pending", "processing", "failed", "completed", "dead"]
FS_OPTIONS = []   # extra powercutfs options (--no-rename-flags)


def log(*a):
    print(*a, flush=True)


# ----- the file system ------------------------------------------------------------------
class Mount:
    def __init__(self, base, seed=0):
        self.base = base
        self.disk = os.path.join(base, "disk")
        self.mnt = os.path.join(base, "mnt")
        self.ctl_path = os.path.join(base, "ctl.sock")
        self.seed = seed
        self.proc = None
        os.makedirs(self.disk, exist_ok=True)
        os.makedirs(self.mnt, exist_ok=True)

    def start(self):
        if os.path.exists(self.ctl_path):
            os.unlink(self.ctl_path)
        self.proc = subprocess.Popen([PY, FS, self.disk, self.mnt, "--ctl", self.ctl_path,
                                      "--seed", str(self.seed)] + FS_OPTIONS,
                                     stdout=open(os.path.join(self.base, "fs.log"), "a"),
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if os.path.ismount(self.mnt) and os.path.exists(self.ctl_path):
                return
            if self.proc.poll() is not None:
                raise RuntimeError("powercutfs exited: see " + os.path.join(self.base, "fs.log"))
            time.sleep(0.05)
        raise RuntimeError("powercutfs did not mount")

    def ctl(self, *words):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(60)
        s.connect(self.ctl_path)
        s.sendall((" ".join(str(w) for w in words) + "\n").encode())
        reply = s.makefile().readline()
        s.close()
        return json.loads(reply)

    def stop(self):
        for args in (["fusermount3", "-u", self.mnt], ["fusermount3", "-uz", self.mnt]):
            if subprocess.run(args, stderr=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.2)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def cut(self, mode="drop", tear=False, seed=None):
        words = ["cut", mode] + (["tear"] if tear else []) + ([seed] if seed is not None else [])
        result = self.ctl(*words)
        self.stop()
        return result


def processes_using(path):
    """Pids of processes with their cwd, executable, or an open file under `path`, or with it in
    their command line (all of them started by this campaign: the path is ours)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
            hit = path in cmd
            if not hit:
                cwd = os.readlink(f"/proc/{pid}/cwd")
                hit = cwd.startswith(path)
            if not hit:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    try:
                        if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(path):
                            hit = True
                            break
                    except OSError:
                        pass
        except OSError:
            continue
        if hit:
            found.append(int(pid))
    return found


def kill_all(path):
    for _ in range(50):
        pids = [p for p in processes_using(path) if not is_fs_process(p)]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)


def is_fs_process(pid):
    try:
        return FS in open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
    except OSError:
        return False


# ----- queuectl -------------------------------------------------------------------------
def build_queuectl():
    scratch = os.path.join(ROOT, ".build-powercut")
    subprocess.run(["swift", "build", "--scratch-path", scratch, "--product", "queuectl"], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    return os.path.join(scratch, "debug", "queuectl")


def is_dynamic(binary):
    """True when the ELF file has a PT_INTERP program header (a dynamic loader to preload into)."""
    import struct
    with open(binary, "rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:  # 64-bit ELF only (what we build)
            return False
        phoff, = struct.unpack_from("<Q", header, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            if struct.unpack("<I", f.read(4))[0] == 3:  # PT_INTERP
                return True
    return False


def build_shim(out_dir):
    out = os.path.join(out_dir, "syncfs_shim.so")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", out, os.path.join(HERE, "syncfs_shim.c"), "-ldl"],
                   check=True)
    return out


class Q:
    def __init__(self, binary, spool, env, cwd):
        env = dict(env)
        if "LD_PRELOAD" in env:  # the shim sends syncfs to this mount's control socket
            env["POWERCUT_CTL"] = os.path.join(os.path.dirname(os.path.dirname(spool)), "ctl.sock")
        self.binary, self.spool, self.env, self.cwd = binary, spool, env, cwd

    def run(self, *args, input=None, timeout=60):
        p = subprocess.run([self.binary, "--spool", self.spool] + list(args), input=input, env=self.env,
                           cwd=self.cwd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr

    def popen(self, *args, out=None):
        return subprocess.Popen([self.binary, "--spool", self.spool] + list(args), env=self.env, cwd=self.cwd,
                                stdout=out or subprocess.DEVNULL, stderr=subprocess.STDOUT)


def maildir_drop(spool, job, name, sync=True):
    """The maildir protocol: whole file in tmp/, fsync, rename into pending/, fsync the folder."""
    tmp = os.path.join(spool, "tmp", f".drop-{name}-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, json.dumps(job).encode())
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, os.path.join(spool, "pending", name + ".json"))
    d = os.open(os.path.join(spool, "pending"), os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(d)
    finally:
        os.close(d)


# ----- reading the spool after a reboot ---------------------------------------------------
def id_from_name(state, name):
    base = name[:-5] if name.endswith(".json") else name
    if state == "processing":
        return base.lstrip(".").split("@")[0]
    return base.split("-")[-1]


def survey(spool):
    """{id: [(state, path, readable)]}, unreadable files, quarantined names, stray tmp files."""
    where, unreadable = {}, []
    for state in STATES:
        folder = os.path.join(spool, state)
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            try:
                record = json.loads(open(path, "rb").read())
                jid = record["id"]
                ok = True
            except (ValueError, KeyError, TypeError, OSError):
                jid, ok = id_from_name(state, name), False
                unreadable.append(f"{state}/{name}")
            where.setdefault(jid, []).append((state, path, ok))
    quarantined = []
    qdir = os.path.join(spool, "quarantine")
    if os.path.isdir(qdir):
        quarantined = [n for n in os.listdir(qdir) if not n.endswith(".reason")]
    return where, unreadable, quarantined


# ----- self-test ------------------------------------------------------------------------
def selftest(args):
    """A producer that renames without fsync must lose jobs on this file system; one that
    follows the protocol must not. A folder fsync after each rename (as a concurrent enqueue
    would do) makes the renames durable without the data."""
    results = {}
    for sync in (False, True):
        lost = total = 0
        for trial in range(3):
            base = tempfile.mkdtemp(prefix="pc-self-", dir=args.work)
            m = Mount(base, seed=args.seed + trial)
            m.start()
            spool = os.path.join(m.mnt, "spool")
            for d in ("tmp", "pending"):
                os.makedirs(os.path.join(spool, d))
            dfd = os.open(m.mnt, os.O_RDONLY)
            os.fsync(dfd)
            os.close(dfd)
            accepted = []
            for i in range(40):
                jid = f"s{trial}x{i}"
                maildir_drop(spool, {"id": jid, "command": "true"}, jid, sync=sync)
                accepted.append(jid)
            m.cut("random" if trial else "drop", tear=trial == 2, seed=args.seed + trial)
            m.start()
            where, unreadable, _ = survey(spool)
            for jid in accepted:
                total += 1
                if not any(ok for _, _, ok in where.get(jid, [])):
                    lost += 1
            m.stop()
            shutil.rmtree(base, ignore_errors=True)
        results["no_fsync" if not sync else "protocol"] = {"accepted": total, "lost": lost}
        log(f"self-test: producer {'following the protocol' if sync else 'skipping fsync'}: "
            f"{total} accepted, {lost} lost")
    ok = results["no_fsync"]["lost"] > 0 and results["protocol"]["lost"] == 0
    log("self-test " + ("PASSED: the file system catches a producer that skips fsync" if ok else "FAILED"))
    return ok, results


# ----- the campaign ---------------------------------------------------------------------
class Cut:
    def __init__(self, index, args, binary, env, rng):
        self.i, self.args, self.binary, self.rng = index, args, binary, rng
        self.base = tempfile.mkdtemp(prefix=f"pc-cut{index}-", dir=args.work)
        self.m = Mount(self.base, seed=rng.randrange(1 << 30))
        self.spool = os.path.join(self.m.mnt, "spool")
        self.runs_log = os.path.join(self.base, "runs.log")
        self.q = Q(binary, self.spool, env, self.base)
        self.lock = threading.Lock()
        self.accepted = {}          # id -> how
        self.config_ok = None       # last max_retries set with exit 0
        self.config_tried = set()   # values whose `config set` did not return (cut) or failed
        self.retried = {}           # id -> dlq retries that returned 0
        self.stop = threading.Event()
        self.counter = 0

    def new_id(self, prefix):
        with self.lock:
            self.counter += 1
            return f"{prefix}{self.i}n{self.counter}"

    def command(self, jid, fail):
        return f"echo {jid} >> {self.runs_log}" + ("; exit 3" if fail else "")

    def accept(self, jid, how):
        with self.lock:
            self.accepted[jid] = how

    # producers ----------------------------------------------------------------------
    def single(self):
        while not self.stop.is_set():
            jid = self.new_id("a")
            fail = self.rng.random() < 0.2
            rc, out, _ = self.q.run("enqueue", "--id", jid, "--command", self.command(jid, fail),
                                    "--max-retries", "0" if fail else "2")
            if rc == 0:
                self.accept(jid, "single")

    def batch(self):
        while not self.stop.is_set():
            ids = [self.new_id("b") for _ in range(self.rng.randint(2, 12))]
            lines = "".join(json.dumps({"id": j, "command": self.command(j, False), "max_retries": 2}) + "\n"
                            for j in ids)
            rc, out, _ = self.q.run("enqueue", "--file", "-", input=lines)
            if rc == 0:
                for j in ids:
                    self.accept(j, "batch")

    def unique(self):
        while not self.stop.is_set():
            with self.lock:
                known = [j for j, how in self.accepted.items() if how == "unique"]
            jid = self.rng.choice(known) if known and self.rng.random() < 0.4 else self.new_id("u")
            rc, out, _ = self.q.run("enqueue", "--unique", "--id", jid, "--command", self.command(jid, False),
                                    "--max-retries", "2")
            if rc == 0:
                self.accept(jid, "unique")

    def maildir(self):
        while not self.stop.is_set():
            jid = self.new_id("m")
            try:
                maildir_drop(self.spool, {"id": jid, "command": self.command(jid, False), "max_retries": 2},
                             jid)
            except OSError:
                return
            self.accept(jid, "maildir")
            time.sleep(0.02)

    def operator(self):
        value = 3
        while not self.stop.is_set():
            what = self.rng.random()
            if what < 0.3:
                value += 1
                self.config_tried.add(value)
                rc, _, _ = self.q.run("config", "set", "max_retries", str(value))
                if rc == 0:
                    self.config_ok = value
                    self.config_tried = {v for v in self.config_tried if v > value}
            elif what < 0.65:
                rc, out, _ = self.q.run("dlq", "list")
                dead = re.findall(r"\b(a\d+n\d+)\b", out)
                if dead:
                    jid = self.rng.choice(dead)
                    rc, _, _ = self.q.run("dlq", "retry", jid)
                    if rc == 0:
                        with self.lock:
                            self.retried[jid] = self.retried.get(jid, 0) + 1
            else:
                with self.lock:
                    ids = list(self.accepted)
                if ids:
                    self.q.run("cancel", self.rng.choice(ids[-30:]))
            time.sleep(0.05)

    # one cut --------------------------------------------------------------------------
    def run(self):
        t0 = time.time()
        self.m.start()
        rc, _, err = self.q.run("config", "set", "max_retries", "3")
        assert rc == 0, err
        self.config_ok = 3
        workers = self.q.popen("worker", "start", "--count", "2",
                               out=open(os.path.join(self.base, "workers.log"), "w"))
        threads = [threading.Thread(target=f, daemon=True)
                   for f in (self.single, self.batch, self.unique, self.maildir, self.operator)]
        for t in threads:
            t.start()
        time.sleep(self.rng.uniform(0.8, self.args.max_load))
        # The power cut: every process dies at once, then what was not durable is gone.
        self.stop.set()
        kill_all(self.m.mnt)
        kill_all(self.spool)
        for t in threads:
            t.join(timeout=10)
        kill_all(self.m.mnt)
        workers.wait()
        mode = self.rng.choice(["drop", "random", "random"])
        tear = mode == "random" and self.rng.random() < 0.5
        cut = self.m.cut(mode, tear)
        # Reboot: mount what reached the disk, start workers for a moment, doctor --fix.
        self.m.start()
        recovery = self.q.popen("worker", "start", "--count", "2",
                                out=open(os.path.join(self.base, "recovery.log"), "w"))
        time.sleep(self.args.recover)
        recovery.send_signal(signal.SIGTERM)
        try:
            recovery.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_all(self.m.mnt)
            recovery.wait()
        rc, doctor_out, doctor_err = self.q.run("doctor", "--fix")
        with open(os.path.join(self.base, "doctor.log"), "w") as f:
            f.write(doctor_out + doctor_err)
        repaired = 0 if "No problems found" in doctor_out else len(
            [l for l in doctor_out.splitlines() if l.strip()])
        rc, value, _ = self.q.run("config", "get", "max_retries")
        value = value.strip()
        return self.check(cut, repaired, value, time.time() - t0)

    def check(self, cut, repaired, config_value, seconds):
        where, unreadable, quarantined = survey(self.spool)
        lost, torn, twice, stuck = [], [], [], []
        quarantined_ids = {q[:-5].split("-")[-1].split("@")[0] for q in quarantined if q.endswith(".json")}
        for jid in self.accepted:
            places = where.get(jid, [])
            readable = [p for p in places if p[2]]
            if any(not p[2] for p in places) or jid in quarantined_ids:
                torn.append(jid)
            if not readable:
                lost.append(jid)
            elif len(places) > 1:
                twice.append((jid, [p[0] for p in places]))
            elif readable[0][0] == "processing":
                stuck.append(jid)
        runs = {}
        if os.path.exists(self.runs_log):
            for line in open(self.runs_log):
                runs[line.strip()] = runs.get(line.strip(), 0) + 1
        repeated = sum(max(0, n - 1 - self.retried.get(j, 0)) for j, n in runs.items() if j.startswith(("b", "u", "m")) or
                       (j.startswith("a") and n > 1 + self.retried.get(j, 0)))
        allowed = {str(self.config_ok)} | {str(v) for v in self.config_tried}
        config_bad = config_value not in allowed
        result = {"cut": self.i, "accepted": len(self.accepted), "lost": len(lost), "torn": len(torn),
                  "twice": len(twice), "stuck_in_processing": len(stuck), "repeated_runs": repeated,
                  "doctor_repairs": repaired, "config_ok": not config_bad, "seconds": round(seconds, 1),
                  "cut_model": cut}
        details = {"lost": lost[:10], "torn": torn[:10], "twice": twice[:10], "stuck": stuck[:10],
                   "unreadable": unreadable[:10], "quarantined": quarantined[:10],
                   "config": [config_value, sorted(allowed)], "spool_copy": None}
        bad = lost or torn or twice or config_bad
        if bad and self.args.keep:
            dest = os.path.join(self.args.keep, f"cut{self.i}")
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(self.base, dest, symlinks=True, ignore=shutil.ignore_patterns("mnt", "ctl.sock"))
            details["spool_copy"] = dest
        return result, details

    def cleanup(self):
        kill_all(self.m.mnt)
        if self.m.proc and self.m.proc.poll() is None:
            self.m.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def campaign(args, binary, env):
    rng = random.Random(args.seed)
    totals = {"cuts": 0, "accepted": 0, "lost": 0, "torn": 0, "twice": 0, "stuck_in_processing": 0,
              "repeated_runs": 0, "doctor_repairs": 0, "config_lost": 0}
    t0 = time.time()
    for i in range(args.cuts):
        c = Cut(i, args, binary, env, rng)
        try:
            result, details = c.run()
        finally:
            c.cleanup()
        totals["cuts"] += 1
        for k in ("accepted", "lost", "torn", "twice", "stuck_in_processing", "repeated_runs", "doctor_repairs"):
            totals[k] += result[k]
        totals["config_lost"] += 0 if result["config_ok"] else 1
        line = (f"cut {i:3d}: {result['accepted']:4d} accepted, lost {result['lost']}, torn {result['torn']}, "
                f"twice {result['twice']}, stuck {result['stuck_in_processing']}, repeated "
                f"{result['repeated_runs']}, doctor {result['doctor_repairs']}, "
                f"model {result['cut_model']}, {result['seconds']}s")
        log(line)
        if result["lost"] or result["torn"] or result["twice"] or not result["config_ok"]:
            log("    " + json.dumps(details))
    totals["seconds"] = round(time.time() - t0, 1)
    totals["seconds_per_cut"] = round(totals["seconds"] / max(1, totals["cuts"]), 2)
    log(f"campaign: {totals['cuts']} cuts, {totals['accepted']} accepted, {totals['lost']} lost, "
        f"{totals['torn']} torn, {totals['twice']} in two folders, {totals['stuck_in_processing']} stuck in "
        f"processing/, {totals['repeated_runs']} runs repeated, {totals['doctor_repairs']} states repaired by "
        f"doctor, {totals['config_lost']} config settings lost, {totals['seconds_per_cut']} s per cut")
    ok = totals["lost"] == 0 and totals["torn"] == 0 and totals["twice"] == 0 and totals["config_lost"] == 0
    return ok, totals


# ----- fsync failures -------------------------------------------------------------------
def eio(args, binary, env):
    """EIO from a chosen fsync/syncfs. Each case: fresh mount, arm the failure, act, check the
    exit status and what is there now and after a power cut."""
    results = {}
    ok_all = True

    def fresh(name):
        base = tempfile.mkdtemp(prefix=f"pc-eio-{name}-", dir=args.work)
        m = Mount(base, seed=args.seed)
        m.start()
        q = Q(binary, os.path.join(m.mnt, "spool"), env, base)
        rc, _, err = q.run("config", "set", "max_retries", "3")
        assert rc == 0, err
        return base, m, q

    def after_cut(m, q, ids):
        m.cut("drop")
        m.start()
        where, unreadable, quarantined = survey(q.spool)
        state = {j: [(s, ok) for s, _, ok in where.get(j, [])] for j in ids}
        m.stop()
        return state, unreadable

    # 1. enqueue of one job: the fsync of its file in tmp/ fails.
    base, m, q = fresh("single")
    m.ctl("failfsync", "/spool/tmp/*", 1)
    rc, out, err = q.run("enqueue", "--id", "e1", "--command", "true")
    now, _, _ = survey(q.spool)
    reserved = os.path.lexists(os.path.join(q.spool, "ids", "e1"))
    state, unreadable = after_cut(m, q, ["e1"])
    case = {"exit": rc, "stderr": err.strip()[:200], "present_before_cut": "e1" in now,
            "id_reserved": reserved, "after_cut": state["e1"]}
    case["ok"] = rc == 1 and "e1" not in now and not reserved and not state["e1"]
    results["enqueue_fsync_file"] = case

    # 2. enqueue of a batch: its syncfs fails (needs the shim to reach the file system).
    base, m, q = fresh("batch")
    if env.get("LD_PRELOAD"):
        m.ctl("failfsync", "syncfs", 1)
        lines = "".join(json.dumps({"id": f"f{i}", "command": "true"}) + "\n" for i in range(5))
        rc, out, err = q.run("enqueue", "--file", "-", input=lines)
        now, _, _ = survey(q.spool)
        present = [f"f{i}" for i in range(5) if f"f{i}" in now]
        state, unreadable = after_cut(m, q, [f"f{i}" for i in range(5)])
        case = {"exit": rc, "stderr": err.strip()[:200], "present_before_cut": present,
                "after_cut": {k: v for k, v in state.items() if v}, "printed": out.split()}
        case["ok"] = rc == 1 and not present and not any(state.values())
    else:
        case = {"skipped": "syncfs does not reach a FUSE file system without the shim"}
        m.stop()
    results["enqueue_syncfs_batch"] = case

    # 3. enqueue: the fsync of pending/ after the rename fails.
    base, m, q = fresh("folder")
    m.ctl("failfsync", "/spool/pending", 1)
    rc, out, err = q.run("enqueue", "--id", "g1", "--command", "true")
    now, _, _ = survey(q.spool)
    state, unreadable = after_cut(m, q, ["g1"])
    whole = all(ok for _, ok in state["g1"])
    case = {"exit": rc, "stderr": err.strip()[:200], "printed": out.split(),
            "present_before_cut": [s for s, _, _ in now.get("g1", [])], "after_cut": state["g1"]}
    case["ok"] = rc == 1 and whole and "g1" not in out.split()
    results["enqueue_fsync_folder"] = case

    # 4. a worker's group commit fails (syncfs for several results, or fsync for one): the job
    # must not be counted done on the strength of it; after a cut every job is whole, once.
    # (A result is staged as tmp/ + its claim's name, ID@WORKER~A.json, and synced there.)
    for label, pattern in (("worker_commit_syncfs", "syncfs"), ("worker_commit_fsync", "/spool/tmp/w0@*")):
        if pattern == "syncfs" and not env.get("LD_PRELOAD"):
            results[label] = {"skipped": "syncfs does not reach a FUSE file system without the shim"}
            continue
        base, m, q = fresh(label)
        ids = [f"w{i}" for i in range(12 if pattern == "syncfs" else 1)]  # one result: fsync, not syncfs
        lines = "".join(json.dumps({"id": j, "command": "true"}) + "\n" for j in ids)
        rc, _, err = q.run("enqueue", "--file", "-", input=lines)
        assert rc == 0, err
        m.ctl("failfsync", pattern, 1)
        logf = os.path.join(base, "worker.log")
        w = q.popen("worker", "start", "--count", "1", out=open(logf, "w"))
        time.sleep(4)
        w.send_signal(signal.SIGTERM)
        w.wait(timeout=20)
        text = open(logf).read()
        stats = m.ctl("stats")
        state, unreadable = after_cut(m, q, ids)
        bad = {j: v for j, v in state.items() if len(v) != 1 or not v[0][1]}
        not_completed = {j: v for j, v in state.items() if v != [("completed", True)]}
        case = {"eio_injected": stats["eio"], "worker_log": [l.split("] ", 1)[-1] for l in text.splitlines()
                                                              if "sync" in l or "could not" in l][:6],
                "after_cut_bad": bad, "after_cut_not_completed": not_completed, "unreadable": unreadable}
        case["ok"] = stats["eio"] >= 1 and not bad
        results[label] = case
    for name, case in results.items():
        status = "SKIPPED" if "skipped" in case else ("ok" if case.get("ok") else "FAILED")
        log(f"eio {name}: {status}: " + json.dumps({k: v for k, v in case.items() if k != "ok"}))
        if status == "FAILED":
            ok_all = False
    return ok_all, results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["selftest", "campaign", "eio", "all"])
    parser.add_argument("--cuts", type=int, default=30)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    parser.add_argument("--queuectl")
    parser.add_argument("--no-shim", action="store_true")
    parser.add_argument("--no-rename-flags", action="store_true",
                        help="the file system refuses renameat2 flags: queuectl's fallbacks run")
    parser.add_argument("--max-load", type=float, default=3.0, help="longest run before a cut (s)")
    parser.add_argument("--recover", type=float, default=2.5, help="how long the recovery workers run (s)")
    parser.add_argument("--work", default=None)
    parser.add_argument("--keep", default=None, help="copy the disk of each failing cut here")
    args = parser.parse_args()
    args.work = args.work or tempfile.mkdtemp(prefix="powercut-")
    if args.queuectl:
        args.queuectl = os.path.abspath(args.queuectl)
    os.makedirs(args.work, exist_ok=True)
    if args.no_rename_flags:
        FS_OPTIONS.append("--no-rename-flags")
    log(f"powercut: seed {args.seed}, work {args.work}, syncfs shim {'off' if args.no_shim else 'on'}, "
        f"rename flags {'refused' if args.no_rename_flags else 'supported'}")
    summary = {"seed": args.seed}
    ok = True
    if args.what in ("selftest", "all"):
        passed, summary["selftest"] = selftest(args)
        ok &= passed
    if args.what in ("campaign", "eio", "all"):
        binary = args.queuectl or build_queuectl()
        env = dict(os.environ)
        env.pop("QUEUECTL_SPOOL", None)
        if not args.no_shim and not is_dynamic(binary):
            log(f"powercut: {binary} is linked statically: the syncfs shim cannot be preloaded into it "
                "(it fsyncs file by file on this FUSE mount, and syncfs is not exercised)")
        elif not args.no_shim:
            env["LD_PRELOAD"] = build_shim(args.work)
            # queuectl fsyncs file by file on FUSE (the kernel drops syncfs there); with the shim
            # passing syncfs on, it is told to use syncfs as on ext4, so its group commits and
            # their failures are what this file system sees.
            env["QUEUECTL_TEST_SYNCFS"] = "1"
        if args.what in ("eio", "all"):
            passed, summary["eio"] = eio(args, binary, env)
            ok &= passed
        if args.what in ("campaign", "all"):
            passed, summary["campaign"] = campaign(args, binary, env)
            ok &= passed
    summary["ok"] = bool(ok)
    print(json.dumps(summary, default=str), flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
