"""The small pieces of meaning a caller's answer carries besides its intent: which product they
want or refuse, who the coverage is for, which offered slot they mean, the name they prefer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.enums import ProductType

PRODUCT_WORDS: dict[ProductType, str] = {
    ProductType.DENTAL: r"(?:dental|dentist\w*|teeth|tooth|cleanings?|braces|crowns?|fillings?|orthodont\w*|gums?|dentures?)",
    ProductType.VISION: r"(?:vision|eyes?|glass(?:es)?|eyeglass(?:es)?|contacts|contact lens(?:es)?|optometrist\w*|optical|frames|lenses|sight|eye ?sight|eye exams?)",
}
_NEGATORS = r"(?:not (?:really |very |that |too )?(?:interested in|into|looking for|looking at|bothered about|worried about|fussed about)|no need for|do not (?:really )?(?:need|want|care about|care for)|do not need any|skip(?: the)?|forget(?: about)?(?: the)?|no|not|without(?: the)?|never mind(?: the)?|not the|already have|have got|got|i have|we have|covered for|covered on|fine on|good on|set on|set for)"
_WANTERS = r"(?:just|only|rather|prefer|instead|more|interested in|what about|how about|want|need|like|would like|go with|do|i will take|more interested in|mostly|mainly|especially|but)"


class SlotPick(StrEnum):
    ANY = "any"
    NONE = "none"


@dataclass(frozen=True)
class Products:
    wanted: tuple[ProductType, ...]
    refused: tuple[ProductType, ...]
    mentioned: tuple[ProductType, ...]


_CONTRAST = re.compile(
    r"\b(but|maybe|perhaps|just|only|though|however|instead|rather|except|although|yet|what about|how about|tell me about|i would look at|i would consider)\b|[,;]"
)
_POSITIVE_LEAD = frozenset(
    "but maybe perhaps just only instead rather what about how about tell me about i would look at i would consider".split(
        " "
    )
) | {"what about", "how about", "tell me about", "i would look at", "i would consider"}


def products(text: str) -> Products:
    """'not interested in dental, just vision' -> wanted (vision,), refused (dental,). A negation
    reaches only as far as the next 'but', 'just', comma...: clauses are read apart."""
    wanted: list[ProductType] = []
    refused: list[ProductType] = []
    mentioned: list[ProductType] = []
    lead = ""
    position = 0
    clauses: list[tuple[str, str]] = []
    for match in _CONTRAST.finditer(text):
        clauses.append((lead, text[position : match.start()]))
        lead, position = (match.group(1) or ""), match.end()
    clauses.append((lead, text[position:]))
    for lead, clause in clauses:
        for product, words in PRODUCT_WORDS.items():
            if not re.search(rf"\b{words}\b", clause):
                continue
            if product not in mentioned:
                mentioned.append(product)
            negated = re.search(rf"\b{_NEGATORS}\b(?: \S+){{0,2}} {words}\b", clause) or re.search(
                rf"\b{words} (?:is|are|i have got|i have|i have got covered) ?(?:fine|covered|taken care of|good|all set|not needed|not something|covered)",
                clause,
            )
            if negated:
                refused.append(product)
            elif (
                lead
                or re.search(rf"\b{_WANTERS} (?:\S+ ){{0,3}}{words}\b", clause)
                or re.search(
                    rf"\b{words} (?:instead|only|please|sounds|interests|would be|is what|though)\b", clause
                )
            ):
                wanted.append(product)
    wanted = [p for p in dict.fromkeys(wanted) if p not in refused]
    return Products(tuple(wanted), tuple(dict.fromkeys(refused)), tuple(mentioned))


_SELF_ONLY = re.compile(
    r"\b(?:just (?:me|myself|mine|for me|for myself|the one|one person|me alone|individual|one)|only (?:me|myself|for me|mine|one)|"
    r"mine only|on my own|just mine|"
    r"me alone|myself|by myself|individual|single|me only|for me only|one person|only one|alone|"
    r"i am not married|not married|no spouse|no wife|no husband|do not have a (?:spouse|wife|husband|partner)|"
    r"divorced|widow\w*|live alone|no one else|nobody else|just for me|for me|me|solo yo|solo para mi|solo|single person)\b"
)
_FAMILY = re.compile(
    r"\b(?:spouse|wife|husband|partner|family|both|both of us|the two of us|us two|us|we|kids?|children|"
    r"my (?:son|daughter|kids|children|family|household)|everyone|whole household|household|for two|two of us|"
    r"me and (?:my|the)|and my (?:wife|husband|spouse|partner)|include (?:her|him|them|my \w+)|mi esposa|mi esposo|familia)\b"
)
_NOT_FAMILY = re.compile(
    r"\b(?:not|no|without|except) (?:my |the |for )?(?:spouse|wife|husband|partner|family|kids|children)\b"
    r"|\b(?:do not|does not|never) have (?:a |my |any )?(?:spouse|wife|husband|partner|family|kids|children)\b"
    # the spouse is covered elsewhere: "my husband has his own insurance", "he's got his own"
    r"|\b(?:spouse|wife|husband|partner|he|she) (?:has|have|got|gets|is on|has got|is got|already has) (?:his |her |their )?own\b"
    r"|\b(?:spouse|wife|husband|partner|he|she) (?:has|have|gets|got|already has) (?:coverage|insurance|a plan|dental|vision)\b"
    r"|\b(?:spouse|wife|husband|partner|he|she) (?:does not|do not|will not|would not) need (?:it|that|this|one|any)\b"
)


def coverage_level(text: str) -> str | None:
    """'individual' | 'family' | None from 'just me' / 'me and my wife'."""
    if _NOT_FAMILY.search(text) or re.search(r"\b(?:just|only) (?:me|myself|for me)\b", text):
        return "individual"
    if _FAMILY.search(text):
        return "family"
    if _SELF_ONLY.search(text):
        return "individual"
    return None


_FIRST = (
    r"(?:first|1st|earlier|earliest|former|sooner|soonest|top|number one|first one|one one|the one before)"
)
_SECOND = r"(?:second|2nd|latter|later one|the later|number two|second one|last one|the last|the other one|the next one)"
_ANY = r"(?:either|any|whichever|both|does not matter|do not care|you choose|you pick|up to you|your call|you decide|whatever works|whatever is|whichever is|either one|any of them|any one)"
_NONE = r"(?:neither|none|nothing|no good|not those|not either|not any|other times?|another (?:time|day|slot|option)|different (?:time|day|slot)|something else|anything else|somewhere else|can not (?:do|make) (?:either|those|any|that|it|them)|(?:do not|does not|will not|would not|can not) (?:work|suit|fit)|not (?:great|good) for me|busy then|busy both|no can do|is there anything|are there other|what else|any other)"


_CHOICE_NOUN = r"(?:one|option|time|slot|choice|opening|of the two|of those|of them)"


def slot_pick(text: str, offered: int, *, dated: bool = False) -> int | SlotPick | None:
    """Which offered slot the words pick: an index, ANY, NONE or None (nothing said about it).
    `dated`: the words also name a day or a time, so 'the first' / 'the 2nd' is a date, not a
    choice - unless it is plainly a choice ('the first one', 'the second option')."""
    if dated:
        first = re.search(rf"\b{_FIRST} {_CHOICE_NOUN}\b", text)
        second = re.search(rf"\b{_SECOND} {_CHOICE_NOUN}\b", text)
        if bool(first) != bool(second):
            return 0 if first else (1 if offered >= 2 else None)
        return SlotPick.NONE if re.search(rf"\b{_NONE}\b", text) else None
    if re.search(rf"\b{_NONE}\b", text) and not re.search(rf"\b{_FIRST}\b|\b{_SECOND}\b", text):
        return SlotPick.NONE
    second = re.search(rf"\b{_SECOND}\b", text)
    first = re.search(rf"\b{_FIRST}\b", text)
    if first and not second:
        return 0
    if second and not first and offered >= 2:
        return offered - 1 if re.search(r"\blast\b", text) else 1
    if re.search(rf"\b{_ANY}\b", text):
        return SlotPick.ANY
    return None


_PREFERRED = (
    re.compile(
        r"\b(?:it is|i am|my name is|i go by|just call me|please call me|call me|the name is|name is|prefer|it is just) ([a-z]+)(?: [a-z]+)?\s*$"
    ),
    re.compile(r"\b(?:you can|you may|please|just|everyone|people|my friends) call me ([a-z]+)$"),
    re.compile(r"\b(?:i go by|i prefer|my friends call me|everyone calls me|people call me) ([a-z]+)\b"),
)
_NOT_A_NAME = frozenset(
    "fine okay ok good great sure yes no here back later again it this that me her him them busy "
    "not interested done calling maam madam sir mrs mr ms miss dear honey please".split()
)


def preferred_name(text: str) -> str | None:
    """The name a caller asks to be called by ('don't call me X, it's Y' -> 'Y'), if any."""
    for pattern in _PREFERRED:
        match = pattern.search(text)
        if match and match.group(1) not in _NOT_A_NAME and len(match.group(1)) >= 2:
            return match.group(1).capitalize()
    return None
