# SPDX-License-Identifier: MIT
# physdev_op from a domU (issue 15): Xen 4.17's answers to an unprivileged PV guest, from Xen's source,
# since the Xen runner boots only dom0. Skiff-specific. Beside the heartbeat dom0, which must stay intact.
security_attack(physdev_domu)
