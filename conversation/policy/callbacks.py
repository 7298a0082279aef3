"""Callbacks, transfers, wrong people and the confusion chain. A callback is booked at exactly
the instant the caller named or confirmed - an unclear one is read back first, and once confirmed
it is never moved."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from conversation.nlu.intent import Intent
from conversation.nlu.understand import Understanding
from conversation.policy.base import PolicyBase
from conversation.speech_text import speak_time
from conversation.state import Pending
from conversation.time_parse import ResolvedTime, resolve_callback_time
from domain.enums import CallbackOwner, CallResult


class CallbackFlow(PolicyBase):
    def _resolve(self, text: str) -> ResolvedTime | None:
        return resolve_callback_time(text, self.clock(), self.ctx.timezone, self.tools.window)

    async def transfer(self) -> str:
        ok, result = await self.tools.call("transfer_to_broker", {})
        if ok and result.get("transferring"):
            await self.end(CallResult.TRANSFER_REQUESTED)
            return f"Of course. I'm connecting you with {self.ctx.broker_name} now. Please hold."
        self.state.transfer_offered = True
        self.state.callback_owner = CallbackOwner.BROKER
        self.state.pending = Pending.CALLBACK_TIME
        return (
            f"{self.ctx.broker_name} isn't available right now. "
            f"I can have {self.ctx.broker_name} call you back. What day and time works for you?"
        )

    async def callback_request(self, u: Understanding, owner: CallbackOwner) -> str:
        self.state.callback_owner = owner
        resolved = self._resolve(u.utterance.raw)
        if resolved is None:
            self.state.pending = Pending.CALLBACK_TIME
            return "Of course. When would be a better time to call you back?"
        return await self.propose_callback(resolved)

    async def propose_callback(self, resolved: ResolvedTime) -> str:
        spoken = self.spoken(resolved.at)
        if resolved.ambiguous:
            self.state.proposed_callback = resolved
            self.state.pending = Pending.CALLBACK_CONFIRM
            if resolved.clamped:
                window = self.tools.window
                hours = f"{speak_time(time(window.start_hour))} and {speak_time(time(window.end_hour % 24))}"
                return f"I can only call between {hours} your time. Would {spoken} work?"
            return f"Just to confirm, that's {spoken}, your time?"
        return await self.book_callback(resolved)

    async def book_callback(self, resolved: ResolvedTime) -> str:
        ok, result = await self.tools.call(
            "request_callback", {"when": resolved.at.isoformat(), "owner": self.state.callback_owner.value}
        )
        if not ok:
            self.state.pending = Pending.CALLBACK_TIME
            return "I'm sorry, I couldn't set that up. What other time would work for you?"
        self.state.proposed_callback = None
        await self.end(CallResult.CALLBACK_REQUESTED)
        who = self.ctx.broker_name if self.state.callback_owner is CallbackOwner.BROKER else "I"
        spoken = self.spoken(datetime.fromisoformat(result["callback_at"]))
        return f"Great, {who} will call you back on {spoken}. Thank you, goodbye."

    async def callback_confirm(self, u: Understanding) -> str | None:
        proposed = self.state.proposed_callback
        new_time = self._resolve(u.utterance.raw)
        if new_time is not None and proposed is not None:
            new_time = self._same_week(new_time, proposed)
        if new_time is not None and (proposed is None or new_time.at != proposed.at):
            return await self.propose_callback(new_time)
        if u.has(Intent.AFFIRM) and not u.has(Intent.DENY) and proposed is not None:
            return await self.book_callback(proposed)
        if u.has(Intent.DENY, Intent.DECLINE):
            self.state.pending = Pending.CALLBACK_TIME
            return "No problem. What day and time would work better?"
        return None

    def _same_week(self, new: ResolvedTime, proposed: ResolvedTime) -> ResolvedTime:
        """'Next week' then 'Tuesday at 10': the Tuesday of the week being talked about."""
        today = self.local(self.clock()).date()
        if (proposed.local.date() - today).days < 6 or new.local.date() >= proposed.local.date() - timedelta(
            days=proposed.local.weekday()
        ):
            return new
        moved = new.at + timedelta(days=7)
        return ResolvedTime(at=moved, local=self.local(moved), ambiguous=new.ambiguous, clamped=new.clamped)

    async def time_answer(self, u: Understanding) -> str | None:
        resolved = self._resolve(u.utterance.raw)
        if self.state.pending is Pending.WRONG_PERSON_TIME:
            if resolved is not None:
                self.state.callback_at = resolved.at
                await self.end(CallResult.WRONG_PERSON)
                return "Thank you, we'll try again then. Have a good day, goodbye."
            if u.has(Intent.DENY, Intent.DECLINE, Intent.GOODBYE) or "know" in u.text or "sure" in u.text:
                await self.end(CallResult.WRONG_PERSON)
                return "No problem. Thank you for your time, goodbye."
            return None
        if resolved is not None:
            return await self.propose_callback(resolved)
        if u.has(Intent.DECLINE, Intent.GOODBYE):
            return await self.decline()
        return None

    async def confused(self) -> str:
        """rephrase -> simplify -> example -> transfer -> callback, one step per confused turn."""
        from conversation.policy.questions import question

        self.state.confusion_level += 1
        level = self.state.confusion_level
        if level <= 3:
            return question(self, level)
        if level == 4:
            ok, result = await self.tools.call("transfer_to_broker", {})
            if ok and result.get("transferring"):
                await self.end(CallResult.TRANSFER_REQUESTED)
                return (
                    f"Let me connect you with {self.ctx.broker_name}, who can explain it better. Please hold."
                )
            self.state.transfer_offered = True
            self.state.callback_owner = CallbackOwner.BROKER
            self.state.pending = Pending.CALLBACK_TIME
            return (
                f"I'm sorry for the confusion. {self.ctx.broker_name} isn't free right now, "
                f"but can call you back. When is a good time, for example tomorrow morning?"
            )
        resolved = self._resolve("tomorrow morning")
        assert resolved is not None  # "tomorrow morning" always resolves
        if self.state.callback_owner is CallbackOwner.AI and self.state.transfer_offered:
            self.state.callback_owner = CallbackOwner.BROKER
        return await self.book_callback(resolved)
