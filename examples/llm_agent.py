#!/usr/bin/env python3
"""examples/llm_agent.py -- an LLM agent in Python that runs unchanged
under aksup: its model calls go through the broker (llm.chat: the policy
decides the model, the llm worker holds the key), its tool calls are
requests the broker decides, pipelined, and a DENIED tool call goes back
to the model as the tool's result. The standard library and
agent/python/aksup_client.py only.

Offline, on the demo transcript (the replay model):

    aksup run --policy configs/restrictive.yaml \\
        --llm-replay examples/analyst/analyst.jsonl \\
        --ro agent/python --ro examples/llm_agent.py \\
        -- python3 examples/llm_agent.py "Summarize /workspace/data.csv"

With a real model (the key stays with aksup; the agent never sees it):

    OPENAI_API_KEY=sk-... aksup run --policy my-policy.yaml \\
        --ro agent/python --ro examples/llm_agent.py \\
        -- python3 examples/llm_agent.py --model openai/gpt-4o-mini "..."
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "agent", "python"))
from aksup_client import Client  # noqa: E402

# Each tool: its JSON Schema for the model, and how a call becomes a
# request: the action, the argument that is the target, the rest params.
TOOLS = {
    "read_file": ("fs.read", "path", {"path": {"type": "string"}}),
    "write_file": ("fs.write", "path", {"path": {"type": "string"},
                                        "content": {"type": "string"}}),
    "http_request": ("net.http", "url", {"url": {"type": "string"},
                                         "method": {"type": "string"},
                                         "body": {"type": "string"}}),
}


def offered():
    return [{"type": "function", "function": {
        "name": name, "description": f"{action}: {target} is the target",
        "parameters": {"type": "object", "properties": props,
                       "required": [target]}}}
        for name, (action, target, props) in TOOLS.items()]


def request(call):
    """A model's tool call as (action, target, params), or an error."""
    fn = call.get("function", {})
    if fn.get("name") not in TOOLS:
        return f"error: no tool named {fn.get('name')!r}"
    action, target, _ = TOOLS[fn["name"]]
    try:
        args = json.loads(fn.get("arguments") or "{}")
    except ValueError as e:
        return f"error: the arguments are not JSON ({e})"
    if not isinstance(args, dict) or not isinstance(args.get(target), str):
        return f"error: the argument {target!r} is missing"
    return (action, args.pop(target), args)


def result(answer):
    if answer.ok:
        d = answer.data
        return d if isinstance(d, str) else json.dumps(d)
    return f"{answer.status}: {answer.error}"


def main():
    argv = sys.argv[1:]
    model = "replay/analyst"
    if argv[:1] == ["--model"]:
        model, argv = argv[1], argv[2:]
    msgs = [{"role": "system", "content": "You are a careful analyst."},
            {"role": "user", "content": " ".join(argv) or "Say hello."}]
    with Client() as c:
        for _ in range(10):
            a = c.chat(model, msgs, tools=offered(), max_tokens=1024)
            if not a.ok:
                print(f"model call {a.status}: {a.error}", file=sys.stderr)
                return 1
            msg = a.data["message"]
            msgs.append(msg)
            calls = msg.get("tool_calls", [])
            if not calls:
                print(msg.get("content") or "")
                return 0
            reqs = [request(tc) for tc in calls]
            sent = [r for r in reqs if isinstance(r, tuple)]
            answers = iter(c.submit_many(sent))
            for tc, r in zip(calls, reqs):
                text = r if isinstance(r, str) else result(next(answers))
                if isinstance(r, tuple):
                    print(f"  {r[0]} {r[1]}: {text[:60]!r}", file=sys.stderr)
                msgs.append({"role": "tool", "tool_call_id": tc["id"],
                             "content": text[:16384]})
    print("stopped: too many turns", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
