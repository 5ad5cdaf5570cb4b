# SPDX-License-Identifier: MIT
"""What ./skiff bench blk and net share: building iobench and the images, booting a platform under QEMU (the accelerator of perfaccel) while
collecting iobench's figures from its serial line, medians and the table."""
import glob
import importlib.machinery
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import threading
import time

TOP = os.environ.get("SKIFF_TOP") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from perfaccel import bench_accel  # noqa: E402
BUILD = os.environ.get("SKIFF_BUILD") or os.path.join(TOP, "build")
HERE = os.path.join(TOP, "tests", "perf", "io")
OUT = os.path.join(BUILD, "perf", "io")
GUEST_MIB = 256          # the benchmark guest's memory on every platform
RESULT_RE = re.compile(r"@@ RESULT (\S+) ([0-9.]+) (\S+)")
FAIL_RE = re.compile(r"@@ (IOBENCH FAIL|xen-dom0: FAIL).*|Kernel panic.*|HYPERVISOR (CRASH|PANIC).*")
PLATFORMS = ("skiff", "xen", "direct")
TITLES = {"skiff": "Skiff", "xen": "Xen 4.17", "direct": "direct virtio"}


def log(msg=""):
    print(msg, flush=True)


def kernel():
    found = sorted(glob.glob(os.path.join(BUILD, "decompress-data", "root", "boot", "vmlinuz-*")))
    if not found:
        raise SystemExit("bench: no Debian kernel under build/decompress-data (./skiff test fetches it)")
    return found[-1]


def fetch_xen():
    """tests/conformance/run's fetch_xen: Xen 4.17 from Debian, unpacked in the build tree."""
    path = os.path.join(TOP, "tests", "conformance", "run")
    loader = importlib.machinery.SourceFileLoader("conformance_run", path)
    spec = importlib.util.spec_from_loader("conformance_run", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod.fetch_xen(BUILD)


def prepare():
    """iobench (static, for the guests; the host's forwards use the same binary), the initramfs of the guests and of
    Xen's dom0, Xen itself. Returns the paths."""
    os.makedirs(OUT, exist_ok=True)
    iobench = os.path.join(OUT, "iobench")
    subprocess.run(["cc", "-O2", "-static", "-Wall", "-Wextra", "-Werror", "-o", iobench,
                    os.path.join(HERE, "iobench.c")], check=True)
    vmlinuz = kernel()
    subprocess.run([os.path.join(HERE, "build-images"), OUT, vmlinuz, iobench], check=True)
    return {"iobench": iobench, "vmlinuz": vmlinuz, "xen": fetch_xen(),
            "guest_initrd": os.path.join(OUT, "guest-initramfs.cpio.gz"),
            "dom0_initrd": os.path.join(OUT, "xen-dom0.cpio.gz")}


def qemu_base(mem, smp):
    """The machine every platform gets: what tools/qemu-run gives Skiff (q35, TCG -cpu max)."""
    return ["qemu-system-x86_64", "-machine", "q35", "-accel", bench_accel(), "-cpu", "max", "-m", str(mem), "-smp", str(smp),
            "-display", "none", "-vga", "none", "-no-reboot", "-monitor", "none", "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def qemu_disk(path):
    """The disk as tools/qemu-run attaches --disk: modern virtio-blk, host cache writeback, flushes honoured."""
    return ["-drive", f"file={path},if=none,id=disk0,format=raw,readonly=off,cache=writeback,cache.no-flush=off,"
                     "discard=unmap",
            "-device", "virtio-blk-pci,drive=disk0,disable-legacy=on,disable-modern=off"]


def xen_machine(p, dom0_args, extra):
    """Xen 4.17 with Linux as dom0 (1 GiB; smap=0: TCG, see the anchor's findings). Dom0's one vCPU is pinned to
    CPU 0; a single domU runs on CPU 1, as the anchor ran its devices domU, two share both (xen-dom0-init)."""
    return qemu_base(2048, 2) + ["-kernel", p["xen"], "-append",
                                 "console=com1 com1=115200,8n1 smap=0 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 "
                                 "dom0_vcpus_pin " + os.environ.get("BENCH_XEN_ARGS", ""),
                                 "-initrd", f"{p['vmlinuz']} console=hvc0 quiet {dom0_args},{p['dom0_initrd']}"] + extra


def direct_machine(p, args, extra):
    """The same kernel and initramfs directly on QEMU: the limit the virtual devices set."""
    nic = [] if "-netdev" in extra else ["-nic", "none"]
    return qemu_base(GUEST_MIB, 1) + nic + ["-kernel", p["vmlinuz"], "-initrd", p["guest_initrd"],
                                            "-append", f"console=ttyS0 quiet {args}"] + extra


def skiff_machine(name, modules, extra):
    """Skiff through tools/qemu-run (which adds the disks and networks it is given), our dom0 serving the guests."""
    cpus = os.environ.get("BENCH_SKIFF_CPUS", "2")     # 2 as Xen's machine; 1 for the wake-up comparison
    return [os.path.join(TOP, "tools", "qemu-run"), "--accel", bench_accel(), "--cpus", cpus, "--mem", "1024",
            "--timeout", str(timeout()), "--log", os.path.join(OUT, f"{name}.serial"),
            "--modules", ",".join(modules)] + extra


def timeout():
    return int(os.environ.get("BENCH_TIMEOUT", "1200"))


class Run:
    """One boot: every serial line stamped and logged, iobench's figures collected as lists; on_line(run, line) may
    start host-side work (a thread) and add figures through add()."""

    def __init__(self, name, cmd, done_markers, on_line=None):
        self.name, self.cmd, self.on_line = name, cmd, on_line
        self.done_markers = list(done_markers)
        self.figures, self.failures, self.threads = {}, [], []
        self.lock = threading.Lock()
        self.logpath = os.path.join(OUT, f"{name}.log")

    def add(self, key, value):
        with self.lock:
            self.figures.setdefault(key, []).append(value)

    def start(self):
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(["timeout", "-k", "5", str(timeout())] + self.cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read)
        self.reader.start()

    def _read(self):
        pending = list(self.done_markers)
        with open(self.logpath, "w") as logf:
            for raw in self.proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                logf.write(f"[host {time.monotonic() - self.t0:9.3f}] {line}\n")
                logf.flush()
                m = RESULT_RE.search(line)
                if m:
                    self.add(m.group(1), float(m.group(2)))
                f = FAIL_RE.search(line)
                if f:
                    self.failures.append(f.group(0))
                if self.on_line:
                    self.on_line(self, line)
                pending = [d for d in pending if d not in line]
                if not pending and self.done_markers:
                    self.done_markers = []
                    # Skiff and QEMU alone exit by themselves; give the host's side and a clean exit a moment.
                    threading.Timer(15, self.stop).start()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()

    def wait(self):
        self.reader.join()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for t in self.threads:
            t.join()
        self.seconds = time.monotonic() - self.t0
        return self


def host_thread(run, argv, key):
    """Host-side iobench (a forward's far end) in a thread; its RESULT lines become the run's figures."""
    def work():
        out = subprocess.run(argv, capture_output=True, text=True, timeout=300).stdout
        with open(run.logpath + ".host", "a") as f:
            f.write(out)
        for line in out.splitlines():
            m = RESULT_RE.search(line)
            if m:
                run.add(key, float(m.group(2)))
            elif "FAIL" in line:
                run.failures.append("host: " + line)
    t = threading.Thread(target=work)
    run.threads.append(t)
    t.start()


def median(values):
    return statistics.median(values) if values else None


def fmt(v):
    if v is None:
        return "-"
    return f"{v:.0f}" if v >= 1000 else f"{v:.1f}"


def table(rows, results, targets):
    """rows: [(key, label, unit)]; results: {platform: {key: [values]}}; targets: {key: text}."""
    log()
    head = f"{'median of the passes':48} {'Skiff':>10} {'Xen 4.17':>10} {'direct':>10} {'Skiff/Xen':>10} " \
           f"{'Skiff/dir':>10}  target"
    log(head)
    for key, label, unit in rows:
        vals = [median(results.get(p, {}).get(key, [])) for p in PLATFORMS]
        ratios = [f"{vals[0] / o:10.2f}" if vals[0] is not None and o else f"{'-':>10}" for o in vals[1:]]
        log(f"{label + ' (' + unit + ')':48} {' '.join(f'{fmt(v):>10}' for v in vals)} {' '.join(ratios)}  "
            f"{targets.get(key, '')}")
    log("ratios: Skiff's median over the other's (above 1: Skiff is faster)")
    for p in PLATFORMS:
        if p in results:
            spread = "; ".join(f"{k} {'/'.join(fmt(v) for v in results[p].get(k, []))}" for k, *_ in rows
                               if results[p].get(k))
            log(f"  {TITLES[p]} passes: {spread}")


def machine_load_note():
    load = os.getloadavg()
    return f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs"


def platforms_from(argv):
    only = [a for a in argv if a in PLATFORMS]
    bad = [a for a in argv if a not in PLATFORMS]
    if bad:
        sys.exit(f"bench: unknown platform(s) {' '.join(bad)}; choose from {' '.join(PLATFORMS)}")
    return only or list(PLATFORMS)
