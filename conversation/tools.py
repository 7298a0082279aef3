"""Emma's tools: JSON-schema specs for the model, pydantic-validated arguments and results, and
one executor. A failing tool becomes an error result the model reads; it never breaks a turn.

Bookings, callbacks, opt-outs, transfers and call ends go through CallControl, i.e. through the
workflow's validated updates and signals, so durable writes stay with the workflow.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar, get_type_hints
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from adapters.llm.base import ChatMessage, ToolCall, ToolSpec
from conversation.agent_data import AgentDataPort, Availability, Clock, EligibilityResult, PriceQuote
from conversation.booking_guard import caller_chose
from conversation.context import AgentContext
from conversation.nlu.times import parse_time_request
from conversation.speech_text import speak_datetime
from conversation.stages import can_move
from conversation.state import Action, CallState
from conversation.time_parse import resolve_callback_time, resolve_request
from conversation.tool_models import (
    AvailabilityArgs,
    AvailabilityOut,
    BookingOut,
    CallbackArgs,
    CallbackOut,
    DncOut,
    EligibilityArgs,
    EndCallArgs,
    EndOut,
    InterpretTimeArgs,
    InterpretTimeOut,
    NoArgs,
    NoteOut,
    NotesArgs,
    PricingArgs,
    ScheduleArgs,
    SlotOut,
    ToolArgs,
    ToolError,
    TransferOut,
)
from domain.call_control import BookingRejected, CallControl
from domain.calling_window import is_within_window, next_window_open
from domain.enums import CallResult, Stage
from domain.messages import CallingWindow

logger = logging.getLogger(__name__)

MAX_SLOTS_RETURNED = 6


_SSN = re.compile(r"\b\d{3}[- ]?\d{2}[- ]?\d{4}\b")


def _inline(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """Resolve $ref and drop titles: both vendors accept plain nested JSON schema best."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(defs[schema["$ref"].split("/")[-1]], defs)
        if "anyOf" in schema:
            options = [o for o in schema["anyOf"] if o != {"type": "null"}]
            if len(options) == 1:
                rest = {k: v for k, v in schema.items() if k not in ("anyOf", "title", "default")}
                return {**_inline(options[0], defs), **rest}
        return {k: _inline(v, defs) for k, v in schema.items() if k not in ("title", "$defs")}
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    return schema


def tool_schema(model: type[BaseModel]) -> dict[str, Any]:
    raw = model.model_json_schema()
    schema = _inline(raw, raw.get("$defs", {}))
    schema.setdefault("properties", {})
    schema["additionalProperties"] = False
    return dict(schema)


@dataclass(frozen=True)
class ToolDef:
    """One agent tool, declared once on its handler (as LiveKit's `@function_tool` does): its
    name, what the model is told, its argument model (the handler's parameter type), whether it
    needs a verified caller, and the stage a success moves the call to."""

    name: str
    description: str
    args: type[ToolArgs]
    handler: str
    needs_verification: bool = False
    advances_to: Stage | None = None

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(name=self.name, description=self.description, parameters=tool_schema(self.args))


_Handler = TypeVar("_Handler", bound=Callable[..., Awaitable[BaseModel]])


def tool(
    name: str, description: str, *, needs_verification: bool = False, advances_to: Stage | None = None
) -> Callable[[_Handler], _Handler]:
    """Declare a ToolBox method as the tool `name`; its one argument's type is the argument model."""

    def declare(handler: _Handler) -> _Handler:
        args = next(t for p, t in get_type_hints(handler).items() if p not in ("self", "return"))
        handler.__tool__ = ToolDef(name, description, args, handler.__name__, needs_verification, advances_to)  # type: ignore[attr-defined]
        return handler

    return declare


async def advance_stage(state: CallState, control: CallControl, target: Stage) -> bool:
    """Move to `target` if the table allows it from here, tell the workflow, record it."""
    if state.machine.stage is target or not can_move(state.machine.stage, target):
        return False
    state.machine.move(target)
    state.actions.append(Action(kind="stage", name=target.value))
    try:
        await control.stage_changed(target)
    except Exception:  # a lost stage signal must not break the conversation
        logger.exception("stage_changed signal failed")
    return True


def summary_for(state: CallState, result: CallResult) -> str:
    """The PHI-free call summary the workflow stores: result, stage and tool names only."""
    tools = sorted({a.name for a in state.actions if a.kind == "tool" and a.ok})
    return f"result={result.value}; stage={state.machine.stage.value}; tools={','.join(tools) or 'none'}"


class ToolBox:
    """Runs tools for one call against its context, state, data port and call control."""

    def __init__(
        self,
        context: AgentContext,
        state: CallState,
        data: AgentDataPort,
        control: CallControl,
        clock: Clock,
        window: CallingWindow | None = None,
    ) -> None:
        self.context = context
        self.state = state
        self.data = data
        self.control = control
        self.clock = clock
        self.window = window or CallingWindow()

    async def call(self, name: str, arguments: dict[str, Any] | None = None) -> tuple[bool, dict[str, Any]]:
        """Validate, run and record one tool call: (ok, JSON-able result or {'error': ...})."""
        arguments = dict(arguments or {})
        try:
            declared = TOOLS.get(name)
            if declared is None:
                raise ToolError(f"unknown tool {name!r}")
            if declared.needs_verification and not self.state.verified:
                raise ToolError("identity not verified yet: verify name and date of birth first")
            if self.state.ended:
                raise ToolError("the call has ended")
            try:
                args = declared.args.model_validate(arguments)
            except ValidationError as exc:
                raise ToolError(_validation_message(exc)) from None
            result = await getattr(self, declared.handler)(args)
            content = result.model_dump(mode="json")
        except ValidationError as exc:  # the data source answered something malformed
            logger.warning("tool %s got an invalid result: %d errors", name, exc.error_count())
            return self._record(
                name, arguments, False, error=f"{name} is unavailable right now (invalid result)"
            )
        except (ToolError, BookingRejected, LookupError) as exc:
            return self._record(name, arguments, False, error=str(exc))
        except Exception as exc:  # a broken data source is fed back, the call goes on
            logger.exception("tool %s failed", name)
            return self._record(
                name, arguments, False, error=f"{name} is unavailable right now ({type(exc).__name__})"
            )
        if declared.advances_to is not None:
            await advance_stage(self.state, self.control, declared.advances_to)
        return self._record(name, arguments, True, result=content)

    async def execute(self, call: ToolCall) -> ChatMessage:
        """A model's tool call -> the tool message to send back to it. A model may book only a
        slot the caller chose (booking_guard); the local policy confirms every slot itself."""
        if call.name == "schedule_appointment" and not self._caller_chose(call.arguments):
            ok, content = self._record(
                call.name,
                dict(call.arguments),
                False,
                error="the caller has not chosen that time: say its day and time and ask them to confirm first",
            )
            return ChatMessage(role="tool", content=json.dumps(content), tool_call_id=call.id, name=call.name)
        ok, content = await self.call(call.name, call.arguments)
        return ChatMessage(role="tool", content=json.dumps(content), tool_call_id=call.id, name=call.name)

    def _caller_chose(self, arguments: dict[str, Any]) -> bool:
        try:
            slot = datetime.fromisoformat(str(arguments.get("slot_start", "")))
        except ValueError:
            return True  # malformed: validation answers it
        if slot.tzinfo is None:
            return True
        return caller_chose(slot, self.state, self.context.timezone)

    def _record(
        self,
        name: str,
        arguments: dict[str, Any],
        ok: bool,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> tuple[bool, dict[str, Any]]:
        safe_args = json.loads(json.dumps(arguments, default=str))
        self.state.actions.append(Action("tool", name, safe_args, ok, result, error))
        return ok, (result if ok and result is not None else {"error": error or "failed"})

    # --- handlers ---------------------------------------------------------------------------

    @tool(
        "interpret_time",
        "Read a day and time in the caller's own words, in their time zone: the days, an exact time or "
        "a range, and the first matching instant. Use it before check_broker_availability (near, "
        "earliest, latest) or request_callback; read the result back if needs_confirmation.",
    )
    async def _interpret_time(self, args: InterpretTimeArgs) -> InterpretTimeOut:
        zone = ZoneInfo(self.context.timezone)
        request = parse_time_request(args.words, self.clock().astimezone(zone).date())
        resolved = resolve_request(request, self.clock(), self.context.timezone, self.window)
        if resolved is not None:
            self.state.facts.caller_times.add(resolved.at)
        return InterpretTimeOut(
            days=list(request.days or ()),
            clock=request.clock,
            earliest=request.earliest,
            latest=request.latest,
            instant=resolved.at if resolved else None,
            spoken=speak_datetime(resolved.local) if resolved else "",
            needs_confirmation=bool(resolved and resolved.ambiguous),
        )

    @tool(
        "get_client_eligibility",
        "Is the client eligible for a product? Only after identity is verified.",
        needs_verification=True,
        advances_to=Stage.QUALIFY,
    )
    async def _eligibility(self, args: EligibilityArgs) -> EligibilityResult:
        if args.client_id != self.context.client_id:
            raise ToolError("client_id does not match the client on this call")
        result = EligibilityResult.model_validate(
            await self.data.eligibility(args.client_id, args.product_type)
        )
        self.state.facts.eligibility[args.product_type] = result.eligible
        return result

    @tool(
        "get_product_pricing",
        "Monthly premium of a product. The only source of any price you say.",
        needs_verification=True,
        advances_to=Stage.QUALIFY,
    )
    async def _pricing(self, args: PricingArgs) -> PriceQuote:
        quote = PriceQuote.model_validate(
            await self.data.pricing(args.product, args.coverage_level, args.has_spouse)
        )
        if quote.product != args.product or quote.coverage_level != args.coverage_level:
            raise ToolError("pricing source answered a different product")
        self.state.facts.prices.add(quote.monthly_premium)
        return quote

    @tool(
        "check_broker_availability",
        "Free appointment slots of the client's broker. The only source of any time slot you offer.",
        needs_verification=True,
        advances_to=Stage.SCHEDULE,
    )
    async def _availability(self, args: AvailabilityArgs) -> AvailabilityOut:
        if args.broker_id != self.context.broker_id:
            raise ToolError("broker_id does not match the client's broker")
        zone = ZoneInfo(self.context.timezone)
        now = self.clock()
        if args.date_range is None:
            start, end = now, now + timedelta(days=7)
        else:
            start = max(now, datetime.combine(args.date_range.start, time(0), zone).astimezone(UTC))
            end = datetime.combine(args.date_range.end + timedelta(days=1), time(0), zone).astimezone(UTC)
            if end <= now:
                raise ToolError("date_range is in the past")
        found = Availability.model_validate(await self.data.availability(args.broker_id, start, end))
        self.state.facts.broker_available_now = found.available_now
        free = await self._free_slots(start, end, found)
        usable = [
            s
            for s in free
            if s > now
            and is_within_window(s, self.context.timezone, self.window)
            and (args.earliest is None or s.astimezone(zone).time() >= args.earliest)
            and (args.latest is None or s.astimezone(zone).time() < args.latest)
        ]
        if args.near is not None:
            near = args.near.astimezone(UTC)
            slots = sorted(sorted(usable, key=lambda s: abs(s - near))[:MAX_SLOTS_RETURNED])
        else:
            slots = _spread_over_days(usable, zone, MAX_SLOTS_RETURNED)
        for slot in slots:
            if slot not in self.state.facts.slots:
                self.state.facts.slots.append(slot)
        return AvailabilityOut(
            broker_id=found.broker_id,
            available_now=found.available_now,
            slots=[SlotOut(slot_start=s, spoken=speak_datetime(s.astimezone(zone))) for s in slots],
        )

    async def _free_slots(self, start: datetime, end: datetime, found: Availability) -> list[datetime]:
        """Slots from the workflow's own calendar source (CallControl.free_slots): what the
        agent offers is what book_appointment accepts, whatever calendar the broker uses."""
        return sorted(s.astimezone(UTC) for s in await self.control.free_slots(start, end))

    @tool(
        "schedule_appointment",
        "Book a slot the caller accepted (must come from availability).",
        needs_verification=True,
        advances_to=Stage.CONFIRM,
    )
    async def _schedule(self, args: ScheduleArgs) -> BookingOut:
        slot = args.slot_start.astimezone(UTC)
        if slot not in {s.astimezone(UTC) for s in self.state.facts.slots}:
            raise ToolError(
                "that slot was not offered: call check_broker_availability and offer one of its slots"
            )
        if self.state.facts.eligibility.get(args.product) is False:
            raise ToolError(f"the client is not eligible for {args.product.value}")
        confirmation = await self.control.book_appointment(slot, args.product)
        self.state.facts.booked_slot = confirmation.slot_start
        self.state.facts.confirmation_code = confirmation.confirmation_code
        self.state.outcome = CallResult.SCHEDULED
        zone = ZoneInfo(self.context.timezone)
        return BookingOut(
            appointment_id=confirmation.appointment_id,
            slot_start=confirmation.slot_start,
            spoken=speak_datetime(confirmation.slot_start.astimezone(zone)),
            confirmation_code=confirmation.confirmation_code,
        )

    @tool(
        "update_client_notes",
        "Add a short note for the broker. Never health details or ID numbers.",
        needs_verification=True,
    )
    async def _notes(self, args: NotesArgs) -> NoteOut:
        if _SSN.search(args.note):
            raise ToolError("notes must not contain identification numbers")
        return NoteOut(note_id=await self.data.add_note(self.context.client_id, args.note))

    @tool("transfer_to_broker", "Transfer the caller to their broker if the broker is free now.")
    async def _transfer(self, _: NoArgs) -> TransferOut:
        connected = await self.control.transfer_to_broker()
        self.state.facts.broker_available_now = connected
        if connected:
            self.state.outcome = CallResult.TRANSFER_REQUESTED
            return TransferOut(transferring=True)
        return TransferOut(transferring=False, advice="The broker is not free now: offer a broker callback.")

    @tool("request_callback", "Schedule a callback at a time the caller confirmed.")
    async def _callback(self, args: CallbackArgs) -> CallbackOut:
        at = _parse_iso(args.when, self.context.timezone)
        moved = False
        if at is None:
            resolved = resolve_callback_time(args.when, self.clock(), self.context.timezone, self.window)
            if resolved is None:
                raise ToolError("could not understand the callback time: ask the caller for a day and time")
            at, moved = resolved.at, resolved.clamped
        elif at <= self.clock() or not is_within_window(at, self.context.timezone, self.window):
            at = next_window_open(max(at, self.clock()), self.context.timezone, self.window)
            moved = True
        confirmation = await self.control.request_callback(at, args.owner)
        self.state.facts.callback_times.add(confirmation.callback_at)
        self.state.callback_at = confirmation.callback_at
        self.state.callback_owner = args.owner
        self.state.outcome = CallResult.CALLBACK_REQUESTED
        zone = ZoneInfo(self.context.timezone)
        return CallbackOut(
            callback_id=confirmation.callback_id,
            callback_at=confirmation.callback_at,
            spoken=speak_datetime(confirmation.callback_at.astimezone(zone)),
            owner=args.owner,
            moved_into_calling_hours=moved,
        )

    @tool("add_to_dnc", "The caller asked not to be called again: add them to the do-not-call list.")
    async def _dnc(self, _: NoArgs) -> DncOut:
        await self.control.opt_out()
        self.state.opted_out = True
        self.state.outcome = CallResult.OPTED_OUT
        return DncOut(added=True)

    @tool("end_call", "End the call with its result once you have said goodbye.", advances_to=Stage.CLOSE)
    async def _end_call(self, args: EndCallArgs) -> EndOut:
        reason = args.reason
        required = {
            CallResult.SCHEDULED: self.state.facts.booked_slot is not None,
            CallResult.OPTED_OUT: self.state.opted_out,
            CallResult.CALLBACK_REQUESTED: self.state.callback_at is not None,
            CallResult.TRANSFER_REQUESTED: self.state.outcome is CallResult.TRANSFER_REQUESTED,
        }
        if not required.get(reason, True):
            raise ToolError(f"cannot end with {reason.value}: the matching action has not happened")
        if self.state.opted_out and reason is not CallResult.OPTED_OUT:
            reason = CallResult.OPTED_OUT
        await advance_stage(self.state, self.control, Stage.CLOSE)
        await self.control.end_call(reason, summary_for(self.state, reason), self.state.callback_at)
        self.state.outcome = reason
        self.state.ended = True
        return EndOut(ended=True, reason=reason)


# Every tool, in declaration order (the order the model sees them in).
TOOLS: dict[str, ToolDef] = {
    d.name: d for d in (getattr(m, "__tool__", None) for m in vars(ToolBox).values()) if d is not None
}
TOOL_SPECS: tuple[ToolSpec, ...] = tuple(d.spec for d in TOOLS.values())


def _spread_over_days(slots: list[datetime], zone: ZoneInfo, limit: int) -> list[datetime]:
    """Up to `limit` slots taken round-robin across days (first of each day, then second...),
    so a caller hears a real choice rather than six half-hours of one morning."""
    by_day: dict[date, list[datetime]] = {}
    for slot in sorted(slots):
        by_day.setdefault(slot.astimezone(zone).date(), []).append(slot)
    picked: list[datetime] = []
    rank = 0
    while len(picked) < limit and any(len(day) > rank for day in by_day.values()):
        for day_slots in by_day.values():
            if len(day_slots) > rank and len(picked) < limit:
                picked.append(day_slots[rank])
        rank += 1
    return sorted(picked)


def _parse_iso(text: str, timezone: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(UTC)


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        parts.append(f"{where}: {err['msg']}")
    return "invalid arguments: " + "; ".join(parts)
