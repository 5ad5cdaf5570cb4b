#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Regenerates the seed corpus for fuzz_wire.c: valid and near-valid request streams, in its record format.
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fuzz-corpus')


def msg(typ, payload, req=1, tx=0):
    return struct.pack('<IIII', typ, req, tx, len(payload)) + payload


def records(stream, target=0, piece=37):
    out = b''
    for i in range(0, len(stream), piece):
        chunk = stream[i:i + piece]
        out += bytes([target, len(chunk)]) + chunk
    return out


SEEDS = {
    'write-read': msg(11, b'/a/b\0hello') + msg(2, b'/a/b\0', 2),
    'mkdir-dir-rm': msg(12, b'/d/x\0') + msg(1, b'/d\0', 2) + msg(13, b'/d\0', 3),
    'perms': msg(11, b'/p\0v') + msg(14, b'/p\0n0\0r5\0', 2) + msg(3, b'/p\0', 3),
    'watch': msg(4, b'/w\0tok\0') + msg(11, b'/w/x\0v', 2) + msg(5, b'/w\0tok\0', 3),
    'txn': msg(6, b'\0') + msg(11, b'/t\0v', 2, 1) + msg(7, b'T\0', 3, 1),
    'txn-abort': msg(6, b'\0') + msg(13, b'/\0', 2, 1) + msg(7, b'F\0', 3, 1),
    'dir-part': msg(1, b'/\0') + msg(22, b'/\0\x30\0', 2),
    'domain': msg(8, b'3\0' b'4096\0' b'7\0') + msg(17, b'3\0', 2) + msg(19, b'3\0' b'4\0', 3)
              + msg(18, b'3\0', 4) + msg(9, b'3\0', 5) + msg(10, b'3\0', 6),
    'control': msg(0, b'check\0') + msg(0, b'quota\0') + msg(21, b'', 2),
    'bad-types': msg(99, b'') + msg(15, b'/x\0t\0') + msg(16, b'EINVAL\0') + msg(20, b''),
    'missing-nul': msg(2, b'/a') + msg(11, b'/a') + msg(4, b'/a\0t'),
    'oversize': struct.pack('<IIII', 2, 1, 0, 5000) + b'/a\0',
    'relative': msg(11, b'x/y\0v') + msg(2, b'x/y\0', 2),
}

for name, stream in SEEDS.items():
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(records(stream, 0))
    with open(os.path.join(HERE, name + '-guest'), 'wb') as f:
        f.write(records(stream, 1, 5))
    with open(os.path.join(HERE, name + '-ring'), 'wb') as f:
        f.write(records(stream, 2, 200))

# A guest that lies about its producer index after a valid request.
with open(os.path.join(HERE, 'ring-hostile-index'), 'wb') as f:
    f.write(records(SEEDS['write-read'], 2, 200)
            + bytes([3, 8]) + struct.pack('<II', 0, 0x10000))
