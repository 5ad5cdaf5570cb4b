# SPDX-License-Identifier: MIT
"""The accelerator every benchmark runs both hypervisors under, chosen at run time: BENCH_ACCEL or SKIFF_ACCEL if
set, else what tools/accel-probe finds for our image (KVM only where it works and is faster, else TCG). Both
hypervisors of one table get the same one, so a ratio compares like with like; the tables print which it was."""
import os
import subprocess

_chosen = None


def bench_accel():
    global _chosen
    if _chosen is None:
        _chosen = os.environ.get("BENCH_ACCEL") or os.environ.get("SKIFF_ACCEL")
        if os.environ.get("BENCH_ICOUNT", "0") not in ("", "0"):
            _chosen = "tcg"     # instruction counting exists only under TCG
        elif not _chosen:
            top = os.environ.get("SKIFF_TOP") or os.path.dirname(os.path.dirname(os.path.dirname(
                os.path.abspath(__file__))))
            out = subprocess.run([os.path.join(top, "tools", "accel-probe")], capture_output=True, text=True)
            _chosen = out.stdout.strip() if out.returncode == 0 and out.stdout.strip() in ("kvm", "tcg") else "tcg"
    return _chosen
