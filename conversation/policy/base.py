"""What every part of the local policy shares: the call's context, tools, state and clock, the
caller's words read once per turn, and the ways a call ends."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conversation.agent_data import Clock
from conversation.context import AgentContext, IdentityVerifier
from conversation.nlu.understand import Understanding, understand
from conversation.speech_text import speak_datetime
from conversation.state import CallState
from conversation.tools import ToolBox, advance_stage
from domain.enums import CallResult, Stage


class PolicyBase:
    """Shared plumbing; the flows (identity, scheduling, callbacks, answers) build on it."""

    name = "local"

    def __init__(
        self, context: AgentContext, identity: IdentityVerifier, tools: ToolBox, clock: Clock
    ) -> None:
        self.ctx = context
        self.identity = identity
        self.tools = tools
        self.state: CallState = tools.state
        self.clock = clock
        self._zone = ZoneInfo(context.timezone)

    # --- reading -------------------------------------------------------------------------------

    def read(self, text: str) -> Understanding:
        return understand(text, self.ctx.first_name, self.ctx.broker_name)

    @property
    def caller_name(self) -> str:
        """How Emma addresses the caller (their preferred name once they gave one)."""
        return self.state.preferred_name or self.ctx.first_name

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self._zone)

    def spoken(self, instant: datetime) -> str:
        return speak_datetime(self.local(instant))

    # --- ending --------------------------------------------------------------------------------

    async def end(self, result: CallResult) -> None:
        await self.tools.call("end_call", {"reason": result.value})
        if not self.state.ended:  # end_call refused (inconsistent state): still close the call
            await advance_stage(self.state, self.tools.control, Stage.CLOSE)
            await self.tools.control.end_call(result, "result forced by local policy", self.state.callback_at)
            self.state.outcome, self.state.ended = result, True

    async def opt_out(self) -> str:
        """DNC first, then the end of the call: the caller's request is honoured in this turn."""
        await self.tools.call("add_to_dnc", {})
        await self.end(CallResult.OPTED_OUT)
        if self.state.spanish:
            return "Entendido, lo he quitado de nuestra lista y no le volveremos a llamar, adiós."
        return "Understood, I've removed you from our call list and you won't be called again, goodbye."

    async def decline(self) -> str:
        await self.end(CallResult.DECLINED)
        if self.state.spanish:
            return "De acuerdo. Gracias por su tiempo, adiós."
        return f"I understand, {self.caller_name}. Thank you for your time, and have a great day. Goodbye."
