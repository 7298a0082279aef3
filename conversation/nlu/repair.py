"""Misheard and misspelt words put back before the grammar reads them ('intrested' ->
'interested', 'nummer' -> 'number', 'remuve' -> 'remove'), by Jaro-Winkler similarity (rapidfuzz)
to the lexicon's own words. Common words that merely look alike ('quite', 'remote') are left."""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from conversation.nlu.normalise import LEMMAS, lemma
from conversation.nlu.rule_syntax import lexicon

SIMILARITY = 0.9
EDIT_SIMILARITY = 80  # and at most a couple of letters apart (fuzz.ratio, 0-100)
MIN_LENGTH = 5
# Real words close to a lexicon word that must stay what they are.
_COMMON = frozenset(
    "quite remote minute minutes number numbers listen listening lister mistake mister caller "
    "called calls calling callers there their where were wear about above after again agent "
    "things thing think thank thanks through though thought three threw right write light night "
    "might sight tight fight height plans plane plant planet price prize pride prime print place "
    "plate please pleased pleasure stopped stopping stops stoped remove removed removes contact "
    "contacts contacted dental dentist vision visit visits visited person personal persons human "
    "humans money month months monday tuesday wednesday thursday friday saturday sunday morning "
    "evening afternoon tonight tomorrow today later letter better butter bother brother mother "
    "other others father rather gather either neither whether weather leave leaves left lease "
    "least alone along among aloud allow below elbow doing going being seeing saying paying "
    "staying trying buying lying dying living giving having moving loving coming making taking tired "
    "waking baking shaking liking hiking biking spending sending lending mending ending".split()
)


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, ...]:
    words = {w for entries in lexicon().values() for entry in entries for w in entry.split()}
    words |= set(LEMMAS)
    words |= {"interested", "number", "calling", "list", "remove", "delete", "broker", "person"}
    words |= {"consent", "permission", "revoke", "withdraw", "recording"}  # not 'content'...
    return tuple(sorted(w for w in words if len(w) >= MIN_LENGTH - 1))


@lru_cache(maxsize=8192)
def repair_word(word: str) -> str:
    if len(word) < MIN_LENGTH or word in _COMMON or word.isdigit():
        return word
    vocabulary = _vocabulary()
    if word in vocabulary:
        return word
    near = [v for v in vocabulary if abs(len(v) - len(word)) <= 2]
    match = process.extractOne(word, near, scorer=JaroWinkler.similarity, score_cutoff=SIMILARITY)
    if match is None or fuzz.ratio(word, match[0]) < EDIT_SIMILARITY:
        return word
    return lemma(match[0])


def repair(lemmas: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(repair_word(w) for w in lemmas)
