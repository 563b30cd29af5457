#!/usr/bin/python3
"""powercutfs: a FUSE file system that forgets what was not made durable, on command.

    powercutfs.py DISK MOUNTPOINT --ctl SOCKET [--seed N]

DISK is a folder that plays the disk: at mount, its tree is loaded and is all durable. The live
tree (what processes see through MOUNTPOINT) is kept in memory, with, beside it, the durable
namespace and each file's durable bytes. A "cut" on the control socket simulates a power cut:
the durable state (as the model below allows, optionally with a random part of what was not yet
durable) is written back to DISK, and every later operation fails with EIO. "Rebooting" is
unmounting and mounting DISK again.

PERSISTENCE MODEL (weak ext4 data=ordered with delayed allocation; never stronger than Linux)
  * File DATA (bytes and size) reaches the disk only through a successful fsync/fdatasync of
    that file (any descriptor of its inode), or a syncfs. close(2), flush, rename over an old
    file, or an fsync of its folder or of another file do not make it durable (ext4's
    auto_da_alloc heuristics are not modelled: they are not a guarantee).
  * NAMESPACE operations (create, mknod, mkdir, symlink, link, unlink, rmdir, rename with any
    flags) are entries of one ordered journal. At any moment a prefix of the journal may have
    been committed by the kernel on its own; a successful fsync of ANY file or folder, or a
    syncfs, commits everything up to that call. At a cut, everything up to the last such
    commit survives, plus (mode random) a random further prefix; never a later operation
    without all earlier ones, and each operation is atomic (a rename is never half done).
  * A file whose name is durable but whose data is not comes back with its last durable
    contents: empty if it was never synced. In mode random, a file with unsynced writes may
    instead come back partly written back: each dirty 4 KiB page independently new or old, the
    size old or new, and (--tear) one page torn at a 512-byte sector boundary.
  * Attributes (mode, owner, times) are kept as they are live: the model does not test them.
  * syncfs(2) does NOT reach a FUSE file system (the kernel sends FUSE_SYNCFS to virtiofs only),
    so this file system cannot see it. A process preloaded with syncfs_shim.so (see there) sends
    its syncfs calls over the control socket instead, and they act as above: all dirty data of
    every file durable, journal committed. Without the shim a syncfs makes nothing durable here,
    which is what a real FUSE file system (sshfs, ...) gives an application.
  * fsync failures (failfsync): the chosen fsync returns EIO, commits nothing, and, as Linux
    does after a failed writeback, marks the file's dirty pages clean without writing them: a
    later fsync of the same file succeeds without making them durable unless they were written
    again. Reads keep returning the unwritten data (it is still in the page cache). A failed
    syncfs fails the writeback of every dirty file; each such file's next fsync reports EIO
    once (Linux's errseq), later ones succeed.
  * rename flags: RENAME_NOREPLACE and RENAME_EXCHANGE are implemented (pyfuse3 passes them);
    RENAME_WHITEOUT fails with EINVAL. With --no-rename-flags every flagged rename fails with
    EINVAL, as on file systems without them, so that applications take their fallback path
    (the kernel itself answers EEXIST for RENAME_NOREPLACE onto an existing name).

CONTROL (one line per connection to the unix socket, one JSON line back):
  cut drop|random [tear] [SEED]   power cut; writes the durable state to DISK
  syncfs PATH                     a syncfs(2) of the mount (from the shim)
  failfsync PATTERN N             the Nth later fsync whose path (relative to the mount, "/" for
                                  the root, "syncfs" for a syncfs) matches the fnmatch PATTERN fails
  stats                           counters
"""
import argparse
import errno
import fnmatch
import json
import os
import random
import shutil
import stat
import sys
import time

import pyfuse3
import trio

PAGE = 4096
SECTOR = 512
ROOT = pyfuse3.ROOT_INODE


class Node:
    __slots__ = ("ino", "mode", "uid", "gid", "data", "durable", "dirty", "size_dirty",
                 "entries", "target", "nlink", "atime", "mtime", "ctime", "rdev", "where", "err_pending")

    def __init__(self, ino, mode, uid=0, gid=0):
        now = time.time_ns()
        self.ino, self.mode, self.uid, self.gid = ino, mode, uid, gid
        self.data = bytearray()      # live contents
        self.durable = b""          # contents on the disk
        self.dirty = set()           # pages written since the last writeback
        self.size_dirty = False
        self.entries = {} if stat.S_ISDIR(mode) else None
        self.target = b""
        self.nlink = 2 if stat.S_ISDIR(mode) else 1
        self.atime = self.mtime = self.ctime = now
        self.rdev = 0
        self.where = None            # (parent ino, name) of one of its names, for paths
        self.err_pending = False     # a failed writeback not yet reported by an fsync of it


class PowerCutFS(pyfuse3.Operations):
    enable_writeback_cache = False

    def __init__(self, disk, seed, rename_flags=True):
        super().__init__()
        self.rename_flags = rename_flags
        self.disk = disk
        self.rng = random.Random(seed)
        self.nodes = {}
        self.next_ino = ROOT + 1
        self.journal = []            # namespace operations not yet committed
        self.durable_tree = {}       # dir ino -> {name: ino}, as on the disk
        self.durable_targets = {}    # symlink ino -> target, as created
        self.handles = {}
        self.next_fh = 1
        self.dead = False
        self.fail_rules = []         # [pattern, countdown]
        self.stats = {k: 0 for k in ("fsync", "fsyncdir", "flush", "syncfs", "eio", "rename",
                                     "rename_noreplace", "rename_exchange", "link", "journal_commits")}
        self._load()

    # ----- loading the disk -------------------------------------------------------------
    def _load(self):
        st = os.lstat(self.disk)
        root = Node(ROOT, st.st_mode, st.st_uid, st.st_gid)
        self.nodes[ROOT] = root
        by_disk_ino = {}

        def walk(path, node):
            for name in sorted(os.listdir(path)):
                p = os.path.join(path, name)
                s = os.lstat(p)
                bname = os.fsencode(name)
                if not stat.S_ISDIR(s.st_mode) and s.st_ino in by_disk_ino:
                    child = by_disk_ino[s.st_ino]
                    child.nlink += 1
                else:
                    child = self._new(s.st_mode, s.st_uid, s.st_gid)
                    child.mtime = child.ctime = child.atime = s.st_mtime_ns
                    if stat.S_ISREG(s.st_mode):
                        with open(p, "rb") as f:
                            child.data = bytearray(f.read())
                        child.durable = bytes(child.data)
                        by_disk_ino[s.st_ino] = child
                    elif stat.S_ISLNK(s.st_mode):
                        child.target = os.fsencode(os.readlink(p))
                        self.durable_targets[child.ino] = child.target
                    elif stat.S_ISDIR(s.st_mode):
                        node.nlink += 1
                        walk(p, child)
                node.entries[bname] = child.ino
                child.where = (node.ino, bname)
        walk(self.disk, root)
        self.durable_tree = {n.ino: dict(n.entries) for n in self.nodes.values() if n.entries is not None}

    def _new(self, mode, uid=0, gid=0):
        node = Node(self.next_ino, mode, uid, gid)
        self.next_ino += 1
        self.nodes[node.ino] = node
        return node

    # ----- helpers ----------------------------------------------------------------------
    def _alive(self):
        if self.dead:
            raise pyfuse3.FUSEError(errno.EIO)

    def _attr(self, node):
        a = pyfuse3.EntryAttributes()
        a.st_ino = node.ino
        a.generation = 0
        a.entry_timeout = 5
        a.attr_timeout = 5
        a.st_mode = node.mode
        a.st_nlink = node.nlink
        a.st_uid, a.st_gid = node.uid, node.gid
        a.st_rdev = node.rdev
        if stat.S_ISREG(node.mode):
            a.st_size = len(node.data)
        elif stat.S_ISLNK(node.mode):
            a.st_size = len(node.target)
        else:
            a.st_size = 4096
        a.st_blksize = 4096
        a.st_blocks = (a.st_size + 511) // 512
        a.st_atime_ns, a.st_mtime_ns, a.st_ctime_ns = node.atime, node.mtime, node.ctime
        return a

    def _dir(self, ino):
        node = self.nodes.get(ino)
        if node is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        if node.entries is None:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        return node

    def _child(self, parent, name):
        ino = self._dir(parent).entries.get(name)
        if ino is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return self.nodes[ino]

    def _touch(self, *nodes):
        now = time.time_ns()
        for n in nodes:
            n.mtime = n.ctime = now

    def path_of(self, ino):
        parts = []
        seen = 0
        while ino != ROOT and seen < 64:
            node = self.nodes.get(ino)
            if node is None or node.where is None:
                return "?"
            parent, name = node.where
            parts.append(os.fsdecode(name))
            ino = parent
            seen += 1
        return "/" + "/".join(reversed(parts))

    def _log(self, *op):
        self.journal.append(op)

    # ----- durability -------------------------------------------------------------------
    def _apply(self, tree, targets, op):
        kind = op[0]
        if kind in ("create", "mkdir"):
            _, parent, name, ino = op[:4]
            tree[parent][name] = ino
            if kind == "mkdir":
                tree[ino] = {}
            if len(op) > 4:
                targets[ino] = op[4]
        elif kind == "unlink":
            tree[op[1]].pop(op[2], None)
        elif kind == "rmdir":
            tree[op[1]].pop(op[2], None)
            tree.pop(op[3], None)
        elif kind == "rename":
            _, sp, sn, dp, dn, flags = op
            if flags & 2:  # exchange
                a, b = tree[sp].get(sn), tree[dp].get(dn)
                tree[sp][sn], tree[dp][dn] = b, a
            else:
                ino = tree[sp].pop(sn)
                tree[dp][dn] = ino

    def _commit_journal(self, upto=None):
        upto = len(self.journal) if upto is None else upto
        for op in self.journal[:upto]:
            self._apply(self.durable_tree, self.durable_targets, op)
        del self.journal[:upto]
        self.stats["journal_commits"] += 1

    def _writeback(self, node):
        """The dirty pages of `node` reach the disk."""
        if not node.dirty and not node.size_dirty:
            return
        old = bytearray(node.durable)
        new = node.data
        if len(old) < len(new):
            old.extend(b"\0" * (len(new) - len(old)))
        for page in node.dirty:
            lo, hi = page * PAGE, min((page + 1) * PAGE, len(new))
            if lo < hi:
                old[lo:hi] = new[lo:hi]
        if node.size_dirty or len(new) > len(node.durable):
            del old[len(new):]
        node.durable = bytes(old)
        node.dirty.clear()
        node.size_dirty = False

    def _should_fail(self, path):
        for rule in self.fail_rules:
            if fnmatch.fnmatch(path, rule[0]):
                rule[1] -= 1
                if rule[1] == 0:
                    self.fail_rules.remove(rule)
                    self.stats["eio"] += 1
                    return True
        return False

    def _fail_writeback(self, node, report_later=False):
        # Linux after a failed writeback: the pages are marked clean, not written; the error is
        # recorded on the file (errseq), so the next fsync of it reports it once.
        if report_later and (node.dirty or node.size_dirty):
            node.err_pending = True
        node.dirty.clear()
        node.size_dirty = False

    def do_syncfs(self, path="syncfs"):
        self._alive()
        self.stats["syncfs"] += 1
        if self._should_fail("syncfs"):
            for node in self.nodes.values():
                self._fail_writeback(node, report_later=True)
            return errno.EIO
        for node in self.nodes.values():
            self._writeback(node)
        self._commit_journal()
        return 0

    # ----- the power cut ----------------------------------------------------------------
    def cut(self, mode="drop", tear=False, seed=None):
        rng = random.Random(seed) if seed is not None else self.rng
        self.dead = True
        pending_ops = len(self.journal)
        keep = rng.randint(0, pending_ops) if mode == "random" else 0
        tree = {k: dict(v) for k, v in self.durable_tree.items()}
        targets = dict(self.durable_targets)
        for op in self.journal[:keep]:
            self._apply(tree, targets, op)
        dirty_files = partial = torn = 0
        contents = {}

        def content(ino):
            if ino in contents:
                return contents[ino]
            node = self.nodes[ino]
            data = node.durable
            nonlocal dirty_files, partial, torn
            if node.dirty or node.size_dirty:
                dirty_files += 1
                if mode == "random" and rng.random() < 0.5:
                    partial += 1
                    new = node.data
                    size = len(new) if rng.random() < 0.5 else len(data)
                    out = bytearray(data) + b"\0" * max(0, size - len(data))
                    pages = sorted(p for p in node.dirty if p * PAGE < size)
                    chosen = [p for p in pages if rng.random() < 0.5]
                    for p in chosen:
                        lo, hi = p * PAGE, min((p + 1) * PAGE, size, len(new))
                        out[lo:hi] = new[lo:hi]
                    if tear and pages:
                        p = rng.choice(pages)
                        lo = p * PAGE
                        cut_at = lo + SECTOR * rng.randint(0, PAGE // SECTOR - 1)
                        hi = min((p + 1) * PAGE, size, len(new))
                        if p in chosen:   # new up to the tear, old after it
                            old = bytes(data[cut_at:hi]).ljust(max(0, hi - cut_at), b"\0")
                            out[cut_at:hi] = old[:max(0, hi - cut_at)]
                        else:             # old page, new up to the tear
                            out[lo:min(cut_at, hi)] = new[lo:min(cut_at, hi)]
                        torn += 1
                    data = bytes(out[:size])
            contents[ino] = data
            return data

        # Write the durable tree to the disk folder.
        staging = self.disk + ".cut"
        shutil.rmtree(staging, ignore_errors=True)
        os.mkdir(staging)
        written = {}

        def write(dir_ino, path):
            for name, ino in tree.get(dir_ino, {}).items():
                if ino is None:
                    continue
                node = self.nodes[ino]
                p = os.path.join(path, os.fsdecode(name))
                if stat.S_ISDIR(node.mode):
                    os.mkdir(p)
                    write(ino, p)
                    os.chmod(p, stat.S_IMODE(node.mode))
                elif stat.S_ISLNK(node.mode):
                    os.symlink(targets.get(ino, node.target), p)
                elif stat.S_ISREG(node.mode):
                    if ino in written:
                        os.link(written[ino], p)
                        continue
                    with open(p, "wb") as f:
                        f.write(content(ino))
                    os.chmod(p, stat.S_IMODE(node.mode))
                    os.utime(p, ns=(node.atime, node.mtime))
                    written[ino] = p
                elif stat.S_ISFIFO(node.mode):
                    os.mkfifo(p, stat.S_IMODE(node.mode))
        write(ROOT, staging)
        os.chmod(staging, stat.S_IMODE(self.nodes[ROOT].mode))
        old = self.disk + ".old"
        shutil.rmtree(old, ignore_errors=True)
        os.rename(self.disk, old)
        os.rename(staging, self.disk)
        shutil.rmtree(old, ignore_errors=True)
        return {"journal_pending": pending_ops, "journal_kept": keep, "dirty_files": dirty_files,
                "partial": partial, "torn": torn}

    def save_clean(self):
        """A clean unmount: everything reaches the disk."""
        if self.dead:
            return
        for node in self.nodes.values():
            self._writeback(node)
        self._commit_journal()
        self.cut("drop")

    # ----- FUSE operations: namespace ----------------------------------------------------
    async def lookup(self, parent_inode, name, ctx=None):
        self._alive()
        if name == b".":
            return self._attr(self._dir(parent_inode))
        if name == b"..":
            node = self._dir(parent_inode)
            return self._attr(self.nodes[node.where[0]] if node.where else node)
        return self._attr(self._child(parent_inode, name))

    async def getattr(self, inode, ctx=None):
        self._alive()
        node = self.nodes.get(inode)
        if node is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return self._attr(node)

    async def setattr(self, inode, attr, fields, fh, ctx):
        self._alive()
        node = self.nodes[inode]
        if fields.update_size:
            size = attr.st_size
            if size < len(node.data):
                del node.data[size:]
            else:
                first = len(node.data) // PAGE
                node.data.extend(b"\0" * (size - len(node.data)))
                node.dirty.update(range(first, (size + PAGE - 1) // PAGE))
            node.size_dirty = True
            node.mtime = time.time_ns()
        if fields.update_mode:
            node.mode = (node.mode & ~0o7777) | (attr.st_mode & 0o7777)
        if fields.update_uid:
            node.uid = attr.st_uid
        if fields.update_gid:
            node.gid = attr.st_gid
        if fields.update_atime:
            node.atime = attr.st_atime_ns
        if fields.update_mtime:
            node.mtime = attr.st_mtime_ns
        node.ctime = time.time_ns()
        return self._attr(node)

    async def readlink(self, inode, ctx):
        self._alive()
        return self.nodes[inode].target

    def _make(self, parent_inode, name, mode, ctx, target=None, rdev=0):
        self._alive()
        parent = self._dir(parent_inode)
        if name in parent.entries:
            raise pyfuse3.FUSEError(errno.EEXIST)
        node = self._new(mode, ctx.uid, ctx.gid)
        node.rdev = rdev
        if target is not None:
            node.target = target
        parent.entries[name] = node.ino
        node.where = (parent_inode, name)
        if stat.S_ISDIR(mode):
            parent.nlink += 1
            self._log("mkdir", parent_inode, name, node.ino)
        elif target is not None:
            self._log("create", parent_inode, name, node.ino, target)
        else:
            self._log("create", parent_inode, name, node.ino)
        self._touch(parent)
        return node

    async def mkdir(self, parent_inode, name, mode, ctx):
        return self._attr(self._make(parent_inode, name, stat.S_IFDIR | (mode & 0o7777), ctx))

    async def mknod(self, parent_inode, name, mode, rdev, ctx):
        return self._attr(self._make(parent_inode, name, mode, ctx, rdev=rdev))

    async def symlink(self, parent_inode, name, target, ctx):
        return self._attr(self._make(parent_inode, name, stat.S_IFLNK | 0o777, ctx, target=target))

    async def create(self, parent_inode, name, mode, flags, ctx):
        node = self._make(parent_inode, name, stat.S_IFREG | (mode & 0o7777), ctx)
        fh = self._open_handle(node.ino)
        return pyfuse3.FileInfo(fh=fh), self._attr(node)

    async def link(self, inode, new_parent_inode, new_name, ctx):
        self._alive()
        parent = self._dir(new_parent_inode)
        if new_name in parent.entries:
            raise pyfuse3.FUSEError(errno.EEXIST)
        node = self.nodes[inode]
        parent.entries[new_name] = inode
        node.nlink += 1
        node.ctime = time.time_ns()
        self._touch(parent)
        self._log("create", new_parent_inode, new_name, inode)
        self.stats["link"] += 1
        return self._attr(node)

    def _drop_name(self, node, parent_inode, name):
        node.nlink -= 1
        if node.where == (parent_inode, name):
            node.where = None
            if node.nlink > 0:   # find another name of it for paths (rare: hard links)
                for d in self.nodes.values():
                    if d.entries:
                        for n, i in d.entries.items():
                            if i == node.ino:
                                node.where = (d.ino, n)
                                break

    async def unlink(self, parent_inode, name, ctx):
        self._alive()
        parent = self._dir(parent_inode)
        node = self._child(parent_inode, name)
        if node.entries is not None:
            raise pyfuse3.FUSEError(errno.EISDIR)
        del parent.entries[name]
        self._drop_name(node, parent_inode, name)
        self._touch(parent)
        node.ctime = time.time_ns()
        self._log("unlink", parent_inode, name)

    async def rmdir(self, parent_inode, name, ctx):
        self._alive()
        parent = self._dir(parent_inode)
        node = self._child(parent_inode, name)
        if node.entries is None:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        if node.entries:
            raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        del parent.entries[name]
        parent.nlink -= 1
        node.nlink = 0
        node.where = None
        self._touch(parent)
        self._log("rmdir", parent_inode, name, node.ino)

    async def rename(self, parent_inode_old, name_old, parent_inode_new, name_new, flags, ctx):
        self._alive()
        self.stats["rename"] += 1
        if flags & ~3 or (flags and not self.rename_flags):
            raise pyfuse3.FUSEError(errno.EINVAL)
        sp, dp = self._dir(parent_inode_old), self._dir(parent_inode_new)
        src = self._child(parent_inode_old, name_old)
        dst_ino = dp.entries.get(name_new)
        dst = self.nodes[dst_ino] if dst_ino is not None else None
        if flags & 1:
            self.stats["rename_noreplace"] += 1
            if dst is not None:
                raise pyfuse3.FUSEError(errno.EEXIST)
        if flags & 2:
            self.stats["rename_exchange"] += 1
            if dst is None:
                raise pyfuse3.FUSEError(errno.ENOENT)
            sp.entries[name_old], dp.entries[name_new] = dst.ino, src.ino
            src.where, dst.where = (parent_inode_new, name_new), (parent_inode_old, name_old)
            self._touch(sp, dp, src, dst)
            self._log("rename", parent_inode_old, name_old, parent_inode_new, name_new, 2)
            return
        if dst is src:
            return
        if dst is not None:
            if dst.entries is not None:
                if src.entries is None:
                    raise pyfuse3.FUSEError(errno.EISDIR)
                if dst.entries:
                    raise pyfuse3.FUSEError(errno.ENOTEMPTY)
                dp.nlink -= 1
                dst.nlink = 0
            else:
                if src.entries is not None:
                    raise pyfuse3.FUSEError(errno.ENOTDIR)
                self._drop_name(dst, parent_inode_new, name_new)
        del sp.entries[name_old]
        dp.entries[name_new] = src.ino
        if src.entries is not None and sp is not dp:
            sp.nlink -= 1
            dp.nlink += 1
        src.where = (parent_inode_new, name_new)
        self._touch(sp, dp)
        src.ctime = time.time_ns()
        self._log("rename", parent_inode_old, name_old, parent_inode_new, name_new, 0)

    # ----- FUSE operations: directories -------------------------------------------------
    async def opendir(self, inode, ctx):
        self._alive()
        node = self._dir(inode)
        fh = self.next_fh
        self.next_fh += 1
        self.handles[fh] = ("dir", inode, list(node.entries.items()))
        return fh

    async def readdir(self, fh, start_id, token):
        self._alive()
        _, _, entries = self.handles[fh]
        for i in range(start_id, len(entries)):
            name, ino = entries[i]
            node = self.nodes.get(ino)
            if node is None:
                continue
            if not pyfuse3.readdir_reply(token, name, self._attr(node), i + 1):
                break

    async def releasedir(self, fh):
        self.handles.pop(fh, None)

    async def fsyncdir(self, fh, datasync):
        self._alive()
        self.stats["fsyncdir"] += 1
        _, ino, _ = self.handles[fh]
        if self._should_fail(self.path_of(ino)):
            raise pyfuse3.FUSEError(errno.EIO)
        self._commit_journal()

    # ----- FUSE operations: files -------------------------------------------------------
    def _open_handle(self, ino):
        fh = self.next_fh
        self.next_fh += 1
        self.handles[fh] = ("file", ino, None)
        return fh

    async def open(self, inode, flags, ctx):
        self._alive()
        node = self.nodes[inode]
        if flags & os.O_TRUNC and len(node.data):
            del node.data[:]
            node.size_dirty = True
        return pyfuse3.FileInfo(fh=self._open_handle(inode))

    async def read(self, fh, off, size):
        self._alive()
        node = self.nodes[self.handles[fh][1]]
        return bytes(node.data[off:off + size])

    async def write(self, fh, off, buf):
        self._alive()
        node = self.nodes[self.handles[fh][1]]
        end = off + len(buf)
        if len(node.data) < off:
            node.data.extend(b"\0" * (off - len(node.data)))
        if end > len(node.data):
            node.size_dirty = True
        node.data[off:end] = buf
        node.dirty.update(range(off // PAGE, (end + PAGE - 1) // PAGE))
        node.mtime = node.ctime = time.time_ns()
        return len(buf)

    async def flush(self, fh):
        self.stats["flush"] += 1   # close(2): makes nothing durable

    async def release(self, fh):
        self.handles.pop(fh, None)

    async def fsync(self, fh, datasync):
        self._alive()
        self.stats["fsync"] += 1
        ino = self.handles[fh][1]
        node = self.nodes[ino]
        if self._should_fail(self.path_of(ino)):
            self._fail_writeback(node)
            raise pyfuse3.FUSEError(errno.EIO)
        if node.err_pending:   # an earlier syncfs failed to write this file's pages
            node.err_pending = False
            self.stats["eio"] += 1
            raise pyfuse3.FUSEError(errno.EIO)
        self._writeback(node)
        self._commit_journal()

    async def statfs(self, ctx):
        s = pyfuse3.StatvfsData()
        s.f_bsize = s.f_frsize = 4096
        s.f_blocks = s.f_bfree = s.f_bavail = 1 << 24
        s.f_files = s.f_ffree = s.f_favail = 1 << 24
        s.f_namemax = 255
        return s


async def control(fs, path):
    sock = trio.socket.socket(trio.socket.AF_UNIX, trio.socket.SOCK_STREAM)
    if os.path.exists(path):
        os.unlink(path)
    await sock.bind(path)
    sock.listen(64)

    async def serve(conn):
        # A client may be gone before its reply (a process killed at the cut while its syncfs
        # waited here): that ends its connection, never the file system.
        with conn:
            try:
                buf = b""
                while not buf.endswith(b"\n"):
                    chunk = await conn.recv(4096)
                    if not chunk:
                        break
                    buf += chunk
                words = buf.decode().split()
                try:
                    reply = handle(fs, words)
                except Exception as e:  # report, keep serving
                    reply = {"error": repr(e)}
                await conn.send((json.dumps(reply) + "\n").encode())
            except OSError:
                pass

    async with trio.open_nursery() as nursery:
        while True:
            conn, _ = await sock.accept()
            nursery.start_soon(serve, conn)


def handle(fs, words):
    cmd = words[0] if words else ""
    if cmd == "cut":
        mode = words[1] if len(words) > 1 else "drop"
        tear = "tear" in words[2:]
        seeds = [w for w in words[2:] if w.isdigit()]
        return fs.cut(mode, tear, int(seeds[0]) if seeds else None)
    if cmd == "syncfs":
        if fs.dead:
            return {"errno": errno.EIO}
        return {"errno": fs.do_syncfs()}
    if cmd == "failfsync":
        fs.fail_rules.append([words[1], int(words[2]) if len(words) > 2 else 1])
        return {"ok": True}
    if cmd == "stats":
        return dict(fs.stats, journal=len(fs.journal), dead=fs.dead)
    return {"error": "unknown command"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("disk")
    parser.add_argument("mountpoint")
    parser.add_argument("--ctl", required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("--no-rename-flags", action="store_true",
                        help="renameat2 with RENAME_NOREPLACE/EXCHANGE fails with EINVAL (as on many FUSE file systems)")
    args = parser.parse_args()
    fs = PowerCutFS(os.path.abspath(args.disk), args.seed, rename_flags=not args.no_rename_flags)
    options = set(pyfuse3.default_options)
    options.discard("default_permissions")
    options.add("fsname=powercutfs")
    options.add("allow_other")
    if args.debug:
        options.add("debug")
    pyfuse3.init(fs, args.mountpoint, options)

    async def run():
        async with trio.open_nursery() as nursery:
            nursery.start_soon(control, fs, args.ctl)
            await pyfuse3.main()
            nursery.cancel_scope.cancel()
    try:
        trio.run(run)
    finally:
        pyfuse3.close(unmount=True)
        if not fs.dead:
            fs.save_clean()


if __name__ == "__main__":
    main()
