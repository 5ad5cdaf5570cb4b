# SPDX-License-Identifier: MIT
# Page-table forgery and type confusion at every level, linear maps, superpages, ptwr.
security_attack(pt_forgery)
