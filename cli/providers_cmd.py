"""`gyde providers check`: every configured AI provider answers one short request, in one table.

For each vendor in GYDE_LLM / GYDE_STT / GYDE_TTS (and their *_CHAIN): a real request with the
configured keys, or a stub round trip when its base URL points at a local stub; its time to first
result, and its breaker's state after `--rounds` probes (with rounds >= GYDE_BREAKER_FAILURE_THRESHOLD
a dead vendor shows `open`, as it would in the media server). The local providers close the table:
the codec's TTS -> STT round trip, and the rule policy (nothing to call). Bad settings are the same
clear one-line error the media server gives at start-up; exit 1 when any probe failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from typing import Any

from settings import Settings, get_settings

_TARGETS = {
    ("llm", "openai"): "openai_base_url",
    ("llm", "anthropic"): "anthropic_base_url",
    ("llm", "llama"): "local_llm_base_url",
    ("stt", "deepgram"): "deepgram_url",
    ("stt", "assemblyai"): "assemblyai_url",
    ("stt", "google"): "google_stt_endpoint",
    ("stt", "openai"): "openai_base_url",
    ("tts", "elevenlabs"): "elevenlabs_base_url",
    ("tts", "openai"): "openai_base_url",
    ("tts", "google"): "google_tts_endpoint",
}
COLUMNS = ("kind", "provider", "target", "result", "first_result_ms", "breaker", "detail")


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("providers", help="The AI providers (LLM, STT, TTS) as configured.")
    provider_sub = parser.add_subparsers(dest="providers_command", required=True)
    check = provider_sub.add_parser("check", help="One short request per configured provider, timed.")
    check.add_argument("--rounds", type=int, default=1, help="probes per provider (default 1)")
    check.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    check.set_defaults(func=run_check)


def target_of(settings: Settings, kind: str, vendor: str) -> str:
    """Where the requests go: the vendor itself, or the configured URL (a stub when loopback)."""
    value = getattr(settings, _TARGETS.get((kind, vendor), ""), None)
    return str(value) if value else "vendor"


async def check(settings: Settings, rounds: int) -> list[dict[str, Any]]:
    from adapters.local_speech.providers import LocalSTT, LocalTTS
    from adapters.probe import ProbeResult, probe
    from adapters.providers import build_vendor, chosen_vendors, make_breakers

    breakers = make_breakers(settings)
    rows: list[dict[str, Any]] = []
    timeouts = {
        "llm": settings.llm_timeout_seconds,
        "stt": settings.stt_timeout_seconds,
        "tts": settings.tts_timeout_seconds,
    }
    for kind in ("llm", "stt", "tts"):
        for vendor in chosen_vendors(settings, kind):
            provider = build_vendor(settings, kind, vendor)
            result: ProbeResult | None = None
            for _ in range(rounds):
                result = await probe(kind, provider, timeouts[kind], breakers)
            assert result is not None
            rows.append(_row(result, target_of(settings, kind, vendor)))
    local_tts = LocalTTS()
    rows.append(_row(await probe("tts", local_tts, 5.0, breakers), "local codec"))
    codec_audio = local_tts.audio_for("ok")
    rows.append(_row(await probe("stt", LocalSTT(), 5.0, breakers, stt_audio=codec_audio), "local codec"))
    rows.append(
        {
            "kind": "llm",
            "provider": "local",
            "target": "rule policy",
            "result": "ok",
            "first_result_ms": None,
            "breaker": "-",
            "detail": "deterministic, in-process: nothing to call",
        }
    )
    return rows


def _row(result: Any, target: str) -> dict[str, Any]:
    row = asdict(result)
    row["result"] = "ok" if row.pop("ok") else "FAILED"
    row["target"] = target
    return {column: row[column] for column in COLUMNS}


def format_table(rows: list[dict[str, Any]]) -> str:
    cells = [[("-" if row[c] is None else str(row[c])) for c in COLUMNS] for row in rows]
    headers = [c.replace("_", " ") for c in COLUMNS]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


def run_check(args: argparse.Namespace) -> int:
    from adapters.providers import validate_providers
    from cli.common import run_async
    from security.redaction import install_redaction

    install_redaction()
    logging.getLogger("assemblyai").setLevel(logging.CRITICAL)  # its failures are rows of the table
    if args.rounds < 1:
        print("gyde providers check: --rounds must be at least 1", file=sys.stderr)
        return 2
    settings = get_settings()
    try:
        validate_providers(settings)
    except ValueError as exc:
        print(f"gyde providers check: {exc}", file=sys.stderr)
        return 2
    rows = run_async(check(settings, args.rounds))
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))
    return 0 if all(row["result"] == "ok" for row in rows) else 1
