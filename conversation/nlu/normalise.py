"""Caller text as the grammar reads it: lower case, accents folded, contractions expanded,
fillers and stutters removed, words reduced to their lemma ("calling" -> "call").

STT output has no reliable punctuation or case, so nothing downstream may depend on either.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Acknowledgement noises that mean yes; they must be mapped before fillers are dropped.
_YES_NOISES = re.compile(r"\b(m+[ -]?h+m+|mh+m+|uh+[ -]?huh|uh+[ -]?hu+h|ah+ yes)\b")
_NO_NOISES = re.compile(r"\b(uh+[ -]?uh+|huh[ -]?uh|nuh[ -]?uh|mm+[ -]?mm+)\b")
_FILLERS = re.compile(
    r"\b(u+h+m*|u+m+|e+r+m*|a+h+|e+h+|h+m+|o+h+h+|uh+|you know|i mean|kind of like|like,)(?=\W|$)"
)
_CONTRACTIONS: tuple[tuple[str, str], ...] = (
    (r"\bwon'?t\b", "will not"),
    (r"\b(can'?t|cannot)\b", "can not"),
    (r"\bain'?t\b", "is not"),
    (r"\b(do|does|did|is|are|was|were|have|has|had|would|should|could|must|need)n'?t\b", r"\1 not"),
    (r"\bdont\b", "do not"),
    (r"\bi'?m\b", "i am"),
    (r"\bive\b", "i have"),
    (r"\b(it|that|what|there|here|who|where|he|she|how|this)'s\b", r"\1 is"),
    (r"\b(that|what|here|there)s\b", r"\1 is"),
    (r"\b(you|we|they)'re\b", r"\1 are"),
    (r"\b(you|they)re\b", r"\1 are"),
    (r"\b(i|you|we|they|he|she|it|that|there|what|who|this|where|how)'ll\b", r"\1 will"),
    (r"\b(i|you|we|they|he|she|it|that|who)'d\b", r"\1 would"),
    (r"\b(i|you|we|they|could|should|would|must|might)'ve\b", r"\1 have"),
    (r"\blet'?s\b", "let us"),
    (r"\bgonna\b", "going to"),
    (r"\bwanna\b", "want to"),
    (r"\bgotta\b", "got to"),
    (r"\bgimme\b", "give me"),
    (r"\blemme\b", "let me"),
    (r"\bdunno\b", "do not know"),
    (r"\by'?all\b", "you"),
    (r"\b(ya|ye|u)\b", "you"),
    (r"\bur\b", "your"),
    (r"\b(pls|plz|pleeease|pleease|pleaze)\b", "please"),
    (r"\b(ok|okey|kk|okie)\b", "okay"),
    (r"\b(thx|thanx|thks)\b", "thanks"),
)
_COMPILED = tuple((re.compile(p), r) for p, r in _CONTRACTIONS)
# Irregular forms the suffix rules cannot reach.
_IRREGULAR = {
    "rang": "ring",
    "rung": "ring",
    "spoke": "speak",
    "spoken": "speak",
    "took": "take",
    "taken": "take",
    "got": "get",
    "gotten": "get",
    "said": "say",
    "told": "tell",
    "left": "leave",
    "died": "die",
    "dying": "die",
    "dead": "dead",
    "bought": "buy",
    "thought": "think",
    "went": "go",
    "gone": "go",
    "kids": "kid",
    "children": "child",
    "wives": "wife",
    "texting": "text",
    "texted": "text",
    "texts": "text",
    "callin": "call",
    "cal": "call",
    "calin": "call",
    "ringin": "ringing",
    "phonin": "phoning",
    "botherin": "bothering",
    "callers": "caller",
    "am": "am",
    "is": "is",
    "was": "was",
    "has": "has",
    "does": "does",
    "this": "this",
    "yes": "yes",
    "us": "us",
    "plus": "plus",
    "bus": "bus",
    "thanks": "thanks",
    "always": "always",
    "sometimes": "sometimes",
    "perhaps": "perhaps",
    "its": "its",
    "his": "his",
    "hers": "hers",
    "ours": "ours",
    "yours": "yours",
    "news": "news",
    "less": "less",
    "unless": "unless",
    "anymore": "anymore",
    "means": "mean",
    "glasses": "glass",
    "contacts": "contact",
    "ones": "one",
    "times": "time",
    "series": "series",
    "species": "species",
    "morning": "morning",
    "evening": "evening",
    "something": "something",
    "anything": "anything",
    "nothing": "nothing",
    "everything": "everything",
    "thing": "thing",
    "during": "during",
    "bring": "bring",
    "string": "string",
    "king": "king",
    "sing": "sing",
    "wing": "wing",
    "ring": "ring",
    "being": "be",
    "interested": "interested",
    "interesting": "interesting",
    "need": "need",
    "indeed": "indeed",
    "speed": "speed",
    "red": "red",
    "bed": "bed",
    "wed": "wed",
    "married": "married",
    "hundred": "hundred",
    "tired": "tired",
    "retired": "retired",
    "scared": "scared",
    "covered": "covered",
    "insured": "insured",
    "deceased": "deceased",
    "automated": "automated",
    "recorded": "recorded",
    "annoyed": "annoyed",
    "confused": "confused",
    "stressed": "stressed",
    "pissed": "pissed",
    "passed": "pass",
    "busy": "busy",
    "did": "did",
    "had": "had",
    "seed": "seed",
    "robots": "robot",
    "persons": "person",  # "are you a persons": a recogniser's plural
    "purson": "person",
    "bots": "bot",
    "machines": "machine",
    "computers": "computer",
    "humans": "human",
    "recording": "recording",
    "good": "good",
    "feed": "feed",
    "sped": "sped",
    "used": "used",
    "wanted": "want",
    "needed": "need",
}
# Lemmas the suffix rules may produce (a stripped form is kept only if it lands here).
LEMMAS = frozenset(
    "call ring phone contact dial text bother bug pester harass hound reach solicit stop quit cease "
    "halt end remove delete erase drop scratch cross strike wipe purge scrub lose take put add keep "
    "leave want need talk speak chat connect transfer patch forward hang try wait hold book schedule "
    "set pick choose work sound help go continue proceed listen hear explain repeat understand mean "
    "die pass bury miss love like prefer move live answer pay cost charge cover include compare "
    "guarantee promise lock change increase raise rise jump ask tell say send mail email spam market "
    "sell pitch offer interest check look think decide discuss manage handle visit enjoy appreciate "
    "mark list number name record file unsubscribe opt block report sue complain annoy bite jump "
    "let give get thank bless rest happen confuse follow catch verify confirm correct spell born "
    "marry receive return reschedule cancel agree accept decline refuse reject mind care worry".split()
)
_SUFFIXES = ("ings", "ing", "in", "ed", "es", "s", "d", "er", "ers")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def fold(text: str) -> str:
    """Lower case, typographic quotes straightened, accents removed ('María' -> 'maria')."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower()


def _expand(text: str) -> str:
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return text


# Words a recogniser splits or merges, put back together.
_ASR_JOINS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\b(leave (?:me|us)) a (?:loan|lone)\b", r"\1 alone"),
        (r"\bcall in\b(?= (?:me|here|this|us|again|anymore)\b)", "calling"),
        (r"\bre move\b", "remove"),
        (r"\bd\.? ?n\.? ?c\b\.?", "dnc"),  # "d n c", "d.n.c."
        (r"\bgo a way\b", "go away"),
        (r"\bdo know call\b", "do not call"),
        (r"\bun subscribe\b", "unsubscribe"),
        (r"\bafter noon\b(?! on)", "afternoon"),
        (r"\ba clock\b", "oclock"),
        (r"\bwrong numb\w*\b", "wrong number"),
        (r"\brow bot\b", "robot"),
        (r"\btwos day\b", "tuesday"),
        (r"\bthirs?day\b", "thursday"),
        (r"\bwhens day\b", "wednesday"),
        (r"\b(mon|fri|satur|sun) day\b", r"\1day"),
        (r"\bduh\b", "the"),  # "give me duh later time"
        (r"\ban? other (?=one|time|day|slot)", "the other "),  # "a other one": 'the' misheard
        # "that's a one", "that's like a one"
        (r"\b(that'?s|that is|this is|it'?s|it is)((?: (?:like|um|uh|er|erm))?) a one\b", r"\1\2 the one"),
        (r"\bon a (line|phone)\b", r"on the \1"),  # "she's on a line"
        (r"\bin a flesh\b", "in the flesh"),
        (r"^a one and only\b", "the one and only"),
        # "list" heard as 'lisp'/'liszt' (too short for repair.py's fuzzy match), or as 'least'
        # only where a list is what one is taken off or put on.
        (r"\b(your|the|this|that|ur|a|calling|call|contact|mailing|phone) (?:lisp|liszt|lyst)\b", r"\1 list"),
        (r"\b(off|from|on) (your|the|ur) (?:least|lest)\b", r"\1 \2 list"),
        (r"\ban? (later|earlier|first|second|last|latter|former) (one|option|time|slot)\b", r"the \1 \2"),
        (r"\b(about|that is|thats|that's|sounds|all|yeah|yes|is)((?: (?:er|uh|um))?) write\b", r"\1\2 right"),
        (r"^write\b", "right"),  # "right" heard as "write"
        # 'to' heard as 'two'/'too' before a verb: "I don't want two be contacted again".
        (
            r"\b(?:two|too) (?=(?:be|get|hear|receive|call|talk|speak|contact|do|go|ring|phone|decline|"
            r"pass|say|think|check|ask|leave|stop|hang|run|work|book|wait|see|know|let|take|put)\b)",
            "to ",
        ),
        (
            r"\b(want|wants|wanted|need|needs|wish|like|trying|going|ought|used|have|has) too\b(?! (?:much|many|late|early|soon|long|far|bad|often)\b)",
            r"\1 to",
        ),
        (r"\bfourty", "forty"),
        # Tens and units written as one word: "ninetyseven" -> "ninety-seven", "twentyfifth".
        (
            r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
            r"(one|two|three|four|five|six|seven|eight|nine|first|second|third|fourth|fifth|sixth|"
            r"seventh|eighth|ninth)\b",
            r"\1-\2",
        ),
    )
)


# The words that start a correction ("sixty-one, no, sixty-two", "at two, i mean three"): the
# dates and the times parsers both read what follows as what was meant. Not "no later than",
# "no middle name", "sorry about today".
CORRECTION_MARKER = (
    r"no,?\s+(?:wait,?\s+)?(?!middle|later|earlier|sooner|more|problem|rush|need|worries)|i mean,?\s+"
    r"|sorry,?\s+(?!about|for|to\b)|wait,?\s+no,?\s+|actually,?\s+(?:make it\s+)?|make it\s+|or rather\s+"
)


def asr_joins(text: str) -> str:
    """Split or merged words put back ('twos day' -> 'tuesday', 'leave me a loan' -> 'alone')."""
    text = re.sub(r"\b([a-z]{1,3})-\s+", "", text)  # a word cut off: "a- at", "half p- past"
    # "dental's covered": the 's of a thing is 'is' (a person's 's stays a possessive)
    text = re.sub(
        r"\b(dental|vision|insurance|coverage|plan|policy|price|cost|everything|nothing)'s\b", r"\1 is", text
    )
    for pattern, replacement in _ASR_JOINS:
        text = pattern.sub(replacement, text)
    return re.sub(r"[ \t]{2,}", " ", text)


_KEEP_LIKE = frozenset("to that this it them him her you me us one some".split())
# After these, "like" is a verb or a comparison ("I'd like", "looks like"), not a filler.
_LIKE_MEANS_LIKE = frozenset(
    "i you we they would do does did really also just not might d should could will to feel feels "
    "look looks sound sounds seem seems something anything more much what".split()
)


_BE = frozenset("is are was were am".split())
_BARE_VERBS = frozenset(
    "call ring phone contact text email bother put book give send want need know think remember "
    "understand care mind have live".split()
)
_TALKING = frozenset("speaking talking chatting speak talk chat".split())
_PREDICATIVE = frozenset(
    "interested sure ready keen able available free happy sold convinced bothered worried "
    "fine okay ok good busy done".split()
)
# After these "like" is the verb or "looks like": "I like good food", "it looks like no".
_LIKE_IS_A_VERB = frozenset(
    "i you we they would d really also just look looks sound sounds seem seems feel feels".split()
)
_CALLING = frozenset("call ring phone contact text email bother".split())  # lemmas
_WHICH_OF = frozenset("other first second third last later earlier next latter former".split())
_IMPERATIVE = frozenset(
    "leave take put remove book pencil sign count cross scratch lock give stop quit".split()
)


def _drop_filler_like(words: list[str]) -> list[str]:
    """'like' as a filler ('that's the like one', 'like, sure') goes; 'I'd like that' stays."""
    out: list[str] = []
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "like" and _filler_like(out[-2:], following):
            continue
        out.append(word)
    return out


def _filler_like(before: list[str], following: str) -> bool:
    """Whether a "like" between `before` (the last two words kept) and `following` is a filler."""
    previous = before[-1] if before else ""
    earlier = before[0] if len(before) == 2 else ""
    if following not in _KEEP_LIKE and previous not in _LIKE_MEANS_LIKE:
        return True
    return (
        # "is like this automated", "are you like a real person": a question's filler
        (bool(following) and (previous in _BE or earlier in _BE))
        # "no like one called Maria lives here"
        or (previous == "no" and following in ("one", "body"))
        # "do not like call me Robert", "i don't like want to": "like" never takes a bare verb
        or lemma(following) in _BARE_VERBS  # 'cal', 'callin' as well
        # "am I speaking like to a real person", "... to like a real person"
        or (previous in _TALKING and following in ("to", "with"))
        or (previous in ("to", "with") and earlier in _TALKING)
        # "the do like not call list", "not like interested": never an object
        or (
            (following in ("not", "no", "never") or following in _PREDICATIVE)
            and previous not in _LIKE_IS_A_VERB
        )
        # "leave like me alone", "put like me down": a verb then its object
        or previous in _IMPERATIVE
        # "don't calling like me", "stop ringing like us": a call, then who is called
        or (lemma(previous) in _CALLING and following in ("me", "us", "here", "again", "anymore"))
        # "that would be like me": who is speaking, not a likeness
        or (previous == "be" and following in ("me", "us", "him", "her", "them"))
        # "I don't want like to be contacted": a wish then its verb
        or (lemma(previous) in ("want", "need", "wish", "try", "go", "have") and following == "to")
        # "isn't with like us anymore", "talk to like me": a preposition then its object
        or (previous in ("with", "to", "for", "from") and following in ("me", "us", "him", "her", "them"))
        # "the other like one", "the first like option": which of the offered
        or (previous in _WHICH_OF and following in ("one", "ones", "option", "slot", "time"))
    )


def _destutter(words: list[str]) -> list[str]:
    """'s-stop', 'i i i want', 'stop stop' -> one word; 'no no' stays two (it is emphasis)."""
    out: list[str] = []
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if (
            len(word) <= 2
            and following.startswith(word)
            and len(following) > len(word)
            and word
            not in (
                "i",
                "a",
                "no",
                "so",
                "do",
                "to",
                "in",
                "on",
                "at",
                "is",
                "it",
                "me",
                "my",
                "we",
                "us",
                "he",
                "be",
                "go",
                "of",
                "or",
                "an",
                "am",
            )
        ):
            continue  # a false start: "w want", "r robot"
        if "-" in word:
            head, _, rest = word.partition("-")
            if rest and rest.startswith(head):
                word = rest
        if out and out[-1] == word and word not in ("no", "yes", "very", "really", "bye"):
            continue
        out.append(word)
    # repeated two-word runs: "i want i want to" -> "i want to"
    i = 0
    result: list[str] = []
    while i < len(out):
        if i + 3 < len(out) and out[i] == out[i + 2] and out[i + 1] == out[i + 3]:
            i += 2
            continue
        result.append(out[i])
        i += 1
    return result


def lemma(word: str) -> str:
    """'calling' -> 'call', 'stopped' -> 'stop', 'removing' -> 'remove'; unknown words unchanged."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in LEMMAS:
        return word
    for suffix in _SUFFIXES:
        if not word.endswith(suffix) or len(word) - len(suffix) < 2:
            continue
        stem = word[: -len(suffix)]
        doubled = suffix in ("ing", "ed", "in", "er", "ers") and len(stem) > 2 and stem[-1] == stem[-2]
        doubled = doubled and stem[-1] not in "aeiouy"
        for candidate in (stem, stem + "e", stem[:-1] if doubled else ""):
            if candidate in LEMMAS:
                return candidate
    return word


@dataclass(frozen=True)
class Utterance:
    """One caller turn in the forms the grammar and the parsers need."""

    raw: str
    folded: str  # lower case, accents folded, punctuation kept
    words: tuple[str, ...]  # contractions expanded, fillers and stutters dropped
    lemmas: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def lemma_text(self) -> str:
        return " ".join(self.lemmas)


@lru_cache(maxsize=4096)
def normalise_utterance(raw: str) -> Utterance:
    folded = fold(raw)
    text = _YES_NOISES.sub(" yes ", folded)
    text = _NO_NOISES.sub(" no ", text)
    text = re.sub(r"[a-z]*[*#@$%]{2,}[a-z]*", " expletive ", text)  # "f***", "s**t"
    text = _expand(text)
    text = _FILLERS.sub(" ", asr_joins(text))
    words = _drop_filler_like(_destutter(_WORD.findall(text)))
    # The joins once more, now that no filler stands inside them ("on um a line", "like a one").
    words = _WORD.findall(asr_joins(" ".join(words)))
    words = _destutter([part.replace("'", "") for word in words for part in word.split("-") if part])
    return Utterance(raw=raw, folded=folded, words=tuple(words), lemmas=tuple(lemma(w) for w in words))


def normalise(text: str) -> str:
    """The normalised word string (kept for callers of the old intents module)."""
    return normalise_utterance(text).text
