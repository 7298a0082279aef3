"""A Spanish-speaking caller: Emma answers in Spanish, says she can only hold this call in English
for now, and offers a call back from the broker at a time the caller names and confirms. An
opt-out in Spanish is honoured like any other (the engine's net reads Spanish too)."""

from __future__ import annotations

from datetime import datetime

from conversation.nlu.intent import Intent
from conversation.nlu.understand import Understanding
from conversation.policy.base import PolicyBase
from conversation.policy.questions import question
from conversation.state import Pending
from conversation.time_parse import resolve_callback_time
from domain.enums import CallbackOwner, CallResult

_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_MONTHS = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
_NUMBERS = "cero una dos tres cuatro cinco seis siete ocho nueve diez once doce".split()


def hablar_fecha(local: datetime) -> str:
    """2026-12-01 15:30 -> 'el martes 1 de diciembre a las tres y media de la tarde'."""
    hour = local.hour % 12 or 12
    article = "la" if hour == 1 else "las"
    minutes = {0: "", 15: " y cuarto", 30: " y media", 45: " y cuarenta y cinco"}.get(
        local.minute, f" y {local.minute}"
    )
    part = "de la mañana" if local.hour < 12 else ("de la tarde" if local.hour < 20 else "de la noche")
    return (
        f"el {_DAYS[local.weekday()]} {local.day} de {_MONTHS[local.month - 1]} "
        f"a {article} {_NUMBERS[hour]}{minutes} {part}"
    )


class SpanishFlow(PolicyBase):
    def acknowledge(self) -> str:
        self.state.spanish = True
        self.state.pending = Pending.SPANISH_OFFER
        return (
            f"Hola, soy Emma, una asistente de inteligencia artificial que llama de parte de {self.ctx.broker_name}. "
            "Disculpe, por ahora no puedo atender esta llamada en español, solo en inglés. "
            f"¿Quiere que {self.ctx.broker_name} le devuelva la llamada?"
        )

    async def spanish_answer(self, u: Understanding) -> str:
        pending = self.state.pending
        resolved = resolve_callback_time(u.utterance.raw, self.clock(), self.ctx.timezone, self.tools.window)
        proposed = self.state.proposed_callback
        same = resolved is None or (proposed is not None and resolved.at == proposed.at)
        if pending is Pending.SPANISH_CONFIRM and u.has(Intent.AFFIRM) and same and proposed is not None:
            return await self._book_broker_callback()
        if resolved is not None and pending in (
            Pending.SPANISH_OFFER,
            Pending.SPANISH_TIME,
            Pending.SPANISH_CONFIRM,
        ):
            self.state.proposed_callback = resolved
            self.state.pending = Pending.SPANISH_CONFIRM
            return f"Entonces, {hablar_fecha(self.local(resolved.at))}, hora local. ¿Está bien?"
        if u.has(Intent.DECLINE) or (u.has(Intent.DENY) and not u.has(Intent.AFFIRM)):
            if pending is Pending.SPANISH_CONFIRM:
                self.state.pending = Pending.SPANISH_TIME
                return "Muy bien. ¿Qué día y a qué hora le conviene?"
            await self.end(CallResult.DECLINED)
            return "De acuerdo. Gracias por su tiempo, adiós."
        if u.has(Intent.AFFIRM) and pending is Pending.SPANISH_OFFER:
            self.state.pending = Pending.SPANISH_TIME
            return "Muy bien. ¿Qué día y a qué hora le conviene?"
        if u.has(Intent.GOODBYE):
            await self.end(CallResult.DECLINED)
            return "Gracias, adiós."
        return "Disculpe, no le entendí. " + question(self)

    async def _book_broker_callback(self) -> str:
        proposed = self.state.proposed_callback
        assert proposed is not None
        ok, result = await self.tools.call(
            "request_callback", {"when": proposed.at.isoformat(), "owner": CallbackOwner.BROKER.value}
        )
        if not ok:
            self.state.pending = Pending.SPANISH_TIME
            return "Disculpe, no pude programarlo. ¿Qué otra hora le conviene?"
        self.state.proposed_callback = None
        await self.end(CallResult.CALLBACK_REQUESTED)
        when = hablar_fecha(self.local(datetime.fromisoformat(result["callback_at"])))
        return f"Perfecto, {self.ctx.broker_name} le llamará {when}. Gracias, adiós."
