"""The callee's mind during the media stream, free of I/O so it can be tested tick by tick:
it hears Emma's decoded utterances and decides when to speak, what to say, and when to hang up."""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from sim.personas import HANGUP, Persona


class _Facts(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "I'm not sure"


@dataclass
class Callee:
    persona: Persona
    pending: list[str] = field(default_factory=list)
    transcript: list[tuple[str, str]] = field(default_factory=list)
    replies_said: int = 0
    idle_seconds: float = 0.0
    _used: set[int] = field(default_factory=set)
    _hangup_after_speaking: bool = False

    def heard(self, text: str) -> None:
        """One complete utterance of Emma's, decoded from the stream."""
        self.pending.append(text)
        self.transcript.append(("agent", text))

    def step(self, dt: float, agent_playing: bool, speaking: bool) -> str | None:
        """Advance `dt` seconds. Returns words to start saying now, HANGUP, or None."""
        if speaking:
            return None
        if self._hangup_after_speaking:
            return HANGUP
        if agent_playing:
            self.idle_seconds = 0.0
            if self.persona.barge_in and self.pending:
                return self._reply()
            return None
        self.idle_seconds += dt
        if not self.pending:
            return None
        delay = self.persona.reply_delay_seconds
        if self.replies_said == 0 and self.persona.first_reply_delay_seconds > 0:
            delay = self.persona.first_reply_delay_seconds
        if self.idle_seconds < delay:
            return None
        return self._reply()

    def choose(self, heard: str) -> str | None:
        """The first reply whose keywords appear in what was heard (once-replies fire once);
        a question nothing matches gets the default reply; a plain statement gets silence."""
        lowered = heard.lower()
        for index, reply in enumerate(self.persona.replies):
            if reply.once and index in self._used:
                continue
            if any(word in lowered for word in reply.when):
                if reply.once:
                    self._used.add(index)
                return reply.say
        return self.persona.default_reply if "?" in heard else None

    def _reply(self) -> str | None:
        limit = self.persona.hangup_after_replies
        if (
            limit is not None and self.replies_said >= limit
        ) or self.replies_said >= self.persona.max_replies:
            return HANGUP
        heard = " ".join(self.pending)
        self.pending.clear()
        template = self.choose(heard)
        if template is None:
            return None
        if template.endswith(HANGUP):
            template = template[: -len(HANGUP)].rstrip()
            self._hangup_after_speaking = True
        words = string.Formatter().vformat(template, (), _Facts(self.persona.facts))
        self.replies_said += 1
        self.transcript.append(("callee", words))
        return words
