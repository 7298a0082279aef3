"""The turn-taking corpus: answers with pauses, fillers, digits and dates; backchannels and real
interruptions over Emma's speech. Each is a Scenario; `caller_audio` renders it with espeak-ng at
a given noise, as the inbound side of one call. Hidden checks use other utterances: the phrasing
here is ordinary, not tuned to the rules in media_server/endpointing.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adapters.local_speech import fsk_codec
from bench import speech_corpus as corpus

Parts = tuple[str | float, ...]

# (Emma's question, the caller's answer as phrases and pauses in seconds)
PAUSED_ANSWERS: tuple[tuple[str, Parts], ...] = (
    (
        "Could you please tell me your full name and date of birth?",
        (
            "my name is maria garcia",
            0.7,
            "and my date of birth is",
            0.8,
            "april twelfth",
            0.65,
            "nineteen eighty",
        ),
    ),
    ("And what is your date of birth?", ("it's", 0.6, "march third", 0.9, "nineteen seventy two")),
    ("And what is your date of birth?", ("um", 0.8, "june the twenty first", 0.7, "nineteen sixty five")),
    (
        "What is the best phone number to reach you?",
        ("five five five", 0.8, "two one four", 0.7, "nine nine eight seven"),
    ),
    (
        "What is the best phone number to reach you?",
        ("my number is", 0.7, "three one two", 0.9, "four four four one two one two"),
    ),
    (
        "Would the coverage be just for you, or for you and your spouse?",
        ("it would be for me and", 0.8, "my husband"),
    ),
    ("What day and time works for you?", ("let me see", 1.0, "thursday afternoon would be good")),
    ("What day and time works for you?", ("maybe tuesday at", 0.7, "three thirty")),
    (
        "Is there anything you wanted to ask about your plan?",
        ("well I was wondering about", 0.8, "the dental coverage"),
    ),
    (
        "Could you please tell me your full name and date of birth?",
        ("john smith", 0.6, "born on", 0.9, "october fifth", 0.7, "nineteen fifty nine"),
    ),
    ("When would be a good time to call you back?", ("uh", 1.0, "friday morning")),
    ("What is your date of birth?", ("the", 0.6, "seventh of", 0.8, "august", 0.7, "nineteen ninety")),
)
COMPLETE_ANSWERS: tuple[tuple[str, Parts], ...] = (
    ("Am I speaking with Maria?", ("yes this is maria",)),
    ("Would you like to set up a short call with your broker?", ("yes",)),
    ("Would you like to set up a short call with your broker?", ("no thank you",)),
    ("What day and time works for you?", ("tuesday at ten in the morning",)),
    (
        "Could you please tell me your full name and date of birth?",
        ("maria garcia april twelfth nineteen eighty",),
    ),
    ("Shall I book the call for Tuesday at ten?", ("sure that works",)),
    ("Is this a good time to talk?", ("not really I'm at work",)),
    ("What is the best phone number to reach you?", ("five five five two one four nine nine eight seven",)),
)
STATEMENT = (
    "I'm calling from Gyde about your dental coverage.",
    "Your current plan renews next month, and there are a few options that could lower what you pay.",
    "Your broker can walk you through them in a short call, and it only takes about ten minutes.",
)
BACKCHANNELS: tuple[str, ...] = (
    "mm-hmm",
    "yeah",
    "right",
    "okay",
    "uh-huh",
    "I see",
    "sure",
    "cough",
    "knock",
)
INTERRUPTIONS: tuple[str, ...] = (
    "wait, who is this?",
    "no, I already have coverage",
    "sorry, can you repeat that?",
    "stop, I'm not interested",
    "hold on a second please",
    "actually I'm driving right now",
    "yeah but I already have a plan",
    "excuse me, what company is this?",
)


@dataclass(frozen=True)
class Scenario:
    kind: str  # "answer" | "backchannel" | "interrupt"
    question: tuple[str, ...]  # what Emma says first (a question, or the long statement)
    parts: Parts
    paused: bool = False  # an answer with pauses inside it

    @property
    def emma_seconds(self) -> float:
        return sum(len(fsk_codec.encode(s)) for s in self.question) / corpus.RATE


@dataclass
class Rendered:
    frames: list[bytes]
    words: list[corpus.Word]
    speech_start: int  # sample of the caller's first sound (the clip's onset)
    speech_end: int  # sample after the caller's last sound
    audible_start: int  # first sample of the first 20 ms frame in which the caller is 3 dB over the noise


def scenarios() -> list[Scenario]:
    out = [Scenario("answer", (q,), parts, paused=True) for q, parts in PAUSED_ANSWERS]
    out += [Scenario("answer", (q,), parts) for q, parts in COMPLETE_ANSWERS]
    out += [Scenario("backchannel", STATEMENT, (b,)) for b in BACKCHANNELS]
    out += [Scenario("interrupt", STATEMENT, (i,)) for i in INTERRUPTIONS]
    return out


def render(scenario: Scenario, noise: str | None, noise_db: float, seed: int) -> Rendered:
    """The caller's side of the call: line noise throughout, the caller's sound placed after Emma's
    question (an answer) or inside her statement (a backchannel, an interruption)."""
    rng = np.random.default_rng(seed)
    voice = corpus.VOICES[int(rng.integers(len(corpus.VOICES)))]
    wpm = int(rng.integers(150, 186))
    level = float(rng.uniform(-28.0, -20.0))
    sound = scenario.parts[0]
    if scenario.kind == "backchannel" and sound in ("cough", "knock"):
        make = corpus.cough if sound == "cough" else corpus.knock
        audio = make(rng, level + float(rng.uniform(0, 6)))
        words: list[corpus.Word] = []
        loud = np.flatnonzero(np.abs(audio) > 200)
        spoken = corpus.Spoken(audio, words, int(loud[-1]) + 1 if len(loud) else len(audio))
    else:
        spoken = corpus.speak(list(scenario.parts), voice, wpm, level)
    if scenario.kind == "answer":
        start = int((scenario.emma_seconds + rng.uniform(0.4, 0.9)) * corpus.RATE)
    else:
        start = int(rng.uniform(1.0, max(1.2, scenario.emma_seconds - 1.5)) * corpus.RATE)
    total = max(start + len(spoken.audio) + 4 * corpus.RATE, int((scenario.emma_seconds + 4) * corpus.RATE))
    line = np.zeros(total)
    if noise is not None:
        line += corpus.noise(noise, total, noise_db, rng)
    line[start : start + len(spoken.audio)] += spoken.audio
    loud = np.flatnonzero(np.abs(spoken.audio) > 200)
    first = int(loud[0]) if len(loud) else 0
    words = [corpus.Word(w.text, start + w.end) for w in spoken.words]
    clean = np.zeros(total)
    clean[start : start + len(spoken.audio)] = spoken.audio
    frames = clean[: total // corpus.FRAME * corpus.FRAME].reshape(-1, corpus.FRAME)
    energy = 10 * np.log10((frames**2).mean(axis=1) / 32768.0**2 + 1e-12)
    audible = np.flatnonzero(energy >= (max(noise_db + 3.0, -50.0) if noise else -50.0))
    audible_at = int(audible[0]) * corpus.FRAME if len(audible) else start + first
    return Rendered(corpus.to_frames(line), words, start + first, start + spoken.speech_end, audible_at)
