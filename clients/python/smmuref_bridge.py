"""A client of the smmuref TCP event-bus bridge, in Python 3 with only the standard library.

The wire format: every frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON.
A request is {"type": "send", "address": A, "replyAddress": R, "headers": {...}, "body": {...}}; its reply
is {"type": "message", "address": R, "body": {...}} or, for a failure,
{"type": "err", "address": R, "failureCode": errno, "message": "E<NAME>: why"}.
{"type": "register", "address": E} asks for the events published to E; they arrive as
{"type": "message", "address": E, "body": {...}} frames at any time, so replies and events are told apart
by their address.
"""

import json
import socket
import struct
import time
from collections import defaultdict, deque

__all__ = ["Bridge", "BridgeError", "RequestFailed"]


class BridgeError(Exception):
    """The bridge refused a frame or the connection broke."""


class RequestFailed(Exception):
    """A request was answered with a failure: errno (positive), name ("EBADF") and the server's message."""

    def __init__(self, address, errno, message):
        self.address = address
        self.errno = errno
        self.message = message
        self.name = message.split(":", 1)[0] if message.startswith("E") and ":" in message else str(errno)
        super().__init__(f"{address}: {message}")


class Bridge:
    """One connection to the bridge; requests block until their reply, events are kept per address."""

    MAX_FRAME = 64 << 20

    def __init__(self, host="127.0.0.1", port=7000, node="local", token=None, timeout=10.0):
        self.node = node
        self.token = token
        self.timeout = timeout
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = b""
        self._events = defaultdict(deque)
        self._seq = 0

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -------------------------------------------------------------- framing

    def _headers(self):
        return {"smmuref-token": self.token} if self.token else {}

    def send_frame(self, frame):
        payload = json.dumps(frame, separators=(",", ":")).encode("utf-8")
        self._sock.sendall(struct.pack(">I", len(payload)) + payload)

    def _recv_exact(self, n, deadline):
        while len(self._buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no frame from the bridge in time")
            self._sock.settimeout(left)
            chunk = self._sock.recv(65536)
            if not chunk:
                raise BridgeError("the server closed the connection")
            self._buf += chunk
        data, self._buf = self._buf[:n], self._buf[n:]
        return data

    def read_frame(self, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        (length,) = struct.unpack(">I", self._recv_exact(4, deadline))
        if length == 0 or length > self.MAX_FRAME:
            raise BridgeError(f"bad frame length {length}")
        return json.loads(self._recv_exact(length, deadline).decode("utf-8"))

    def _keep(self, frame):
        if frame.get("type") == "message" and isinstance(frame.get("address"), str):
            self._events[frame["address"]].append(frame.get("body"))
            return True
        return False

    # -------------------------------------------------------------- requests and events

    def address(self, op):
        """'iommufd.open' -> 'smmuref.<node>.iommufd.open'; a full address is kept."""
        return op if op.startswith("smmuref.") else f"smmuref.{self.node}.{op}"

    def request(self, op, body=None, timeout=None):
        """Sends a request and returns the reply body; raises RequestFailed with the errno on a failure."""
        self._seq += 1
        reply = f"py-{id(self)}-{self._seq}"
        address = self.address(op)
        self.send_frame({"type": "send", "address": address, "replyAddress": reply,
                         "headers": self._headers(), "body": body if body is not None else {}})
        while True:
            frame = self.read_frame(timeout)
            kind, at = frame.get("type"), frame.get("address")
            if kind == "err" and at in (None, reply):
                raise RequestFailed(address, frame.get("failureCode", -1), frame.get("message", ""))
            if kind == "message" and at == reply:
                return frame.get("body")
            self._keep(frame)

    def ping(self, timeout=None):
        """Round trip: every frame sent before it has been processed when it returns."""
        self.send_frame({"type": "ping", "headers": self._headers()})
        while True:
            frame = self.read_frame(timeout)
            if frame.get("type") == "pong":
                return
            if frame.get("type") == "err":
                raise BridgeError(frame.get("message"))
            self._keep(frame)

    def subscribe(self, address):
        """Asks for the events published to address; returns once the bridge has registered it."""
        self.send_frame({"type": "register", "address": address, "headers": self._headers()})
        self.ping()

    def next_event(self, address, timeout=None):
        """The next event body published to address, or None if none arrives in time."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self._events[address]:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                frame = self.read_frame(left)
            except TimeoutError:
                return None
            if frame.get("type") == "err":
                raise BridgeError(frame.get("message"))
            self._keep(frame)
        return self._events[address].popleft()
