"""Names as callers say them and STT writes them: accents folded, small slips allowed
('Lopes' for 'Lopez', by rapidfuzz's Jaro-Winkler similarity), common nicknames ('Bill' for
'William'), compound and hyphenated surnames. Also: which words of an answer are a name."""

from __future__ import annotations

import re

from rapidfuzz.distance import JaroWinkler, Levenshtein

from conversation.nlu.normalise import LEMMAS, fold, lemma
from conversation.nlu.rule_syntax import lexicon

SIMILAR = 0.9  # Jaro-Winkler similarity at which two name words are the same name
_NICKNAMES: dict[str, frozenset[str]] = {
    formal: frozenset(short.split())
    for formal, short in {
        "william": "bill billy will willy liam",
        "robert": "bob bobby rob robbie bert",
        "richard": "rick ricky dick rich richie",
        "james": "jim jimmy jamie",
        "john": "jack johnny jon",
        "joseph": "joe joey",
        "thomas": "tom tommy",
        "charles": "charlie chuck chas",
        "michael": "mike mikey mick",
        "elizabeth": "liz lizzie beth betty eliza betsy libby",
        "margaret": "maggie meg peggy marge margie greta",
        "katherine": "kate katie kathy kat",
        "catherine": "cathy kate katie cat",
        "jennifer": "jen jenny",
        "patricia": "pat patty trish tricia",
        "barbara": "barb barbie babs",
        "susan": "sue susie suzy",
        "deborah": "deb debbie",
        "dorothy": "dot dottie",
        "rebecca": "becky becca",
        "christopher": "chris kit",
        "daniel": "dan danny",
        "anthony": "tony",
        "edward": "ed eddie ted ned",
        "francisco": "paco pancho",
        "jose": "pepe",
        "guadalupe": "lupe",
        "alejandro": "alex",
        "alexander": "alex al",
        "alexandra": "alex sandra",
        "maria": "mari mary",
        "josefina": "josie fina",
        "manuel": "manny",
        "ignacio": "nacho",
        "roberto": "beto",
        "alberto": "beto al",
        "victoria": "vicky tori",
        "samuel": "sam sammy",
        "samantha": "sam sammy",
        "benjamin": "ben benny",
        "nicholas": "nick nicky",
        "gregory": "greg",
        "timothy": "tim timmy",
        "stephen": "steve",
        "steven": "steve",
        "lawrence": "larry",
        "raymond": "ray",
        "ronald": "ron ronnie",
        "donald": "don donnie",
        "gerald": "gerry jerry",
        "harold": "harry hal",
        "henry": "hank harry",
        "frances": "fran frannie",
        "francis": "frank",
        "frank": "frankie",
        "theresa": "terry tess",
        "teresa": "terry tere",
        "virginia": "ginny",
        "judith": "judy",
        "pamela": "pam",
        "cynthia": "cindy",
        "kimberly": "kim",
        "abigail": "abby",
        "eleanor": "ellie nora",
        "helen": "nell",
        "carolyn": "carol",
        "caroline": "carol",
        "douglas": "doug",
        "kenneth": "ken kenny",
        "leonard": "len lenny leo",
        "matthew": "matt",
        "nathaniel": "nate nat",
        "patrick": "pat paddy",
        "peter": "pete",
        "phillip": "phil",
        "philip": "phil",
        "walter": "walt wally",
        "zachary": "zach zack",
        "andrew": "andy drew",
        "anthony ": "tony",
        "jacqueline": "jackie",
        "madeline": "maddie",
        "natalie": "nat",
        "gabriel": "gabe",
        "gabriela": "gabby",
        "isabel": "izzy bel",
        "jesus": "chuy",
    }.items()
}


def name_words(text: str) -> list[str]:
    """Lower-case ASCII words of a name ('María-José' -> ['maria', 'jose'])."""
    return re.findall(r"[a-z]+", fold(text))


def same_name(expected: str, said: str) -> bool:
    """One name word heard as another: equal, a nickname, or a small slip on a longer name."""
    if expected == said:
        return True
    if said in _NICKNAMES.get(expected, frozenset()) or expected in _NICKNAMES.get(said, frozenset()):
        return True
    if min(len(expected), len(said)) < 4:
        return False
    return JaroWinkler.similarity(expected, said) >= SIMILAR


def name_matches(spoken: str, first_name: str, last_name: str) -> bool:
    """Every word of the first and last name appears among the spoken words (small STT slips
    and nicknames allowed). A compound surname may be given in full or by its first part."""
    heard = name_words(spoken)
    first = name_words(first_name)[:1]
    last = name_words(last_name)
    if not first and not last:
        return False
    if not all(any(same_name(w, h) for h in heard) for w in first):
        return False
    if all(any(same_name(w, h) for h in heard) for w in last):
        return True
    if last and _said_joined_or_apart(last, heard):
        return True
    # "García" for "García López" (Hispanic compound surnames): the first surname is enough.
    return len(last) > 1 and any(same_name(last[0], h) for h in heard) and "-" not in last_name


def _said_joined_or_apart(last: list[str], heard: list[str]) -> bool:
    """A surname written in parts and said as one word, or the other way round: O'Brien heard
    as 'obrien', De La Cruz as 'delacruz', Lopez as 'lo pez', St. James as 'saint james'."""
    whole = "".join("saint" if w == "st" else w for w in last)
    words = ["saint" if w == "st" else w for w in heard]
    runs = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(i + 4, len(words)) + 1)}
    return any(Levenshtein.distance(whole, run) <= 1 for run in runs)  # strict: no prefix match


def has_first_name(spoken: str, first_name: str) -> bool:
    first = name_words(first_name)[:1]
    return bool(first) and any(same_name(first[0], h) for h in name_words(spoken))


_NOT_NAME = frozenset(
    "yes yeah yep sure okay ok hi hello hey it is this my name the and i am im um uh its me speaking "
    "that is right correct well so oh born on of in date birth birthday was dob thanks thank you "
    "please sorry er a an at sir maam mrs mr ms miss full first last surname called go by just "
    "here you are with she he her his who wants to know no not what last-name lastname was were be "
    "been can could would will do does did have has had for from to by as or if but so then than too "
    "very really just only also again now right okay alright sure yup yep nope gonna got get give "
    "tell said say says spell spelled spelling like think know see mean our your their them they we "
    "us there where when why how which one two three all any some that's thats ok goodness oh ah "
    "hmm mm mhm uhh umm er eh well gosh dear god let lets me mine myself hello hi hey good morning "
    "afternoon evening day year month years months old age speaking calling call yes si soy yo "
    "llamo nombre mi es el la de y nacimiento naci fecha huh pardon excuse come again repeat "
    "understand confused lost hold wait second moment minute sec bye goodbye came come comes into "
    "onto world arrived arrive entered life earth planet talking phone line only flesh found ahead "
    "go goes person one same guy lady gentleman calling talk honest truth exactly course sure "
    "yours truly indeed definitely absolutely certainly probably guess suppose reckon".split()
)


def spoken_name_words(text_without_date: str) -> list[str]:
    """Words of an identity answer that may be a name (fillers and small words dropped)."""
    return [
        w for w in name_words(text_without_date) if w not in _NOT_NAME and len(w) >= 2 and not w.isdigit()
    ]


def looks_like_word(token: str) -> bool:
    """An ordinary word rather than a name (so 'I am following' does not introduce 'Following')."""
    words = name_words(token)
    if not words:
        return True
    vocabulary = {w for entries in lexicon().values() for e in entries for w in e.split()}
    return all(w in _NOT_NAME or w in vocabulary or lemma(w) in LEMMAS or lemma(w) != w for w in words)
