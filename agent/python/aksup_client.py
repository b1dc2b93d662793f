"""aksup_client -- the agent channel (docs/PROTOCOL.md, version 7) for
agents written in Python: one file, the standard library only.

Runs in: the agent (untrusted), under `aksup run -- python3 agent.py`.
Privilege: whatever the agent has; this module only reads and writes the
channel aksup gives the agent (a connected SOCK_SEQPACKET socket on
$AKSUP_FD, 3 by default). It is the Python twin of agent/client.h.

    from aksup_client import Client

    with Client() as c:
        a = c.submit("fs.read", "/workspace/notes.txt")
        if a.ok:
            print(a.data["content"])
        else:
            print(a.status, a.error)          # DENIED or ERROR: say why
        # many requests at once (pipelined); answers in request order
        for a in c.submit_many([("fs.read", "/workspace/a", None),
                                ("fs.list", "/workspace", None)]):
            print(a.status)
        # a model call, brokered (llm.chat: the policy decides the model)
        a = c.chat("openai/gpt-4o-mini",
                   [{"role": "user", "content": "hello"}])

Copy it beside your agent (`--ro` the file, or its directory, so the agent's
view has it), or put agent/python on PYTHONPATH.
"""

import json
import os
import socket

__all__ = ["Client", "Answer", "AksupError", "PROTOCOL_VERSION",
           "MSG_MAX", "WINDOW"]

PROTOCOL_VERSION = 7
# The largest message either way (the broker refuses a larger request;
# its answers are never larger).
MSG_MAX = 1024 * 1024
# Requests submit_many keeps unanswered at once: below the broker's 64 a
# session (docs/PROTOCOL.md §4), so a batch never waits on itself.
WINDOW = 32


class AksupError(Exception):
    """The channel broke: closed by the broker, an answer that is not one,
    a message too large. A DENIED or ERROR answer is not an exception:
    it is an Answer whose status says so."""


class Answer:
    """One answer: id, status ("OK", "DENIED", "ERROR"), data (the
    provider's result, when OK; a failed command's output too), error
    (why, when not OK) and record_id (its audit records' id)."""

    __slots__ = ("id", "status", "data", "error", "record_id", "raw")

    def __init__(self, obj):
        if not isinstance(obj, dict) or not isinstance(obj.get("status"),
                                                       str):
            raise AksupError("not an answer: %.200r" % (obj,))
        self.raw = obj
        self.id = obj.get("id")
        self.status = obj["status"]
        self.data = obj.get("data")
        self.error = obj.get("error")
        self.record_id = obj.get("record_id")

    @property
    def ok(self):
        return self.status == "OK"

    def __repr__(self):
        return "Answer(id=%r, status=%r, error=%r)" % (self.id, self.status,
                                                      self.error)


class Client:
    """The channel. Not thread-safe: one client, one thread."""

    def __init__(self, fd=None):
        if fd is None:
            fd = int(os.environ.get("AKSUP_FD", "3"))
        why = "run the agent under aksup run"
        try:
            self._sock = socket.socket(fileno=fd)
        except OSError as e:
            raise AksupError("fd %d is not the aksup channel (%s): %s" %
                             (fd, e.strerror, why)) from None
        if self._sock.type != socket.SOCK_SEQPACKET:
            self._sock.detach()
            raise AksupError("fd %d is not the aksup channel (not a "
                             "SOCK_SEQPACKET socket): %s" % (fd, why))
        self._next = 1
        self._early = {}        # answers that came before they were asked

    # -- the wire ---------------------------------------------------------

    def _send(self, req):
        text = json.dumps(req, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")
        if len(text) > MSG_MAX:
            raise AksupError("request of %d bytes: over %d" %
                             (len(text), MSG_MAX))
        self._sock.send(text)

    def _recv(self):
        data, _, flags, _ = self._sock.recvmsg(MSG_MAX + 1)
        if not data:
            raise AksupError("the broker closed the channel")
        if flags & socket.MSG_TRUNC or len(data) > MSG_MAX:
            raise AksupError("an answer over %d bytes" % MSG_MAX)
        try:
            return Answer(json.loads(data.decode("utf-8")))
        except ValueError as e:
            raise AksupError("an answer that is not JSON: %s" % e) from None

    def _request(self, action, target, params):
        rid = self._next
        self._next += 1
        req = {"id": rid, "action": action, "target": target}
        if params is not None:
            req["params"] = params
        self._send(req)
        return rid

    def _wait(self, rid):
        while rid not in self._early:
            a = self._recv()
            self._early[a.id] = a
        return self._early.pop(rid)

    # -- the calls ----------------------------------------------------------

    def submit(self, action, target, params=None):
        """One request; waits for its answer (an Answer)."""
        return self._wait(self._request(action, target, params))

    def submit_many(self, requests):
        """Pipelined: each (action, target, params) sent without waiting
        for the one before, at most WINDOW unanswered; their Answers in
        the order of the requests (the broker answers in the order the
        providers finish)."""
        requests = list(requests)
        ids, answers, sent = [], [], 0
        for action, target, params in requests:
            if sent - len(answers) >= WINDOW:
                answers.append(self._wait(ids[len(answers)]))
            ids.append(self._request(action, target, params))
            sent += 1
        while len(answers) < len(ids):
            answers.append(self._wait(ids[len(answers)]))
        return answers

    def chat(self, model, messages, tools=None, **params):
        """A model call through the broker (llm.chat, target the model
        as "provider/model"): the policy decides it, the llm worker holds
        the key; max_tokens, temperature... as keyword arguments."""
        p = dict(params)
        p["messages"] = messages
        if tools is not None:
            p["tools"] = tools
        return self.submit("llm.chat", model, p)

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
