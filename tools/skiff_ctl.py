# SPDX-License-Identifier: MIT
"""The control channel's host side (docs/CONTROL.md): frames, records and a client for dom0's toolstack."""
import hashlib
import socket
import struct

MAGIC = 0x54434B53
VERSION = 1
HDR = struct.Struct("<IHHII")
MAX_PAYLOAD = 1 << 20
REQUEST, RESPONSE, DATA, EVENT = 1, 2, 3, 4

# Xen's errno values, as the server answers them.
ERRNO_NAMES = {1: "EPERM", 2: "ENOENT", 3: "ESRCH", 5: "EIO", 12: "ENOMEM", 16: "EBUSY", 17: "EEXIST",
               19: "ENODEV", 22: "EINVAL", 28: "ENOSPC", 38: "ENOSYS", 71: "EPROTO", 95: "EOPNOTSUPP"}


class ProtocolError(Exception):
    """The peer broke the framing; the connection is useless."""


class CtlError(Exception):
    """A request the server refused: status (negative errno) and its message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _escape(value):
    out = bytearray()
    for b in value.encode() if isinstance(value, str) else bytes(value):
        if b <= 0x20 or b == 0x7F or b in (0x25, 0x3D):
            out += b"%%%02X" % b
        else:
            out.append(b)
    return bytes(out)


def _unescape(text):
    raw = text.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x25:
            if i + 2 >= len(raw):
                raise ProtocolError("short escape in %r" % text)
            out.append(int(raw[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8", "replace")


def encode_record(fields):
    """fields: a list of (key, value) pairs -> one line, as bytes."""
    return b" ".join(k.encode() + b"=" + _escape(str(v)) for k, v in fields) + b"\n"


def decode_records(payload):
    """payload bytes -> list of dicts, one per record."""
    records = []
    for line in payload.decode("utf-8", "surrogateescape").split("\n"):
        if not line:
            continue
        rec = {}
        for field in line.split(" "):
            key, sep, value = field.partition("=")
            if not sep:
                raise ProtocolError("field without '=': %r" % field)
            rec[key] = _unescape(value)
        records.append(rec)
    return records


def frame(kind, ident, payload):
    if len(payload) > MAX_PAYLOAD:
        raise ValueError("payload over 1 MiB")
    return HDR.pack(MAGIC, VERSION, kind, ident, len(payload)) + payload


def read_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ProtocolError("connection closed")
        buf += chunk
    return bytes(buf)


def read_frame(sock):
    """(kind, id, payload); raises ProtocolError on a broken stream."""
    magic, version, kind, ident, length = HDR.unpack(read_exact(sock, HDR.size))
    if magic != MAGIC:
        raise ProtocolError("bad magic %#x" % magic)
    if length > MAX_PAYLOAD:
        raise ProtocolError("frame of %d bytes" % length)
    payload = read_exact(sock, length)
    if version != VERSION:
        raise ProtocolError("peer speaks version %d" % version)
    return kind, ident, payload


class Client:
    """One connection to skiff-ctld (or straight to dom0's channel), requests answered in order."""

    def __init__(self, path, timeout=60.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.next_id = 1
        self.events = []
        self.request("hello", version=VERSION, client="skiff-xl")

    def close(self):
        self.sock.close()

    def _send(self, kind, ident, payload):
        self.sock.sendall(frame(kind, ident, payload))

    def _wait(self, ident):
        while True:
            kind, rid, payload = read_frame(self.sock)
            if kind == EVENT:
                self.events.extend(decode_records(payload))
                continue
            if kind == RESPONSE and rid == ident:
                records = decode_records(payload)
                if not records or "status" not in records[0]:
                    raise ProtocolError("response without status")
                status = int(records[0]["status"])
                if status:
                    raise CtlError(status, records[0].get("error", ERRNO_NAMES.get(-status, "failed")))
                return records

    def request(self, op, **args):
        """Returns the response's records (the first is the status record); raises CtlError on failure."""
        ident = self.next_id
        self.next_id += 1
        fields = [("op", op)] + [(k, v) for k, v in args.items() if v is not None]
        self._send(REQUEST, ident, encode_record(fields))
        return self._wait(ident)

    def put_or_reuse(self, name, data, checked=True):
        """A blob of data: the one dom0 still keeps under its digest (a restartable domain's kernel or ramdisk,
        not sent again), else uploaded. Returns (blob id, True if reused)."""
        try:
            if data:
                r = self.request("reuse", name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())
                return int(r[0]["blob"]), True
        except CtlError as e:
            if e.status not in (-2, -38):  # ENOENT: not kept; ENOSYS: an older dom0
                raise
        return self.put(name, data, checked=checked), False

    def put(self, name, data, checked=True):
        """Uploads bytes; returns the blob id. The data frames follow even if dom0 refuses early.
        checked=False: dom0 takes the digest computed here as the data's name without hashing it again
        (check=0; docs/CONTROL.md says why that is safe)."""
        ident = self.next_id
        self.next_id += 1
        fields = [("op", "put"), ("name", name), ("size", len(data)), ("sha256", hashlib.sha256(data).hexdigest())]
        head = encode_record(fields + ([] if checked else [("check", 0)]))
        self._send(REQUEST, ident, head)
        for off in range(0, len(data), MAX_PAYLOAD):
            self._send(DATA, ident, data[off:off + MAX_PAYLOAD])
        return int(self._wait(ident)[0]["blob"])
