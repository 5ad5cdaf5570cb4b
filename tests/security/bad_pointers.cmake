# SPDX-License-Identifier: MIT
# Hypervisor, non-canonical, straddling and unmapped pointers in every pointer argument; huge counts on every batch.
security_attack(bad_pointers)
