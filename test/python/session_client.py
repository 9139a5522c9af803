"""A Keel session driven from Python's Temporal SDK, using only the public contract (README.md, "The public contract"):
the workflow type, the task queue, the SessionInput JSON, the sendMessage update, the state and transcript
queries, cancellation and the SessionResult. Nothing Keel-specific is imported.

Usage: python session_client.py <address> <task-queue> <workflow-id>
Prints one JSON object: the reply, the state, the transcript page and the result.
"""

import asyncio
import json
import os
import sys

from temporalio.client import Client


async def main(address: str, task_queue: str, workflow_id: str) -> None:
    client = await Client.connect(address, namespace="default")
    handle = await client.start_workflow(
        "agentSession",
        {
            "profile": "test",
            "mode": "chat",
            "system": "Answer in one line.",
            "messages": [{"role": "user", "content": "Hello from Python"}],
            "metadata": {"client": "python"},
        },
        id=workflow_id,
        task_queue=task_queue,
    )
    # The opening turn first: a message sent before it starts would join it.
    for _ in range(300):
        if (await handle.query("state"))["status"] == "waiting_for_input":
            break
        await asyncio.sleep(0.1)
    reply = await handle.execute_update("sendMessage", {"content": "What is 2 + 2?", "id": "python-message-1"})
    state = await handle.query("state")
    transcript = await handle.query("transcript", {"fromIndex": 0})
    await handle.cancel()
    result = await handle.result()
    print(json.dumps({"reply": reply, "state": state, "transcript": transcript, "result": result}))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
    # The answer is printed; leave without the interpreter's finalization, where the SDK's native runtime threads can
    # still release the GIL and abort the process ("PyGILState_Release ... finalizing", seen once in a fresh run).
    sys.stdout.flush()
    os._exit(0)
