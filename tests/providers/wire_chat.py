"""Chat Completions streams as OpenAI-compatible servers (Ollama, vLLM, llama.cpp) send them:
`data: <chat.completion.chunk json>` messages, a usage-only chunk when `include_usage` was asked
for, then `data: [DONE]`. Errors are the OpenAI error body with the HTTP status."""

from __future__ import annotations

import json
from typing import Any

MODEL = "llama3.1:8b-instruct-q4_K_M"


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-417",
        "object": "chat.completion.chunk",
        "created": 1764590000,
        "model": MODEL,
        "system_fingerprint": "fp_ollama",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def _usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "id": "chatcmpl-417",
        "object": "chat.completion.chunk",
        "created": 1764590000,
        "model": MODEL,
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def chat_sse(chunks: list[dict[str, Any]], done: bool = True) -> list[bytes]:
    out = [f"data: {json.dumps(c)}\n\n".encode() for c in chunks]
    return out + ([b"data: [DONE]\n\n"] if done else [])


def chat_text_chunks(parts: list[str], usage: tuple[int, int] = (61, 8)) -> list[dict[str, Any]]:
    chunks = [_chunk({"role": "assistant", "content": ""})]
    chunks += [_chunk({"content": part}) for part in parts]
    return [*chunks, _chunk({}, "stop"), _usage(*usage)]


def chat_tool_chunks(
    call_id: str, name: str, arg_parts: list[str], usage: tuple[int, int] = (95, 21)
) -> list[dict[str, Any]]:
    first = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
        ],
    }
    chunks = [_chunk(first)]
    chunks += [_chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}) for part in arg_parts]
    return [*chunks, _chunk({}, "tool_calls"), _usage(*usage)]


def chat_error_body(status: int) -> dict[str, Any]:
    if status == 429:
        return {"error": {"message": "server busy", "type": "rate_limit_error", "code": 429}}
    if status == 404:
        return {"error": {"message": "model not found", "type": "not_found_error", "code": 404}}
    return {"error": {"message": "backend crashed", "type": "server_error", "code": status}}
