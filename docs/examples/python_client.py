#!/usr/bin/env python3
"""Minimal fixgate upstream client, standard library only: log in, send one limit order, print
every event about it until it is filled (or rejected, or 10 s pass).

    FIXGATE_DEMO_TOKEN=demo-token python3 docs/examples/python_client.py [HOST:PORT]

FIXGATE_CLIENT names the client to log in as (default: demo, as in config/fixgate.yaml).

The protocol is spec/upstream-protocol.md: one JSON object per line each way; prices and
quantities are decimal strings, never floats.
"""
import json
import os
import socket
import sys
import time


def main():
    host, port = (sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:7001").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    lines = sock.makefile("r", encoding="utf-8")

    def send(request):
        sock.sendall((json.dumps(request) + "\n").encode())

    send({"op": "hello", "client": os.environ.get("FIXGATE_CLIENT", "demo"),
          "token": os.environ.get("FIXGATE_DEMO_TOKEN", "demo-token")})
    welcome = json.loads(lines.readline() or "{}")
    if welcome.get("event") != "welcome":
        sys.exit(f"login failed: {welcome}")

    cloid = f"py-{int(time.time() * 1000)}"
    send({"op": "new", "id": cloid, "client_order_id": cloid, "account": "ACC1", "symbol": "7203",
          "side": "buy", "type": "limit", "tif": "day", "qty": "100", "price": "2500.5"})

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        line = lines.readline()
        if not line:
            sys.exit("connection closed")
        event = json.loads(line)
        if event.get("client_order_id") != cloid and event.get("id") != cloid:
            continue  # another order's event on the shared stream
        print(line, end="")
        if event["event"] in ("rejected", "error"):
            sys.exit(1)
        if event["event"] == "execution" and event["status"] == "filled":
            return
    sys.exit("timed out before the order was filled")


if __name__ == "__main__":
    main()
