# SPDX-License-Identifier: MIT
"""Run-time disks of a ./skiff up machine: host files put behind the machine's spare virtio-blk slots.

QEMU attached the slots at start-up (tools/qemu-run --spare-disks N: N writable, then N read-only,
each a raw node over an empty null-co node); dom0 serves them to domains (blkpool=2N). Giving a
domain a disk is: open the file as a new block node and swap it under the slot's raw node with
blockdev-reopen (QEMU's monitor, RUN/qmp.sock), then name the slot in the create request; dom0 reads
the slot's new size and offers it as the vbd. Taking it back is the swap the other way and
blockdev-del, once dom0 says the slot is free (it frees a slot when it is done with the domain).
docs/CONTROL.md says why and the limits.

The slots' files are recorded in RUN/pool.json; every change happens under an exclusive lock on
RUN/pool.lock, so two clients never pick the same slot or both take one writable file.
"""
import fcntl
import json
import os
import socket


class PoolError(Exception):
    pass


class Qmp:
    """QEMU's monitor protocol: one JSON object a line; events are skipped."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        try:
            self.sock.connect(path)
        except OSError as e:
            raise PoolError("cannot reach QEMU's monitor %s: %s (a machine from ./skiff up has one)"
                            % (path, e.strerror))
        self.f = self.sock.makefile("rw")
        self._line()  # the greeting
        self.cmd("qmp_capabilities")

    def _line(self):
        line = self.f.readline()
        if not line:
            raise PoolError("QEMU's monitor closed the connection")
        return json.loads(line)

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            r = self._line()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise PoolError("QEMU: %s: %s" % (name, r["error"].get("desc", r["error"])))

    def close(self):
        self.sock.close()


def file_key(path):
    st = os.stat(path)
    return [st.st_dev, st.st_ino]


class Pool:
    def __init__(self, run_dir):
        self.dir = run_dir
        self.state_path = os.path.join(run_dir, "pool.json")
        self.lock = None
        self.qmp = None
        self.state = {}

    def __enter__(self):
        self.lock = open(os.path.join(self.dir, "pool.lock"), "a")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        try:
            with open(self.state_path) as f:
                self.state = json.load(f)
        except (OSError, ValueError):
            self.state = {}
        return self

    def __exit__(self, *exc):
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f)
        os.replace(tmp, self.state_path)
        if self.qmp:
            self.qmp.close()
        self.lock.close()

    def monitor(self):
        if not self.qmp:
            self.qmp = Qmp(os.path.join(self.dir, "qmp.sock"))
        return self.qmp

    @staticmethod
    def slots(c):
        """dom0's view: {slot: record} with ro, name (empty: free), domid."""
        return {int(r["slot"]): r for r in c.request("blkpool")[1:] if "slot" in r}

    def _swap_out(self, slot, ro):
        q = self.monitor()
        q.cmd("blockdev-reopen", options=[{"driver": "raw", "node-name": "pool%d" % slot,
                                           "file": "pool%dn" % slot, "read-only": ro}])
        entry = self.state.pop(str(slot), None)
        for node in (entry or {}).get("nodes", []):
            try:
                q.cmd("blockdev-del", **{"node-name": node})
            except PoolError:
                pass

    def reclaim(self, c):
        """Takes their files out of the slots dom0 no longer holds for a domain."""
        held = self.slots(c)
        for slot in [int(s) for s in self.state]:
            rec = held.get(slot)
            if rec is None or not rec.get("name"):
                self._swap_out(slot, bool(self.state[str(slot)].get("ro")))
        return held

    def _swap_in(self, slot, ro, fmt, path):
        q = self.monitor()
        proto = {"driver": "file", "filename": path, "read-only": ro}
        if fmt == "raw":
            nodes = ["pool%df" % slot]
            q.cmd("blockdev-add", **dict(proto, **{"node-name": nodes[0]}))
        else:
            nodes = ["pool%dq" % slot]
            q.cmd("blockdev-add", driver=fmt, file=proto, **{"node-name": nodes[0], "read-only": ro})
        try:
            q.cmd("blockdev-reopen", options=[{"driver": "raw", "node-name": "pool%d" % slot,
                                               "file": nodes[0], "read-only": ro}])
        except PoolError:
            q.cmd("blockdev-del", **{"node-name": nodes[0]})
            raise
        self.state[str(slot)] = {"path": path, "key": file_key(path), "ro": ro, "fmt": fmt, "nodes": nodes}

    def assign(self, c, disks, owner):
        """disks: (access, devid, vdev, format, path) as xlcfg-check --disks lists them. Returns "SLOT:DEVID,..."."""
        held = self.reclaim(c)
        taken = []
        try:
            for acc, devid, vdev, fmt, path in disks:
                ro = acc == "ro"
                key = file_key(path)
                for s, e in self.state.items():
                    if e["key"] == key and (not ro or not e["ro"]):
                        who = held.get(int(s), {}).get("name") or "another domain"
                        raise PoolError("disk %s is given %s to %s: a writable disk belongs to one guest only"
                                        % (path, "read-only" if e["ro"] else "writable", who))
                free = [s for s, r in sorted(held.items())
                        if not r.get("name") and str(s) not in self.state and (r.get("ro") == "1") == ro]
                if not free:
                    raise PoolError("no free %s disk slot left for %s (./skiff up --spare-disks N)"
                                    % ("read-only" if ro else "writable", path))
                self._swap_in(free[0], ro, fmt, path)
                taken.append((free[0], ro, int(devid)))
        except Exception:
            self.release(taken)
            raise
        return ",".join("%d:%d" % (s, d) for s, _, d in taken), taken

    def release(self, taken):
        for slot, ro, _ in taken:
            try:
                self._swap_out(slot, ro)
            except PoolError:
                pass
