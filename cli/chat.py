"""`gyde chat`: talk to Emma in a terminal, or script a conversation through standard input.

Interactive (a TTY): shows each reply with the stage and the tool calls as they happen.
Scripted (stdin not a TTY): one caller line per input line, each reply printed on one line
starting with `Emma:`; with --json one final JSON line {final_stage, outcome, tool_calls,
blocked, prompt_version}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from adapters.llm.base import LLMProvider
from conversation.context import ClientRecord
from conversation.engine import ConversationEngine, TurnResult
from conversation.state import Action


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("chat", help="talk to Emma in the terminal (offline by default)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--client", metavar="ID", help="client id to load from the database")
    source.add_argument("--client-file", metavar="F", type=Path, help="client record as JSON (no database)")
    parser.add_argument("--llm", choices=("local", "openai", "anthropic", "llama"), default="local")
    parser.add_argument("--json", action="store_true", help="end with one JSON summary line")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_chat(args, sys.stdin, sys.stdout))
    except ChatSetupError as exc:
        print(f"gyde chat: {exc}", file=sys.stderr)
        return 2


class ChatSetupError(Exception):
    """Bad input before the conversation starts (file, record, provider)."""


def _load_record(path: Path) -> ClientRecord:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChatSetupError(f"no such client file: {path}") from None
    except json.JSONDecodeError as exc:
        raise ChatSetupError(f"{path} is not valid JSON: {exc}") from None
    try:
        return ClientRecord.model_validate(raw)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) + f" ({e['msg']})" for e in exc.errors())
        raise ChatSetupError(f"{path}: invalid client record: {fields}") from None


def _provider(name: str) -> LLMProvider | None:
    if name == "local":
        return None
    from settings import get_settings

    settings = get_settings()
    if name == "llama":  # a model on your own hardware (GYDE_LOCAL_LLM_BASE_URL)
        from adapters.providers import build_vendor

        try:
            return build_vendor(settings, "llm", "llama")  # type: ignore[return-value]
        except ValueError as exc:
            raise ChatSetupError(str(exc)) from None
    if name == "openai":
        from adapters.llm.openai_llm import OpenAILLM

        if not settings.openai_api_key.get_secret_value():
            raise ChatSetupError("--llm openai needs GYDE_OPENAI_API_KEY")

        return OpenAILLM(
            settings.openai_api_key.get_secret_value(), settings.openai_model, settings.llm_timeout_seconds
        )
    from adapters.llm.anthropic_llm import AnthropicLLM

    try:
        return AnthropicLLM(
            settings.anthropic_api_key.get_secret_value(),
            settings.anthropic_model,
            settings.llm_timeout_seconds,
        )
    except ValueError as exc:
        raise ChatSetupError(str(exc)) from None


async def _engine_for(args: argparse.Namespace) -> ConversationEngine:
    llm = _provider(args.llm)
    if args.client:
        return await _db_engine(args.client, llm)
    if args.client_file is None:
        from conversation.personas import SIM_CLIENT

        record = SIM_CLIENT.model_copy(update={"client_id": "demo-client"})
    else:
        record = _load_record(args.client_file)
    from conversation.session import build_text_session

    return build_text_session(record, llm=llm).engine


async def _db_engine(client_id: str, llm: LLMProvider | None) -> ConversationEngine:
    from conversation.agent_data import BrokerCalendar, CachedAgentData, utc_now
    from conversation.fake_call_control import FakeCallControl
    from conversation.prompts import PromptCatalog
    from db.repositories.agent_data import SqlAgentData, agent_actor, broker_calendar, load_agent_view
    from db.repositories.errors import NotFound
    from db.session import Database
    from settings import get_settings

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        context, identity = await load_agent_view(
            db, client_id, actor=agent_actor(f"chat-{client_id}"), callback_number=settings.callback_number
        )
    except NotFound as exc:
        await db.dispose()
        raise ChatSetupError(str(exc)) from None
    hours, taken = await broker_calendar(db, context.broker_id, utc_now())
    control = FakeCallControl(context.broker_id, BrokerCalendar(hours, taken=set(taken)))
    prompt = PromptCatalog.load().for_call(context.campaign_id, context.client_id) if llm else None
    data = CachedAgentData(SqlAgentData(db, campaign_id=context.campaign_id))
    return ConversationEngine(context, identity, control, data, llm=llm, prompt=prompt)


def _tool_line(action: Action) -> str:
    if action.kind == "stage":
        return f"  [stage -> {action.name}]"
    status = "ok" if action.ok else f"error: {action.error}"
    return f"  [tool {action.name}({json.dumps(action.arguments)}) {status}]"


def _show(result: TurnResult, out: TextIO, interactive: bool) -> None:
    if interactive:
        for action in result.actions:
            print(_tool_line(action), file=out)
        for blocked in result.blocked:
            print(f"  [guardrail blocked: {', '.join(blocked.reasons)}]", file=out)
        print(f"({result.stage.value}) Emma: {result.reply_text}", file=out)
    elif result.reply_text:
        print(f"Emma: {result.reply_text}", file=out)
    out.flush()


async def _chat(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    engine = await _engine_for(args)
    interactive = stdin.isatty()
    if interactive:
        print("Talking to Emma. Ctrl-D hangs up.", file=out)
    _show(await engine.start(), out, interactive)
    while not engine.ended:
        if interactive:
            print("You: ", end="", file=out, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        if not line.strip():
            continue
        _show(await engine.turn(line.strip()), out, interactive)
    if not engine.ended:
        await engine.hangup()
    if interactive:
        print(f"[call ended: {engine.state.outcome.value if engine.state.outcome else 'none'}]", file=out)
    if args.json:
        print(json.dumps(summary(engine)), file=out)
    return 0


def summary(engine: ConversationEngine) -> dict[str, Any]:
    state = engine.state
    return {
        "final_stage": engine.stage.value,
        "outcome": state.outcome.value if state.outcome else None,
        "tool_calls": [a.as_json() for a in state.actions if a.kind == "tool"],
        "blocked": [{"text": b.text, "reasons": list(b.reasons)} for b in state.blocked],
        "stages": [s.value for s in state.machine.history],
        "prompt_version": engine.prompt_version,
        "providers": engine.providers_used,
    }
