"""The bench's peer: the same scripted conversation as a LangGraph graph with the SQLite checkpointer.

A turn is a model node asking for the bench_lookup tool, a tools node running it, and the model node answering.

Reads its configuration as JSON on stdin, talks to the same local Messages API server as the Keel runs (through the
`anthropic` SDK, streaming, no SDK retries), and prints its measurements as JSON on stdout. Each repetition runs, in
turn, a plain Python loop with no durability (the baseline in this language), the graph checkpointing to a SQLite
file, and the graph checkpointing to an in-memory SQLite database.
"""

import json
import operator
import os
import sqlite3
import sys
import time
from typing import Annotated, TypedDict

import anthropic
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph


class State(TypedDict):
    messages: Annotated[list, operator.add]


def lookup_answer(key):
    """The bench_lookup tool: the same string as bench/lib/bench-tools.ts computes."""
    checksum = 7
    for character in key:
        checksum = (checksum * 31 + ord(character)) % 1_000_003
    return f"value of {key}: {len(key)} characters, checksum {checksum}"


TOOLS = {"bench_lookup": lambda tool_input: lookup_answer(tool_input["key"])}


def reply_blocks(reply):
    blocks = []
    for block in reply.content:
        if block.type == "text":
            blocks.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            blocks.append({"type": "tool_use", "id": block.id, "name": block.name, "input": block.input})
    return blocks


def tool_results(blocks):
    return [
        {"type": "tool_result", "tool_use_id": block["id"], "content": TOOLS[block["name"]](block["input"])}
        for block in blocks
        if block["type"] == "tool_use"
    ]


def call_model(client, config, messages):
    with client.messages.stream(
        model=config["model"], max_tokens=1024, system=config["system"], messages=messages, tools=config["tools"]
    ) as stream:
        return stream.get_final_message()


def first_content(config, index, text):
    if index == 0:
        return [{"type": "text", "text": config["opening"]}, {"type": "text", "text": text}]
    return [{"type": "text", "text": text}]


def run_plain(client, config):
    messages, turns = [], []
    for index, text in enumerate(config["userMessages"]):
        started = time.perf_counter()
        messages.append({"role": "user", "content": first_content(config, index, text)})
        while True:
            blocks = reply_blocks(call_model(client, config, messages))
            messages.append({"role": "assistant", "content": blocks})
            results = tool_results(blocks)
            if not results:
                break
            messages.append({"role": "user", "content": results})
        turns.append((time.perf_counter() - started) * 1000)
    return turns


def build_graph(client, config, saver):
    def model_node(state):
        return {"messages": [{"role": "assistant", "content": reply_blocks(call_model(client, config, state["messages"]))}]}

    def tools_node(state):
        return {"messages": [{"role": "user", "content": tool_results(state["messages"][-1]["content"])}]}

    def after_model(state):
        wants_tools = any(block["type"] == "tool_use" for block in state["messages"][-1]["content"])
        return "tools" if wants_tools else END

    builder = StateGraph(State)
    builder.add_node("model", model_node)
    builder.add_node("tools", tools_node)
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", after_model, ["tools", END])
    builder.add_edge("tools", "model")
    return builder.compile(checkpointer=saver)


def run_graph(client, config, connection, thread_id):
    saver = SqliteSaver(connection)
    saver.setup()
    graph = build_graph(client, config, saver)
    run_config = {"configurable": {"thread_id": thread_id}}
    turns = []
    for index, text in enumerate(config["userMessages"]):
        started = time.perf_counter()
        graph.invoke({"messages": [{"role": "user", "content": first_content(config, index, text)}]}, run_config)
        turns.append((time.perf_counter() - started) * 1000)
    checkpoints, checkpoint_bytes = connection.execute(
        "SELECT count(*), coalesce(sum(length(checkpoint) + length(metadata)), 0) FROM checkpoints WHERE thread_id = ?",
        (thread_id,),
    ).fetchone()
    writes, write_bytes = connection.execute(
        "SELECT count(*), coalesce(sum(length(value)), 0) FROM writes WHERE thread_id = ?", (thread_id,)
    ).fetchone()
    return {
        "turnMs": turns,
        "checkpoints": checkpoints,
        "checkpointBytes": checkpoint_bytes,
        "writes": writes,
        "writeBytes": write_bytes,
    }


def main():
    config = json.load(sys.stdin)
    client = anthropic.Anthropic(api_key="bench-key", base_url=config["modelUrl"], max_retries=0)
    for path in (config["dbPath"], config["dbPath"] + "-wal", config["dbPath"] + "-shm"):
        if os.path.exists(path):
            os.remove(path)
    file_connection = sqlite3.connect(config["dbPath"], check_same_thread=False)
    memory_connection = sqlite3.connect(":memory:", check_same_thread=False)
    result = {"plain": [], "graphFile": [], "graphMemory": []}
    # Warm-up: imports, connections and the first graph compile are not what a turn costs.
    warm = dict(config, userMessages=config["userMessages"][:3])
    run_plain(client, warm)
    run_graph(client, warm, memory_connection, "warm-up")
    for repetition in range(config["repetitions"]):
        result["plain"].append(run_plain(client, config))
        result["graphFile"].append(run_graph(client, config, file_connection, f"file-{repetition}"))
        result["graphMemory"].append(run_graph(client, config, memory_connection, f"memory-{repetition}"))
    file_connection.close()
    result["dbFileBytes"] = os.path.getsize(config["dbPath"])
    result["versions"] = {
        "python": sys.version.split()[0],
        "langgraph": __import__("importlib.metadata").metadata.version("langgraph"),
        "langgraph-checkpoint-sqlite": __import__("importlib.metadata").metadata.version("langgraph-checkpoint-sqlite"),
        "anthropic": anthropic.__version__,
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
