"""An app of Keel's HTTP API with nothing of Keel's code: Python's standard library only (urllib, json).

Starts a session that may call the `note` tool only with a person's approval, reads its event stream by hand
(Server-Sent Events: `id:`, `event:`, `data:` lines, a blank line ends an event), approves the call when
`approval_requested` arrives, and checks that each turn's `text_delta` texts concatenate to the text `turn_end`
gives. Prints one JSON object with what it saw.

Usage: stream_and_approve.py <base url> <token>
"""
import json
import sys
import urllib.request

base, token = sys.argv[1], sys.argv[2]


def call(method, path, body=None):
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def events(path):
    """Yields (id, name, data) for each event of the stream at `path`, until the server ends it."""
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token, "Accept": "text/event-stream"})
    with urllib.request.urlopen(request, timeout=60) as response:
        event_id, name, data = None, None, []
        for raw in response:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data:
                    yield event_id, name, json.loads("\n".join(data))
                event_id, name, data = None, None, []
            elif line.startswith(":"):
                continue
            else:
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "id":
                    event_id = value
                elif field == "event":
                    name = value
                elif field == "data":
                    data.append(value)


status, created = call(
    "POST",
    "/v1/sessions",
    {
        "profile": "test",
        "tools": ["note"],
        "approval": {"tools": ["note"]},
        "messages": [{"role": "user", "content": "Take a note, then tell me about it."}],
    },
)
session = created["id"]
deltas = {}
turn_texts = {}
seen = []
approved = []
end = None
for event_id, name, data in events("/v1/sessions/" + session + "/events"):
    seen.append(name)
    if name == "text_delta":
        deltas[data["turn"]] = deltas.get(data["turn"], "") + data["text"]
    elif name == "retry":
        deltas[data["turn"]] = ""
    elif name == "turn_end":
        turn_texts[data["turn"]] = data["text"]
    elif name == "approval_requested":
        decision_status, decision = call(
            "POST", "/v1/sessions/" + session + "/tool-decisions", {"toolUseId": data["toolUseId"], "approve": True}
        )
        approved.append({"status": decision_status, "toolUseId": decision["toolUseId"], "tool": decision["tool"]})
    elif name == "session_end":
        end = data

print(
    json.dumps(
        {
            "created": {"status": status, "id": session},
            "approved": approved,
            "turnTexts": turn_texts,
            "deltaTexts": {str(turn): text for turn, text in deltas.items()},
            "deltasMatch": all(deltas.get(int(turn), "") == text for turn, text in turn_texts.items()),
            "events": seen,
            "end": end,
        }
    )
)
