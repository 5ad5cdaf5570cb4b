# SPDX-License-Identifier: MIT
# Descriptor and gate forgery, trap tables and callbacks at hypervisor addresses, vcpu_info/runstate placement.
security_attack(desc_traps)
