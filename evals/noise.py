"""What a phone line and a speech recogniser do to words: fillers, false starts and repeats,
lost case and punctuation, and misheard words (homophones, split or merged words)."""

from __future__ import annotations

import random
import re

FILLERS = ("um", "uh", "er", "like", "you know", "well", "so", "I mean", "okay so", "hmm")
# Mishearings a recogniser makes that keep the sentence readable to a person.
MISHEARD: dict[str, tuple[str, ...]] = {
    "calling": ("call in", "callin"),
    "call": ("cal",),
    "number": ("numbers", "nummer"),
    "interested": ("intrested", "interest it"),
    "remove": ("removed", "re move"),
    "please": ("plea", "pleas"),
    "tuesday": ("twos day",),
    "thursday": ("thirsday",),
    "afternoon": ("after noon",),
    "o'clock": ("oclock", "a clock"),
    "the": ("a", "duh"),
    "for": ("four",),
    "to": ("two", "too"),
    "right": ("write",),
    "broker": ("broke er", "booker"),
    "person": ("persons", "purson"),
    "list": ("lisp", "lists"),
    "alone": ("a loan",),
    "schedule": ("schedual",),
    "robot": ("row bot",),
}
_KEEP = re.compile(r"\d|/")  # never garble digits or dates: a person would repeat them


def _lower_plain(text: str) -> str:
    text = text.lower()
    return re.sub(r"[^\w\s'/:\-]", "", text)


def add_noise(text: str, level: float, rng: random.Random) -> str:
    """`level` 0..1: how much of each kind of noise to apply."""
    if level <= 0:
        return text
    words = text.split()
    out: list[str] = []
    for index, word in enumerate(words):
        plain = re.sub(r"[^\w']", "", word.lower())
        if index == 0 and rng.random() < 0.25 * level:
            out.append(rng.choice(FILLERS) + ",")
        if rng.random() < 0.08 * level and plain and not _KEEP.search(word):
            out.append(f"{plain[:1]}-" if rng.random() < 0.5 else plain)  # false start / repeat
        if plain in MISHEARD and rng.random() < 0.2 * level:
            out.append(rng.choice(MISHEARD[plain]))
            continue
        out.append(word)
        if rng.random() < 0.06 * level and index < len(words) - 1:
            out.append(rng.choice(FILLERS[:4]))
    noisy = " ".join(out)
    if rng.random() < 0.7 * level:
        noisy = _lower_plain(noisy)  # ASR output: no case, no punctuation
    return noisy
