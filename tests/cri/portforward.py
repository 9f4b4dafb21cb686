#!/usr/bin/python3
"""One connection through a CRI port-forward URL, as kubectl port-forward makes it, for the tests.

    python3 portforward.py URL PORT SEND [--timeout SECONDS]

connects to URL (what the CRI PortForward call answered, on containerd's streaming server) over WebSocket,
asks for PORT, sends the bytes of SEND (a Python string, UTF-8) to the pod's PORT, and reads until the
connection ends. Prints {"data": what the pod's server sent, "error": what came on the error channel} as JSON
and exits 0; a failed handshake or a broken protocol exits 2 with the reason on stderr.

The port-forward streaming protocol as kubelet's streaming server (which containerd embeds) speaks it over
WebSocket: the ports go in the query (?port=N), subprotocol "v4.channel.k8s.io" (binary channels); every
message starts with its channel's byte: 0 is the first port's data (both ways), 1 its error (server to
client). The first message on each channel carries the port, two bytes little-endian. The WebSocket part
(RFC 6455: the handshake, masked client frames, fragments, ping, close) is written here: python3's
standard library has none, and no client package is needed for one connection.
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import time
import urllib.parse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PROTOCOL = "v4.channel.k8s.io"
DATA, ERROR = 0, 1
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0, 1, 2, 8, 9, 10
# A message bigger than this is a server gone wrong, not one to buffer.
MAX_MESSAGE = 1 << 20


class Broken(Exception):
    pass


class WebSocket:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def frame(self):
        b0, b1 = self.read_exact(2)
        fin, opcode = b0 & 0x80, b0 & 0x0F
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self.read_exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self.read_exact(8))[0]
        if n > MAX_MESSAGE:
            raise Broken("a frame of %d bytes" % n)
        mask = self.read_exact(4) if b1 & 0x80 else None
        payload = self.read_exact(n)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return bool(fin), opcode, payload

    def message(self):
        """The next data message as (opcode, bytes), or None once the server closed."""
        parts, first = [], None
        while True:
            fin, opcode, payload = self.frame()
            if opcode == PING:
                self.send(PONG, payload)
                continue
            if opcode == PONG:
                continue
            if opcode == CLOSE:
                try:
                    self.send(CLOSE, payload[:2])
                except OSError:
                    pass
                return None
            if first is None:
                first = opcode
            parts.append(payload)
            if sum(map(len, parts)) > MAX_MESSAGE:
                raise Broken("a message over %d bytes" % MAX_MESSAGE)
            if fin:
                return first, b"".join(parts)


def handshake(url, port, timeout):
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http":
        raise Broken("only http:// URLs are spoken here: " + url)
    sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    query = (u.query + "&" if u.query else "") + "port=%d" % port
    request = ("GET %s?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n"
               % (u.path or "/", query, u.netloc, key, PROTOCOL))
    sock.sendall(request.encode())
    ws = WebSocket(sock)
    head = b""
    while b"\r\n\r\n" not in ws.buf:
        if len(ws.buf) > 65536:
            raise Broken("an endless HTTP header")
        chunk = sock.recv(4096)
        if not chunk:
            raise Broken("the server closed during the handshake: %r" % ws.buf)
        ws.buf += chunk
    head, ws.buf = ws.buf.split(b"\r\n\r\n", 1)
    lines = head.decode(errors="replace").split("\r\n")
    if " 101 " not in lines[0] + " ":
        raise Broken("no upgrade: %s (%s)" % (lines[0], ws.buf[:200]))
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    if headers.get("sec-websocket-accept") != accept:
        raise Broken("wrong Sec-WebSocket-Accept: %s" % headers.get("sec-websocket-accept"))
    return ws


def forward(url, port, send, timeout):
    ws = handshake(url, port, timeout)
    received = {DATA: b"", ERROR: b""}
    # What follows the port prefix on each channel; None until that channel's prefix came.
    seen_port = {DATA: False, ERROR: False}
    sent = False
    end = time.monotonic() + timeout
    while True:
        ws.sock.settimeout(max(0.1, end - time.monotonic()))
        try:
            m = ws.message()
        except (EOFError, ConnectionResetError):
            break
        except socket.timeout:
            raise Broken("no end within %s s; so far %r" % (timeout, received))
        if m is None:
            break
        _, payload = m
        if not payload:
            continue
        channel, body = payload[0], payload[1:]
        if channel not in received:
            raise Broken("a message on channel %d" % channel)
        received[channel] += body
        if not seen_port[channel] and len(received[channel]) >= 2:
            got = struct.unpack("<H", received[channel][:2])[0]
            if got != port:
                raise Broken("channel %d names port %d, not %d" % (channel, got, port))
            received[channel] = received[channel][2:]
            seen_port[channel] = True
        if seen_port[DATA] and not sent:
            ws.send(BINARY, bytes([DATA]) + send)
            sent = True
    if not sent:
        raise Broken("the connection ended before the data channel named its port: %r" % received)
    return received


def main():
    parser = argparse.ArgumentParser(description="One connection through a CRI port-forward URL.")
    parser.add_argument("url")
    parser.add_argument("port", type=int)
    parser.add_argument("send")
    parser.add_argument("--timeout", type=float, default=30)
    opts = parser.parse_args()
    try:
        got = forward(opts.url, opts.port, opts.send.encode(), opts.timeout)
    except (Broken, OSError) as e:
        sys.stderr.write("port-forward: %s\n" % e)
        return 2
    json.dump({"data": got[DATA].decode(errors="replace"), "error": got[ERROR].decode(errors="replace")},
              sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
