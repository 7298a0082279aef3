"""A simulated caller: hears what Emma said, works out what she is asking (from her words only),
and answers as its persona would, in words from the phrasing generator with noise on top. It
records what a scorer needs: when it opted out, asked if Emma is a robot, which slot it accepted,
which callback time it meant."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from evals.clients import SyntheticClient
from evals.noise import add_noise
from evals.personas import Persona
from evals.phrasing import PhraseBank
from evals.render import say_clock, say_day, say_dob, say_when, say_when_es
from evals.spoken import spoken_instants


class Asks(StrEnum):
    IDENTITY = "identity"
    VERIFY_FULL = "verify_full"
    VERIFY_DOB = "verify_dob"
    VERIFY_YEAR = "verify_year"
    VERIFY_LAST = "verify_last"
    VERIFY_FIRST = "verify_first"
    VERIFY_NAME = "verify_name"
    PRESENT = "present"
    COVERAGE = "coverage"
    SLOT_OFFER = "slot_offer"
    BOOKING_CONFIRM = "booking_confirm"
    CALLBACK_TIME = "callback_time"
    CALLBACK_CONFIRM = "callback_confirm"
    SPANISH_OFFER = "spanish_offer"
    SPANISH_TIME = "spanish_time"
    SPANISH_CONFIRM = "spanish_confirm"
    UNKNOWN = "unknown"


_CUES: tuple[tuple[Asks, str], ...] = (
    (Asks.SPANISH_CONFIRM, r"esta bien\?|le parece bien"),
    (Asks.SPANISH_TIME, r"que dia y a que hora|cuando le podemos"),
    (Asks.SPANISH_OFFER, r"devuelva la llamada|le llame en otro"),
    (Asks.VERIFY_LAST, r"last name|surname"),
    (Asks.VERIFY_FIRST, r"your first name"),
    (Asks.VERIFY_NAME, r"your full name, please|and your name"),
    (Asks.VERIFY_YEAR, r"year you were born"),
    (
        Asks.VERIFY_FULL,
        r"full name and date of birth|name and (?:your )?(?:date of birth|birthday)|first and last name",
    ),
    (Asks.VERIFY_DOB, r"date of birth|birthday|when were you born"),
    (Asks.BOOKING_CONFIRM, r"shall i book|should i (?:book|put)|book (?:it|that)\?"),
    (
        Asks.CALLBACK_CONFIRM,
        r"just to confirm, that's|would .+ work\?|should we call you back on|is .+ okay\? yes or no",
    ),
    (
        Asks.SLOT_OFFER,
        r"which works|which one would you like|does that work for you|which time|open times|would one of those",
    ),
    (Asks.COVERAGE, r"just for you|your spouse|just you, or"),
    (
        Asks.CALLBACK_TIME,
        r"what day and time|when would be|when should we|better time|good time to reach|when is a good time|when would you like",
    ),
    (Asks.PRESENT, r"set up a (?:short )?call|would you like to talk with|would you like a short call"),
    (Asks.IDENTITY, r"speaking with|is that you|are you [a-z]+\?"),
)
MOMENT_OF = {
    Asks.IDENTITY: "identity",
    Asks.VERIFY_FULL: "verify",
    Asks.VERIFY_DOB: "verify",
    Asks.PRESENT: "present",
    Asks.COVERAGE: "coverage",
    Asks.SLOT_OFFER: "slot",
    Asks.BOOKING_CONFIRM: "confirm",
}


def what_emma_asks(text: str) -> Asks:
    from conversation.nlu.normalise import fold

    last = fold(text)
    questions = [q for q in re.split(r"(?<=[?.!])\s+", last) if q.endswith("?")]
    target = questions[-1] if questions else last
    for asks, pattern in _CUES:
        if re.search(pattern, target):
            return asks
    for asks, pattern in _CUES:
        if re.search(pattern, last):
            return asks
    return Asks.UNKNOWN


@dataclass
class CallerLog:
    opt_out_turns: list[int] = field(default_factory=list)
    negated_stop_turns: list[int] = field(default_factory=list)
    disclosure_turns: list[int] = field(default_factory=list)
    accepted_slot: datetime | None = None
    callback_meant: datetime | None = None
    requested_instants: list[datetime] = field(default_factory=list)
    said: list[str] = field(default_factory=list)


class SimulatedCaller:
    def __init__(
        self, persona: Persona, client: SyntheticClient, bank: PhraseBank, rng: random.Random
    ) -> None:
        self.p = persona
        self.c = client
        self.bank = bank
        self.rng = rng
        self.zone = ZoneInfo(client.record.timezone)
        self.today = client.now.astimezone(self.zone).date()
        self.log = CallerLog()
        self.turn = 0
        self._done: set[str] = set()
        self._confused = persona.confused_turns
        self._questions = list(persona.questions)
        self._verify_tries = 0
        self._wish_said = 0
        self._rejections = 0
        self._callback_local = self._pick_callback_time()
        self._wish = self._pick_wish()

    # --- what the persona wants ----------------------------------------------------------------

    def _pick_callback_time(self) -> datetime:
        day = self.today + timedelta(days=self.rng.randint(1, 4))
        hour = self.rng.randint(9, 18)
        return datetime.combine(day, time(hour, self.rng.choice((0, 0, 30))), self.zone)

    def _pick_wish(self) -> dict[str, object]:
        day = self.today + timedelta(days=self.rng.randint(1, 6))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        if self.p.wish == "day_time":
            return {
                "day": day,
                "clock": time(self.rng.choice((10, 11, 13, 14, 15, 16)), self.rng.choice((0, 30))),
            }
        if self.p.wish == "part":
            return {"day": day, "part": self.rng.choice(("morning", "afternoon"))}
        if self.p.wish == "after":
            return {"after": time(self.rng.choice((13, 14, 15)))}
        return {}

    def acceptable(self, slot: datetime, *, relaxed: bool = False) -> bool:
        """Would this persona take this slot? `relaxed`: after their own time proved impossible."""
        local = slot.astimezone(self.zone)
        wish = self._wish
        if self.p.wish == "day_time":
            exact = local.date() == wish["day"] and local.time() == wish["clock"]
            return exact or (relaxed and local.date() == wish["day"]) or (relaxed and self._wish_said >= 2)
        if self.p.wish == "part":
            start, end = (time(8), time(12)) if wish["part"] == "morning" else (time(12), time(17))
            same = local.date() == wish["day"]
            return (same and start <= local.time() < end) or (relaxed and (same or self._wish_said >= 2))
        if self.p.wish == "after":
            after = wish["after"]
            assert isinstance(after, time)
            return local.time() >= after or (relaxed and self._wish_said >= 2)
        return True

    # --- speaking ------------------------------------------------------------------------------

    def _values(self) -> dict[str, str]:
        r = self.c.record
        return {
            "first": r.first_name,
            "last": r.last_name,
            "full": f"{r.first_name} {r.last_name}",
            "dob": say_dob(r.date_of_birth, self.bank.split, self.rng),
            "broker": r.broker_name,
            "nick": self.c.nickname,
            "relative": self.c.relative,
            "product": "dental",
            "refused": "dental" if (self.p.product and self.p.product.value == "vision") else "vision",
            "wanted": self.p.product.value if self.p.product else "dental",
            "when": say_when(self._callback_local, self.today, self.bank.split, self.rng)[0],
            "when_es": say_when_es(self._callback_local, self.today, self.rng),
            "day": "", "time": "", "part": "",
        }  # fmt: skip

    def say(self, kind: str, **extra: str) -> str:
        values = {**self._values(), **extra}
        text = self.bank.say(kind, self.rng, **values)
        if not kind.startswith(("spanish", "opt_out_spanish")):
            text = add_noise(text, self.p.noise, self.rng)
        self.log.said.append(text)
        return text

    def next_line(self, emma: str) -> str | None:
        """The caller's next words after Emma's, or None to hang up."""
        self.turn += 1
        asks = what_emma_asks(emma)
        if (
            asks is Asks.UNKNOWN
            and self._last_asks is not None
            and re.search(r"take your time|no rush|i'll wait", emma.lower())
        ):
            asks = self._last_asks  # after "hold on": back with the answer to the last question
        self._last_asks = asks if asks is not Asks.UNKNOWN else self._last_asks
        moment = MOMENT_OF.get(asks)
        if moment and self.p.opt_out_at == moment:
            self.log.opt_out_turns.append(self.turn)
            kind = "opt_out_spanish" if self.rng.random() < 0.1 else "opt_out"
            return self.say(kind)
        if moment and self.p.disclosure_at == moment and "disclosure" not in self._done:
            self._done.add("disclosure")
            self.log.disclosure_turns.append(self.turn)
            return self.say("disclosure_q")
        if moment and self.p.negated_stop_at == moment and "negated" not in self._done:
            self._done.add("negated")
            self.log.negated_stop_turns.append(self.turn)
            return self.say("negated_stop")
        return self._answer(asks)

    def _answer(self, asks: Asks) -> str | None:
        p = self.p
        if asks is Asks.IDENTITY:
            return self._identity()
        if asks in (Asks.SPANISH_OFFER, Asks.SPANISH_TIME, Asks.SPANISH_CONFIRM):
            return self._spanish(asks)
        if asks in (
            Asks.VERIFY_FULL,
            Asks.VERIFY_DOB,
            Asks.VERIFY_NAME,
            Asks.VERIFY_LAST,
            Asks.VERIFY_FIRST,
            Asks.VERIFY_YEAR,
        ):
            return self._verify(asks)
        if asks is Asks.PRESENT:
            if self._questions:
                return self.say(self._questions.pop(0))
            if p.goal == "decline":
                return self.say(self.rng.choice(("present_no", "decline_generic")))
            if p.goal == "transfer":
                return self.say("transfer_request")
            if p.product is not None and "product" not in self._done:
                self._done.add("product")
                return self.say("not_interested_other_product")
            return self.say("present_yes")
        if asks is Asks.COVERAGE:
            return self.say("coverage_family" if p.family else "coverage_self")
        if asks is Asks.SLOT_OFFER:
            return self._slot_offer()
        if asks is Asks.BOOKING_CONFIRM:
            return self._confirm()
        if asks is Asks.CALLBACK_TIME:
            self.log.callback_meant = self._callback_local
            if p.goal == "wrong_person" and self.rng.random() < 0.4:
                return "I don't know, sorry"
            return self.say("callback_when")
        if asks is Asks.CALLBACK_CONFIRM:
            return self._callback_confirm()
        return None  # nothing asked: the caller has nothing to add and hangs up

    def _identity(self) -> str:
        p = self.p
        if self._confused > 0:
            self._confused -= 1
            return self.say("confused")
        if p.goal == "wrong_person":
            return self.say("wrong_person")
        if p.goal == "deceased":
            return self.say("deceased")
        if p.goal == "spanish":
            return self.say("spanish_greeting")
        if p.goal == "callback":
            if self.rng.random() < 0.7:
                self.log.callback_meant = self._callback_local
                return self.say("callback_busy")
            return self.say("callback_busy_no_time")
        if p.name_correction and "name" not in self._done:
            self._done.add("name")
            return self.say("name_correction")
        return self.say("identity_yes")

    def _verify(self, asks: Asks) -> str:
        p = self.p
        if p.holds and "hold" not in self._done:
            self._done.add("hold")
            return self.say("hold")
        if p.goal == "fail_verify":
            self._verify_tries += 1
            wrong = self.c.record.date_of_birth.replace(
                year=self.c.record.date_of_birth.year - self._verify_tries
            )
            return self.say("give_full", dob=say_dob(wrong, self.bank.split, self.rng))
        if asks is Asks.VERIFY_LAST:
            return self.say("give_last_name")
        if asks is Asks.VERIFY_FIRST or asks is Asks.VERIFY_NAME:
            return self.say("give_name")
        if asks in (Asks.VERIFY_DOB, Asks.VERIFY_YEAR):
            return self.say("give_dob")
        if p.first_name_only:
            return self.say("give_first_name")
        return self.say("give_full")

    def _slot_offer(self) -> str:
        offered = self._offered()
        strict = [s for s in offered if self.acceptable(s)]
        relaxed = [s for s in offered if self.acceptable(s, relaxed=True)]
        pick = strict or (relaxed if self._wish_said else [])
        if self.p.wish in ("first", "second"):
            index = 1 if self.p.wish == "second" and len(offered) > 1 else 0
            return self.say("pick_second" if index else "pick_first")
        if pick:
            index = offered.index(pick[0])
            if index <= 1 and len(offered) > 1:
                return self.say("pick_second" if index else "pick_first")
            return self.say("confirm_yes")
        if self._wish_said < 2:
            self._wish_said += 1
            return self._say_wish()
        self._rejections += 1
        return self.say("reject_offer") if self._rejections < 3 else self.say("pick_first")

    def _say_wish(self) -> str:
        wish = self._wish
        if self.p.wish == "day_time":
            day, clock = wish["day"], wish["clock"]
            assert isinstance(day, type(self.today)) and isinstance(clock, time)
            local = datetime.combine(day, clock, self.zone)
            self.log.requested_instants.append(local)
            return self.say(
                "ask_day_time",
                day=say_day(day, self.today, self.bank.split, self.rng),
                time=say_clock(local, self.bank.split, self.rng, meridiem=self.rng.random() < 0.5),
            )
        if self.p.wish == "part":
            day = wish["day"]
            assert isinstance(day, type(self.today))
            return self.say(
                "ask_part", day=say_day(day, self.today, self.bank.split, self.rng), part=str(wish["part"])
            )
        after = wish["after"]
        assert isinstance(after, time)
        local = datetime.combine(self.today, after, self.zone)
        return self.say(
            "ask_after", time=say_clock(local, self.bank.split, self.rng, meridiem=self.rng.random() < 0.5)
        )

    def _offered(self) -> list[datetime]:
        return spoken_instants(self._last_emma, self.c.record.timezone, self.today)

    _last_emma = ""
    _last_asks: Asks | None = None

    def hear(self, emma: str) -> None:
        self._last_emma = emma

    def _confirm(self) -> str:
        offered = self._offered()
        slot = offered[-1] if offered else None
        if slot is not None and (
            self.acceptable(slot) or self.acceptable(slot, relaxed=bool(self._wish_said))
        ):
            self.log.accepted_slot = slot
            return self.say("confirm_yes")
        return self.say("confirm_no")

    def _callback_confirm(self) -> str:
        heard = self._offered()
        meant = self._callback_local
        self.log.callback_meant = meant
        if heard and heard[-1] == meant:
            return self.say("confirm_yes")
        day = say_day(meant.date(), self.today, "train", self.rng)
        return f"no, {day} at {say_clock(meant, 'train', self.rng, meridiem=True)}"

    def _spanish(self, asks: Asks) -> str:
        self.log.callback_meant = self._callback_local
        if asks is Asks.SPANISH_OFFER:
            return self.say("spanish_yes")
        if asks is Asks.SPANISH_TIME:
            return self.say("spanish_when")
        heard = self._offered()
        return (
            self.say("spanish_yes")
            if heard and heard[-1] == self._callback_local
            else self.say("spanish_when")
        )
