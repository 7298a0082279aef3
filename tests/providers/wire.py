"""Streams in the vendors' recorded wire formats (event names, payload shapes, SSE framing).

OpenAI Responses SSE: `event: <type>` + `data: <json with the same type and a sequence_number>`;
Anthropic Messages SSE: `event: <type>` + `data: <json>`, with `ping` events interleaved.
"""

from __future__ import annotations

import json
from typing import Any

MODEL = "gpt-4.1-mini-2025-04-14"
CLAUDE = "claude-sonnet-4-5-20250929"


def sse(events: list[dict[str, Any]]) -> list[bytes]:
    """One SSE message per chunk, as both vendors send them."""
    return [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]


# --- OpenAI Responses ---------------------------------------------------------------------------


def _response(
    status: str, output: list[dict[str, Any]], usage: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "id": "resp_0a1b2c3d4e5f",
        "object": "response",
        "created_at": 1763940000,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": 300,
        "model": MODEL,
        "output": output,
        "parallel_tool_calls": True,
        "store": False,
        "temperature": 0.3,
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
        "metadata": {},
    }


def _usage(inp: int, out: int) -> dict[str, Any]:
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": inp + out,
    }


class _Seq:
    def __init__(self) -> None:
        self.n = -1

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.n += 1
        return {**event, "sequence_number": self.n}


def openai_text_events(parts: list[str], usage: tuple[int, int] = (42, 7)) -> list[dict[str, Any]]:
    seq = _Seq()
    msg_id = "msg_0a1b2c"
    text = "".join(parts)
    message_done = {
        "id": msg_id,
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }
    events = [
        seq({"type": "response.created", "response": _response("in_progress", [])}),
        seq({"type": "response.in_progress", "response": _response("in_progress", [])}),
        seq(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {
                    "id": msg_id,
                    "type": "message",
                    "status": "in_progress",
                    "role": "assistant",
                    "content": [],
                },
            }
        ),
        seq(
            {
                "type": "response.content_part.added",
                "item_id": msg_id,
                "output_index": 0,
                "content_index": 0,
                "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []},
            }
        ),
    ]
    for part in parts:
        events.append(
            seq(
                {
                    "type": "response.output_text.delta",
                    "item_id": msg_id,
                    "output_index": 0,
                    "content_index": 0,
                    "delta": part,
                    "logprobs": [],
                }
            )
        )
    events += [
        seq(
            {
                "type": "response.output_text.done",
                "item_id": msg_id,
                "output_index": 0,
                "content_index": 0,
                "text": text,
                "logprobs": [],
            }
        ),
        seq(
            {
                "type": "response.content_part.done",
                "item_id": msg_id,
                "output_index": 0,
                "content_index": 0,
                "part": message_done["content"][0],
            }
        ),
        seq({"type": "response.output_item.done", "output_index": 0, "item": message_done}),
        seq(
            {"type": "response.completed", "response": _response("completed", [message_done], _usage(*usage))}
        ),
    ]
    return events


def openai_tool_events(
    call_id: str, name: str, arg_parts: list[str], usage: tuple[int, int] = (80, 19)
) -> list[dict[str, Any]]:
    seq = _Seq()
    item_id = "fc_0a1b2c"
    args = "".join(arg_parts)
    item = {
        "id": item_id,
        "type": "function_call",
        "status": "in_progress",
        "arguments": "",
        "call_id": call_id,
    }
    item["name"] = name
    done = {**item, "status": "completed", "arguments": args}
    events = [
        seq({"type": "response.created", "response": _response("in_progress", [])}),
        seq({"type": "response.output_item.added", "output_index": 0, "item": item}),
    ]
    for part in arg_parts:
        events.append(
            seq(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item_id,
                    "output_index": 0,
                    "delta": part,
                }
            )
        )
    events += [
        seq(
            {
                "type": "response.function_call_arguments.done",
                "item_id": item_id,
                "output_index": 0,
                "name": name,
                "arguments": args,
            }
        ),
        seq({"type": "response.output_item.done", "output_index": 0, "item": done}),
        seq({"type": "response.completed", "response": _response("completed", [done], _usage(*usage))}),
    ]
    return events


def openai_error_body(status: int) -> dict[str, Any]:
    kinds = {429: ("rate_limit_exceeded", "requests"), 500: ("server_error", "server_error")}
    code, kind = kinds.get(status, ("invalid_request_error", "invalid_request_error"))
    return {"error": {"message": "scripted failure", "type": kind, "param": None, "code": code}}


# --- Anthropic Messages -------------------------------------------------------------------------


def _message_start(input_tokens: int) -> dict[str, Any]:
    return {
        "type": "message_start",
        "message": {
            "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
            "type": "message",
            "role": "assistant",
            "model": CLAUDE,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": 1},
        },
    }


def anthropic_text_events(parts: list[str], usage: tuple[int, int] = (51, 9)) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        _message_start(usage[0]),
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
    ]
    for part in parts:
        events.append(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": part}}
        )
    events += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": usage[1]},
        },
        {"type": "message_stop"},
    ]
    return events


def anthropic_tool_events(
    lead_text: str, tool_id: str, name: str, json_parts: list[str], usage: tuple[int, int] = (120, 33)
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        _message_start(usage[0]),
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": lead_text}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": tool_id, "name": name, "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": ""},
        },
    ]
    for part in json_parts:
        events.append(
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "input_json_delta", "partial_json": part},
            }
        )
    events += [
        {"type": "content_block_stop", "index": 1},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": usage[1]},
        },
        {"type": "message_stop"},
    ]
    return events


def anthropic_error_body(status: int) -> dict[str, Any]:
    kinds = {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}
    return {
        "type": "error",
        "error": {"type": kinds.get(status, "invalid_request_error"), "message": "scripted"},
    }
