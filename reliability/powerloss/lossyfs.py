#!/usr/bin/python3
"""An in-memory FUSE file system that behaves like a disk behind a volatile write cache.

Written data and directory changes become durable only through fsync/fdatasync (files) and fsync of the
directory (names), as POSIX promises and no more. Commands on stdin, one per line, answered on stdout:
  sync          make everything durable (like sync(1)); used after the test has laid out its folders
  cut SEED      power cut: freeze (every operation fails with EIO from now on), then roll the tree back to
                what was durable; each block written but not synced survives or not at random, as a disk
                may have written some of the cache back before power went
  thaw          power back: operations work again on the rolled-back tree
  stats         counters (fsyncs, cuts, blocks dropped)
  quit          unmount and exit
Usage: lossyfs.py MOUNTPOINT   (needs /dev/fuse and root or fuse permissions; Debian python3-pyfuse3)
"""

import errno
import os
import random
import stat
import sys
import time

import pyfuse3
import trio

BLOCK = 4096
ROOT = pyfuse3.ROOT_INODE


class Node:
    """An inode: a regular file (blocks) or a directory (entries), each with a current and a durable copy."""

    def __init__(self, ino, mode):
        self.ino = ino
        self.mode = mode
        now = time.time_ns()
        self.mtime = self.ctime = self.atime = now
        self.blocks = {}  # block index -> bytearray (current)
        self.size = 0
        self.dblocks = {}  # block index -> bytes (durable)
        self.dsize = 0
        self.dirty = set()  # block indexes changed since the last fsync
        self.entries = {}  # name -> ino (current)
        self.dentries = {}  # name -> ino (durable)

    def is_dir(self):
        return stat.S_ISDIR(self.mode)

    def sync(self):
        if self.is_dir():
            self.dentries = dict(self.entries)
            return
        for b in self.dirty:
            if b in self.blocks:
                self.dblocks[b] = bytes(self.blocks[b])
            else:
                self.dblocks.pop(b, None)
        self.dirty.clear()
        self.dsize = self.size

    def read(self, off, size):
        end = min(off + size, self.size)
        out = bytearray()
        pos = off
        while pos < end:
            b, bo = divmod(pos, BLOCK)
            n = min(BLOCK - bo, end - pos)
            blk = self.blocks.get(b)
            out += blk[bo : bo + n] if blk is not None else bytes(n)
            pos += n
        return bytes(out)

    def write(self, off, data):
        pos, end = off, off + len(data)
        while pos < end:
            b, bo = divmod(pos, BLOCK)
            n = min(BLOCK - bo, end - pos)
            blk = self.blocks.setdefault(b, bytearray(BLOCK))
            blk[bo : bo + n] = data[pos - off : pos - off + n]
            self.dirty.add(b)
            pos += n
        self.size = max(self.size, end)

    def truncate(self, size):
        """Bytes past the size read as zero: drop whole blocks, zero the tail of the last one."""
        for b in [b for b in self.blocks if b * BLOCK >= size]:
            del self.blocks[b]
            self.dirty.add(b)
        last, tail = divmod(size, BLOCK)
        if tail and last in self.blocks:
            self.blocks[last][tail:] = bytes(BLOCK - tail)
            self.dirty.add(last)
        self.size = size

    def cut(self, rng):
        """Power cut: keep a random subset of the unsynced blocks; the size is the durable or the current one."""
        kept = dropped = 0
        for b in self.dirty:
            if rng.random() < 0.5:
                kept += 1
                if b in self.blocks:
                    self.dblocks[b] = bytes(self.blocks[b])
                else:
                    self.dblocks.pop(b, None)
            else:
                dropped += 1
        size = self.size if (self.dirty and rng.random() < 0.5) else self.dsize
        self.blocks = {b: bytearray(v) for b, v in self.dblocks.items()}
        self.dirty.clear()
        self.truncate(size)
        self.dirty.clear()
        self.dsize = self.size
        self.dblocks = {b: bytes(v) for b, v in self.blocks.items()}
        return kept, dropped


class LossyFs(pyfuse3.Operations):
    def __init__(self):
        super().__init__()
        self.nodes = {ROOT: Node(ROOT, stat.S_IFDIR | 0o755)}
        self.next_ino = ROOT + 1
        self.frozen = False
        self.stats = {"fsync": 0, "fsyncdir": 0, "cuts": 0, "blocks_kept": 0, "blocks_dropped": 0, "lost_names": 0}

    # -- helpers --------------------------------------------------------------------------------------------
    def live(self):
        if self.frozen:
            raise pyfuse3.FUSEError(errno.EIO)

    def node(self, ino):
        n = self.nodes.get(ino)
        if n is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return n

    def attrs(self, n):
        a = pyfuse3.EntryAttributes()
        a.st_ino = n.ino
        a.st_mode = n.mode
        a.st_nlink = 2 if n.is_dir() else 1
        a.st_uid = os.getuid()
        a.st_gid = os.getgid()
        a.st_size = n.size
        a.st_blksize = BLOCK
        a.st_blocks = (n.size + 511) // 512
        a.st_atime_ns, a.st_mtime_ns, a.st_ctime_ns = n.atime, n.mtime, n.ctime
        a.attr_timeout = 0  # the kernel must ask again after a cut
        a.entry_timeout = 0
        a.generation = 0
        return a

    def child(self, parent, name):
        ino = self.node(parent).entries.get(name)
        if ino is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return self.node(ino)

    def make(self, parent, name, mode):
        p = self.node(parent)
        if name in p.entries:
            raise pyfuse3.FUSEError(errno.EEXIST)
        n = Node(self.next_ino, mode)
        self.next_ino += 1
        self.nodes[n.ino] = n
        p.entries[name] = n.ino
        p.mtime = time.time_ns()
        return n

    # -- power ----------------------------------------------------------------------------------------------
    def sync_all(self):
        for n in self.nodes.values():
            n.sync()

    def cut(self, seed):
        """Freeze, then roll back to the durable tree; inodes no durable name reaches are gone."""
        self.frozen = True
        rng = random.Random(seed)
        before = len(self.nodes)
        reach, todo = {}, [ROOT]
        while todo:
            n = self.nodes[todo.pop()]
            reach[n.ino] = n
            if n.is_dir():
                n.entries = dict(n.dentries)
                todo.extend(i for i in n.entries.values() if i not in reach and i in self.nodes)
            else:
                k, d = n.cut(rng)
                self.stats["blocks_kept"] += k
                self.stats["blocks_dropped"] += d
        self.stats["lost_names"] += before - len(reach)
        self.nodes = reach
        self.stats["cuts"] += 1

    # -- operations -----------------------------------------------------------------------------------------
    async def lookup(self, parent_inode, name, ctx=None):
        self.live()
        return self.attrs(self.child(parent_inode, name))

    async def getattr(self, inode, ctx=None):
        self.live()
        return self.attrs(self.node(inode))

    async def setattr(self, inode, attr, fields, fh, ctx):
        self.live()
        n = self.node(inode)
        if fields.update_size:
            n.truncate(attr.st_size)
        if fields.update_mode:
            n.mode = stat.S_IFMT(n.mode) | stat.S_IMODE(attr.st_mode)
        if fields.update_mtime:
            n.mtime = attr.st_mtime_ns
        if fields.update_atime:
            n.atime = attr.st_atime_ns
        n.ctime = time.time_ns()
        return self.attrs(n)

    async def opendir(self, inode, ctx):
        self.live()
        if not self.node(inode).is_dir():
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        return inode

    async def readdir(self, fh, start_id, token):
        self.live()
        names = sorted(self.node(fh).entries.items())
        for i, (name, ino) in enumerate(names[start_id:], start_id):
            if ino in self.nodes and not pyfuse3.readdir_reply(token, name, self.attrs(self.nodes[ino]), i + 1):
                break

    async def releasedir(self, fh):
        pass

    async def fsyncdir(self, fh, datasync):
        self.live()
        self.node(fh).sync()
        self.stats["fsyncdir"] += 1

    async def mkdir(self, parent_inode, name, mode, ctx):
        self.live()
        return self.attrs(self.make(parent_inode, name, stat.S_IFDIR | stat.S_IMODE(mode)))

    async def rmdir(self, parent_inode, name, ctx):
        self.live()
        n = self.child(parent_inode, name)
        if n.entries:
            raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        del self.node(parent_inode).entries[name]

    async def unlink(self, parent_inode, name, ctx):
        self.live()
        self.child(parent_inode, name)
        del self.node(parent_inode).entries[name]

    async def rename(self, parent_inode_old, name_old, parent_inode_new, name_new, flags, ctx):
        self.live()
        n = self.child(parent_inode_old, name_old)
        target = self.node(parent_inode_new)
        old = target.entries.get(name_new)
        if old is not None and flags & pyfuse3.RENAME_NOREPLACE:
            raise pyfuse3.FUSEError(errno.EEXIST)
        if old is not None and self.nodes.get(old) is not None and self.nodes[old].is_dir() and self.nodes[old].entries:
            raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        del self.node(parent_inode_old).entries[name_old]
        target.entries[name_new] = n.ino

    async def create(self, parent_inode, name, mode, flags, ctx):
        self.live()
        n = self.make(parent_inode, name, stat.S_IFREG | stat.S_IMODE(mode))
        return pyfuse3.FileInfo(fh=n.ino), self.attrs(n)

    async def open(self, inode, flags, ctx):
        self.live()
        n = self.node(inode)
        if flags & os.O_TRUNC:
            n.truncate(0)
        return pyfuse3.FileInfo(fh=inode)  # keep_cache off: the page cache is dropped at every open

    async def read(self, fh, off, size):
        self.live()
        return self.node(fh).read(off, size)

    async def write(self, fh, off, buf):
        self.live()
        n = self.node(fh)
        n.write(off, buf)
        n.mtime = time.time_ns()
        return len(buf)

    async def fsync(self, fh, datasync):
        self.live()
        self.node(fh).sync()
        self.stats["fsync"] += 1

    async def flush(self, fh):
        self.live()

    async def release(self, fh):
        pass

    async def forget(self, inode_list):
        pass

    async def statfs(self, ctx):
        s = pyfuse3.StatvfsData()
        s.f_bsize = s.f_frsize = BLOCK
        s.f_blocks = s.f_bfree = s.f_bavail = 1 << 24
        s.f_files = s.f_ffree = s.f_favail = 1 << 20
        s.f_namemax = 255
        return s


async def control(fs):
    """One command per stdin line, one answer per stdout line."""
    stream = trio.lowlevel.FdStream(os.dup(0))
    buf = b""
    while True:
        chunk = await stream.receive_some(4096)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            words = line.decode().split()
            if not words:
                continue
            if words[0] == "sync":
                fs.sync_all()
            elif words[0] == "cut":
                fs.cut(int(words[1]) if len(words) > 1 else 0)
            elif words[0] == "thaw":
                fs.frozen = False
            elif words[0] == "stats":
                print("stats " + " ".join(f"{k}={v}" for k, v in fs.stats.items()), flush=True)
                continue
            elif words[0] == "quit":
                print("ok quit", flush=True)
                pyfuse3.terminate()
                return
            else:
                print(f"error unknown command {words[0]}", flush=True)
                continue
            print(f"ok {words[0]}", flush=True)
    pyfuse3.terminate()


async def main_loop(fs):
    async with trio.open_nursery() as nursery:
        nursery.start_soon(control, fs)
        await pyfuse3.main()
        nursery.cancel_scope.cancel()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    fs = LossyFs()
    options = set(pyfuse3.default_options)
    options.add("fsname=lossyfs")
    options.discard("default_permissions")
    pyfuse3.init(fs, sys.argv[1], options)
    print("ready", flush=True)
    try:
        trio.run(main_loop, fs)
    finally:
        pyfuse3.close(unmount=True)


if __name__ == "__main__":
    main()
