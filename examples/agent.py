#!/usr/bin/env python3
"""examples/agent.py -- the smallest agent: the Python standard library
only, speaking docs/PROTOCOL.md on the channel aksup gives it.

    aksup run --policy configs/restrictive.yaml --ro examples/agent.py \\
        -- python3 examples/agent.py

It reads /workspace/notes.txt through the broker, asks for something the
policy denies, prints each answer, and exits 0 when both came back as
the policy says.
"""
import json
import os
import socket

# The broker's channel: a connected SOCK_SEQPACKET socket on $AKSUP_FD.
# One message is one JSON object; receive into a 1 MiB buffer (a smaller
# one would silently cut a long answer).
chan = socket.socket(fileno=int(os.environ["AKSUP_FD"]))


def call(rid, action, target, params=None):
    req = {"id": rid, "action": action, "target": target}
    if params is not None:
        req["params"] = params
    chan.send(json.dumps(req).encode())
    answer = json.loads(chan.recv(1 << 20))
    print(f"{action} {target}: {answer['status']}"
          f" {answer['data'] if answer['status'] == 'OK' else answer['error']}")
    return answer


read = call(1, "fs.read", "/workspace/notes.txt")
denied = call(2, "fs.read", "/etc/shadow")
# The agent cannot go around the broker: its view has no /workspace.
print("open /workspace/notes.txt itself:",
      "opened" if os.path.exists("/workspace/notes.txt") else "not there")
ok = denied["status"] == "DENIED" and read["status"] in ("OK", "ERROR")
raise SystemExit(0 if ok else 1)
