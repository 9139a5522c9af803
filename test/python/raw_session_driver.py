"""Drives Keel sessions the way any Temporal client may, hostile or careless ones included: by the workflow type,
the task queue and raw JSON arguments, with nothing Keel-specific imported. Used by the trust boundary tests.

Usage: python raw_session_driver.py <address> <task-queue> <steps.json>
The steps file holds a JSON list of steps; each step's outcome is printed as a line `outcome <JSON>`:
  {"step": "start", "id": ..., "args": [input, ...]}       start agentSession with these arguments
  {"step": "signal" | "update" | "query", "id": ..., "name": ..., "args": [...]}
  {"step": "waitFor", "id": ..., "status": ...}             poll the state query until it has that status
  {"step": "result", "id": ...}                             the workflow's result or failure
  {"step": "history", "id": ...}                            the event types of the run's history
  {"step": "fuzz", "id": ..., "seed": n, "count": n}        send n random malformed arguments (see malformed_argument)
  {"step": "signalNaN", "id": ..., "name": ...}             a signal whose json/plain payload is not JSON ({"content":NaN}:
                                                            Python's json.dumps writes NaN as is)
Outcomes: {"ok": true, "value": ...} or {"ok": false, "error": {"type": ..., "message": ...}}.
"""

import asyncio
import json
import os
import random
import sys
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError, FailureError
from temporalio.service import RPCError

SIGNALS = ["userMessage", "interrupt", "resetContext", "childReport", "budgetLease"]
UPDATES = ["sendMessage", "decideToolCall", "raiseBudget", "switchProfile"]
QUERIES = ["state", "transcript"]


def describe_error(error: BaseException) -> dict:
    cause = error
    while getattr(cause, "cause", None) is not None:
        cause = cause.cause
    kind = cause.type if isinstance(cause, ApplicationError) else type(cause).__name__
    message = cause.message if isinstance(cause, (FailureError, RPCError)) else str(cause)
    return {"type": kind, "message": message[:2000], "outer": type(error).__name__}


def deep(rng: random.Random, depth: int, leaf):
    value = leaf
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"a": value}
    return value


def malformed_value(rng: random.Random):
    """One value a careless or hostile client might send anywhere."""
    choices = [
        lambda: None,
        lambda: rng.choice([True, False]),
        lambda: rng.randint(-(10**6), 10**6),
        lambda: 10 ** rng.randint(20, 400),
        lambda: -(10 ** rng.randint(20, 400)),
        lambda: rng.choice([1e306, -1e306, 5e-324, 1.7976931348623157e308]),
        lambda: rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "-0", "0x10", "null", "undefined", "", " "]),
        lambda: "\u0000" * rng.randint(1, 64),
        lambda: "a\u0000b" + "\ud7ff\ue000" * rng.randint(1, 8),
        # Just under Temporal's 2 MiB payload limit, over Keel's 1.5 MiB: the server passes these on to the worker.
        # (An update over 2 MiB is admitted by the server (1.32) and then cannot be answered; README.md, "Payload
        # limits": that is the server's to refuse, and no workflow code can.)
        lambda: "x" * (2 * 1024 * 1024 - rng.randint(4096, 65536)),
        lambda: "y" * rng.randint(1, 100_000),
        lambda: [rng.randint(0, 9) for _ in range(rng.randint(0, 50))],
        lambda: [],
        lambda: {},
        lambda: deep(rng, rng.randint(65, 400), "leaf"),
        lambda: deep(rng, rng.randint(2, 30), None),
        lambda: {"__proto__": {"polluted": True}, "constructor": {"prototype": {}}},
        lambda: {"toString": 5, "valueOf": "x"},
    ]
    return rng.choice(choices)()


def malformed_argument(rng: random.Random, name: str):
    """A malformed argument for one handler, whole under Temporal's 2 MiB payload limit.

    A shape with two large fields can add up to more than 2 MiB; the server (1.32) admits such an update and the
    worker cannot answer it (README.md, "Payload limits"): that is the server's to refuse, so it is drawn again.
    """
    while True:
        argument = malformed_argument_of_any_size(rng, name)
        if len(json.dumps(argument, default=str).encode()) < 2 * 1024 * 1024 - 4096:
            return argument


def malformed_argument_of_any_size(rng: random.Random, name: str):
    """A random value, or the right shape with wrong or extreme fields."""
    if rng.random() < 0.4:
        return malformed_value(rng)
    bad = lambda: malformed_value(rng)  # noqa: E731
    shapes = {
        "userMessage": lambda: {"content": rng.choice([bad(), [{"type": "text", "text": bad()}], [{"type": "tool_result", "tool_use_id": "toolu_x"}], [{"type": "tool_use", "id": "t", "name": "bash", "input": {}}], [], "", [{"type": "text", "text": "hi", "keel_ref": {"hash": "0" * 64, "bytes": 3}}]]), "id": rng.choice([bad(), "m"])},
        "sendMessage": lambda: {"content": rng.choice([bad(), [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "orphan"}], [{"type": "image"}], [{"type": "text", "text": ""}], [{"type": "thinking", "thinking": "x"}]]), "extra": bad()},
        "interrupt": lambda: {"reason": bad()},
        "resetContext": lambda: {"strategy": rng.choice([bad(), "compact", "clear", "wipe"]), "reason": bad()},
        "childReport": lambda: {"id": rng.choice([bad(), "session-x/agent-1"]), "status": rng.choice([bad(), "running"]), "turns": bad(), "spend": rng.choice([bad(), {"total": {"calls": 1}, "byModel": {}, "byProfile": {}}]), "caller": rng.choice([bad(), "session-x/agent-1/agent-1"]), "lease": bad()},
        "budgetLease": lambda: {"lease": rng.choice([bad(), "x" * 65, "00000000-0000-4000-8000-000000000000"]), "granted": rng.choice([bad(), True, False]), "limit": bad()},
        "decideToolCall": lambda: {"toolUseId": bad(), "approve": rng.choice([bad(), True, False]), "input": bad(), "result": bad(), "reason": bad()},
        "raiseBudget": lambda: {"maxTokens": bad(), "maxCostUsd": rng.choice([bad(), 1e306, -1, 0])},
        "switchProfile": lambda: {"profile": rng.choice([bad(), "", "no-such-profile", "test", "x" * 300]), "reason": bad()},
        "state": lambda: {"anything": bad()},
        "transcript": lambda: {"fromIndex": rng.choice([bad(), -1, 1e306, 2**53 + 1, 0.5])},
    }
    return shapes[name]()


async def fuzz(client: Client, workflow_id: str, seed: int, count: int) -> dict:
    rng = random.Random(seed)
    handle = client.get_workflow_handle(workflow_id)
    names = SIGNALS + UPDATES + QUERIES
    sent = {"signal": 0, "update": 0, "query": 0}
    refused = {"signal": 0, "update": 0, "query": 0}
    accepted_updates = []
    refusals = {}
    for index in range(count):
        # Every handler gets its share, in a seeded order, so that a failure can be rerun with the same seed.
        name = names[index % len(names)] if index < len(names) else rng.choice(names)
        argument = malformed_argument(rng, name)
        kind = "signal" if name in SIGNALS else "update" if name in UPDATES else "query"
        sent[kind] += 1
        try:
            if kind == "signal":
                await handle.signal(name, argument, rpc_timeout=timedelta(seconds=30))
            elif kind == "update":
                await asyncio.wait_for(handle.execute_update(name, argument), timeout=30)
                accepted_updates.append({"index": index, "name": name})
            else:
                await handle.query(name, argument, rpc_timeout=timedelta(seconds=30))
        except asyncio.TimeoutError:
            raise RuntimeError(f"fuzz argument {index} ({name}, seed {seed}) got no answer in 30 s")
        except Exception as error:  # a refusal, whatever the SDK calls it (update failed, query failed, RPC error)
            refused[kind] += 1
            seen = refusals.setdefault(type(error).__name__, {"count": 0, "first": str(error)[:300]})
            seen["count"] += 1
    return {"sent": sent, "refused": refused, "refusals": refusals, "acceptedUpdates": accepted_updates}


async def run_step(client: Client, task_queue: str, step: dict):
    kind = step["step"]
    if kind == "start":
        handle = await client.start_workflow("agentSession", args=step["args"], id=step["id"], task_queue=task_queue)
        return handle.id
    handle = client.get_workflow_handle(step["id"])
    if kind == "signal":
        await handle.signal(step["name"], args=step.get("args", []))
        return None
    if kind == "update":
        return await asyncio.wait_for(handle.execute_update(step["name"], args=step.get("args", [])), timeout=60)
    if kind == "query":
        return await handle.query(step["name"], args=step.get("args", []))
    if kind == "signalNaN":
        await handle.signal(step["name"], {"content": float("nan"), "reason": float("nan")})
        return None
    if kind == "waitFor":
        state = None
        for _ in range(600):
            state = await handle.query("state")
            if state["status"] == step["status"]:
                return state
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{step['id']} never reached {step['status']} (last: {state and state['status']})")
    if kind == "result":
        return await asyncio.wait_for(handle.result(), timeout=60)
    if kind == "history":
        return [EventType.Name(event.event_type) for event in (await handle.fetch_history()).events]
    if kind == "fuzz":
        return await fuzz(client, step["id"], step["seed"], step["count"])
    raise ValueError(f"unknown step {kind}")


async def main(address: str, task_queue: str, steps_file: str) -> None:
    with open(steps_file, encoding="utf-8") as file:
        steps = json.load(file)
    client = await Client.connect(address, namespace="default")
    for step in steps:
        try:
            outcome = {"ok": True, "value": await run_step(client, task_queue, step)}
        except Exception as error:  # every failure is an outcome to report, whatever its type
            outcome = {"ok": False, "error": describe_error(error)}
        print("outcome " + json.dumps(outcome), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
    sys.stdout.flush()
    # Every outcome is out. Skip interpreter finalisation, where the SDK's native threads can abort the process
    # ("PyGILState_Release: thread state ... must be current") after all the work is done.
    os._exit(0)
