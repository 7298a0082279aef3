"""One caller turn -> what it means: intents from the grammar (English and Spanish) and the
shipped classifier, how they interact (a decline is not also a yes; "am I talking to a person?"
is a question, not a transfer request), and the slots the policy needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from conversation.nlu.classifier import predict_intents
from conversation.nlu.grammar import LEADING_MARKER, NEGATED, grammar_reading
from conversation.nlu.intent import Intent
from conversation.nlu.normalise import Utterance, fold, normalise_utterance
from conversation.nlu.repair import repair
from conversation.nlu.rule_syntax import compile_rule, lexicon
from conversation.nlu.slots import Products, coverage_level, preferred_name, products
from conversation.nlu.spanish import looks_spanish, spanish_intents

_NEGATED_RULES = {intent: compile_rule(pattern) for intent, pattern in NEGATED.items()}
_DISCLOSURE_SPAN = compile_rule(
    "(?:am i|are you|is this|is that|is it|are we) {GAP3}(?:talk|speak|chat) (?:to|with) (?:a |an )?(?:real |live |actual |genuine )?(?:person|human being|human|someone|somebody|robot|machine|computer|bot)(?: or (?:a |an )?(?:robot|machine|computer|bot|recording|person|human))?"
)
_TRANSFER_REQUEST = compile_rule(
    "(?:want|need|like|let me|can i|could i|may i|put me|get me|transfer|connect|rather|prefer|give me|i would)"
)
# Talking that already happened, told in the past tense (read on the surface words: the lemmas
# lose the tense).
_TALKED_BEFORE = re.compile(
    r"\b(?:(?:already|just|recently) (?:talked|spoke|spoken|chatted)|(?:talked|spoke|spoken|chatted) (?:to|with) (?:\w+ ){1,3}?(?:last|yesterday|already|before|earlier|about it|about this|recently)"
    r"|(?:have|has|had|i have|we have) (?:been )?(?:talking|talked|spoken|spoke) (?:to|with)|(?:talked|spoke) to me)\b"
)
_TAGGED_HUMAN = compile_rule(
    "(?:i am|we are) (?:talk|speak|chat)(?:ing)? (?:to|with) (?:a |an )?(?:real|live|actual|genuine) (?:person|human|human being) (?:right|correct|yes|huh|am i not|is it not)"
)
_FREE_NOW = compile_rule(
    "(?:(?:now|this|it) is (?:a )?(?:good|great|fine|perfect|okay) (?:time|moment)(?! (?:to|for) (?:hang|go|leave|stop))|but i (?:can|have time to) (?:talk|chat|speak|do this)|i can talk (?:now|right now)|i have (?:a )?(?:few )?(?:minute|time) now|but go ahead|go ahead quickly)"
)
_NO_PHRASES = re.compile(
    r"^(?:no (?:problem|worries|doubt|rush|hurry|matter|objection|objections|issue|issues)|no no no problem"
    r"|no,? (?:i|we) do not mind)\b"
)


@dataclass(frozen=True)
class Understanding:
    utterance: Utterance
    intents: frozenset[Intent]
    spanish: bool
    products: Products
    coverage: str | None  # "individual" | "family"
    preferred_name: str | None
    mentions_first_name: bool

    def has(self, *intents: Intent) -> bool:
        return any(i in self.intents for i in intents)

    @property
    def text(self) -> str:
        return self.utterance.text


@lru_cache(maxsize=1)
def _relatives() -> str:
    return "|".join(lexicon()["RELATIVE"])


def _personalise(lemma_text: str, first_name: str, broker_name: str) -> str:
    """Put the client's and broker's names into the grammar's classes: 'Maria is not here' reads
    like 'she is not here', 'can I talk to Dana' like 'talk to my broker'."""
    text = f" {lemma_text} "
    for name in {n for n in fold(broker_name).split() if len(n) >= 3}:
        text = re.sub(rf" {re.escape(name)}(?= )", " broker", text)
    text = re.sub(r" broker(?: broker)+", " broker", text)
    first = fold(first_name).split()[0] if first_name.strip() else ""
    if len(first) >= 2:
        text = re.sub(
            rf" {re.escape(first)}(?= (?:is|was|has|does|do|can|moved|pass|passed|die|not|no|live|left|went|work|just|already|sadly|recently|unfortunately))",
            " she",
            text,
        )
        # "Maria's at work", "Maria's daughter" (the 's dropped by the normaliser)
        text = re.sub(rf" {re.escape(first)}s(?= (?:{_relatives()})\b)", " her", text)
        text = re.sub(rf" {re.escape(first)}s(?= )", " she is", text)
        text = re.sub(rf" (heard of|met) (?:a |any )?{re.escape(first)}(?= )", r" \1 her", text)
        text = re.sub(
            rf" (?:there is )?(?:no (?:one |body )?|nobody |noone )(?:here )?(?:named |called |by the name of )?(?:a )?{re.escape(first)}(?= )",
            " no one by that name",
            text,
        )
        text = re.sub(rf" who is {re.escape(first)}(?= )", " no one by that name", text)
    return text.strip()


@lru_cache(maxsize=4096)
def understand(text: str, first_name: str = "", broker_name: str = "") -> Understanding:
    utterance = normalise_utterance(text)
    lemma_text = _personalise(" ".join(repair(utterance.lemmas)), first_name, broker_name)
    found, vetoed = grammar_reading(lemma_text, _personalise(utterance.text, first_name, broker_name))
    spanish = looks_spanish(tuple(re.findall(r"[a-z]+", utterance.folded)))
    spanish_found = spanish_intents(utterance.folded)
    if spanish:
        found |= spanish_found
    elif Intent.OPT_OUT in spanish_found:
        found.add(Intent.OPT_OUT)  # "no me llamen" is an opt-out in any mix of languages
    found |= predict_intents(utterance, exclude=found | vetoed)
    found = _settle(found, lemma_text, utterance.text)
    if Intent.AFFIRM in found and found & {Intent.DISCLOSURE, Intent.WHO}:
        # "okay so, is this some kind of bot?": the opening word is a discourse marker, not a yes.
        rest = LEADING_MARKER.sub("", utterance.text)
        if rest != utterance.text and Intent.AFFIRM not in understand(rest, first_name, broker_name).intents:
            found.discard(Intent.AFFIRM)
    first = fold(first_name).split()[0] if first_name.strip() else ""
    mentions_first = bool(first) and first in utterance.words
    return Understanding(
        utterance=utterance,
        intents=frozenset(found),
        spanish=spanish,
        products=products(utterance.text),
        coverage=coverage_level(utterance.text),
        preferred_name=preferred_name(utterance.text) if Intent.NAME_CORRECTION in found else None,
        mentions_first_name=mentions_first,
    )


def _settle(found: set[Intent], lemma_text: str, surface_text: str = "") -> set[Intent]:
    """How intents found together interact."""
    for intent, rule in _NEGATED_RULES.items():
        if intent in found and rule.search(lemma_text):
            found.discard(intent)
    if (
        Intent.WANTS_BROKER in found
        and _TALKED_BEFORE.search(surface_text)
        and not _TRANSFER_REQUEST.search(_TALKED_BEFORE.sub(" ", surface_text))
    ):
        found.discard(Intent.WANTS_BROKER)  # "I already talked to Dana": done, not asked for
    if Intent.DISCLOSURE in found and _TAGGED_HUMAN.search(lemma_text):
        found.discard(Intent.WANTS_BROKER)  # "I'm talking to a real person, right?": a question
    if Intent.DISCLOSURE in found and Intent.WANTS_BROKER in found:
        rest = _DISCLOSURE_SPAN.sub(" ", lemma_text)
        if not _TRANSFER_REQUEST.search(rest):
            found.discard(Intent.WANTS_BROKER)
    if Intent.DENY in found and _NO_PHRASES.search(lemma_text):
        found.discard(Intent.DENY)
    if found & {Intent.OPT_OUT, Intent.DECLINE, Intent.WRONG_PERSON, Intent.DECEASED}:
        found.discard(Intent.AFFIRM)
    if found & {Intent.WRONG_PERSON, Intent.DECEASED, Intent.DISCLOSURE}:
        found.discard(Intent.SELF_ID)
    if Intent.OPT_OUT in found:
        found.discard(Intent.CALLBACK)
    if Intent.CALLBACK in found and _FREE_NOW.search(lemma_text):
        found.discard(Intent.CALLBACK)  # "now is a good time", "I'm driving but I can talk"
    return found
