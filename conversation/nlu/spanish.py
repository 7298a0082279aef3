"""Spanish: telling a Spanish-speaking caller from an English one, and the intents that matter
most in Spanish (above all the opt-out), read on the accent-folded text."""

from __future__ import annotations

import re
from functools import lru_cache

from conversation.nlu.intent import Intent

# Words that are Spanish and not English (accents folded): function words and call vocabulary.
_MARKERS = frozenset(
    "hola usted ustedes gracias favor quien esta estoy estas estamos hablo habla hablar ingles "
    "espanol castellano quiero queremos tengo necesito manana ahora ella ellos pero porque tambien "
    "muy bien donde cuando como cual nada nunca puedo puede podria disculpe perdon entiendo momento "
    "ocupado ocupada llamada llamadas llame llamen llamar llamarme llames senor senora bueno que el "
    "la los las una mi es con para por lo ya mas hay son sea vale claro interesa seguro cita hora "
    "tarde noche dia semana lunes martes miercoles jueves viernes sabado domingo equivocado numero "
    "persona maquina corredor agente precio cuanto cuesta soy eres del al su sus nos le les "
    "quiere sabe se si aqui alli muerto murio fallecio gustaria prefiero oiga mire diga digame "
    "molesten moleste quiten borren saquen lista deje dejen paz basta adios luego despues vez otra "
    "tiempo trabajo gracias graciasno hablamos entiende comprendo repita acuerdo ya".split()
)
_STRONG = frozenset(
    "hola usted ustedes gracias hablo ingles espanol quiero tengo necesito manana ahora porque "
    "tambien disculpe entiendo ocupado ocupada llamada llamadas llamen llame senor senora oiga "
    "digame molesten quiten borren saquen dejen fallecio murio gustaria castellano comprendo".split()
)

RULES: dict[Intent, tuple[str, ...]] = {
    Intent.OPT_OUT: (
        r"\bno\s+(?:me|nos|le)?\s*(?:vuelva[ns]?\s+a\s+|vuelvas\s+a\s+)?(?:llame[ns]?|llamar(?:me|nos)?|llames|molest\w*|contact\w*|marque[ns]?|escrib\w*)\b",
        r"\b(?:deje|dejen|deja|dejar|para|paren|pare|parar|basta|terminen|termine)\s+de\s+(?:llam\w*|molest\w*|contact\w*|fastidi\w*|acos\w*)",
        r"\b(?:quite|quiten|quita|quitar|saque|saquen|saca|sacar|borre|borren|borra|borrar|elimine|eliminen|elimina|eliminar|retire|retiren|remueva|remuevan)(?:me|nos|lo|la)?\s+(?:(?:de|del)\s+)?(?:\w+\s+)?(?:numero|nombre|lista|datos|telefono|sistema|base)",
        r"\b(?:quitenme|quiteme|sacame|saquenme|saqueme|borrenme|borreme|eliminenme|elimineme)\b",
        r"\bdej\w*\s+en\s+paz\b",
        r"\bno\s+quiero\s+(?:que\s+me\s+(?:llamen|llame|molesten)|mas\s+llamadas|recibir\s+llamadas|llamadas|que\s+llamen)",
        r"\blista\s+de\s+no\s+llamar\b",
        r"\bya\s+no\s+(?:me\s+)?(?:llamen|llame|molesten)\b",
        r"\bno\s+llamen\s+mas\b",
        r"\bbasta\s+(?:de\s+llamadas|ya)\b",
        r"\b(?:vayanse|vete|vayase)\s+(?:al\s+diablo|a\s+la\s+mierda|al\s+carajo)\b",
        r"^(?:ya\s+)?basta\W*$",
    ),
    Intent.AFFIRM: (
        r"^(?:\W*(?:si|claro|por supuesto|esta bien|de acuerdo|vale|bueno|dale|perfecto|correcto|exacto|como no|seguro|me parece bien|me gustaria|con gusto)\b)",
    ),
    Intent.DENY: (r"^\W*no\W*$", r"^\W*no\W+(?:no|gracias|senor|senora|para nada|ahorita no)\b"),
    Intent.DECLINE: (
        r"\bno\s+(?:me\s+)?interes\w*",
        r"\bno\s*,?\s*gracias\b",
        r"\bno\s+(?:lo\s+)?necesit\w*",
        r"\bestoy\s+bien\s+(?:asi|gracias)\b",
    ),
    Intent.CALLBACK: (
        r"\bllam\w*\s+(?:\w+\s+)?(?:mas\s+tarde|despues|manana|luego|otro\s+dia|otra\s+vez|en\s+otro\s+momento)",
        r"\bahora\s+no\s+(?:puedo|es\s+buen)",
        r"\bestoy\s+(?:ocupad[oa]|manejando|trabajando|en\s+el\s+trabajo)",
        r"\bno\s+es\s+(?:un\s+)?buen\s+momento\b",
        r"\b(?:mas\s+tarde|en\s+otro\s+momento)\b",
    ),
    Intent.WANTS_BROKER: (
        r"\b(?:quiero|puedo|necesito|quisiera|prefiero)\s+hablar\s+con\s+(?:una\s+persona|alguien|un\s+agente|mi\s+corredor|un\s+humano|un\s+representante|mi\s+agente|el\s+corredor)",
        r"\b(?:paseme|comuniqueme|transfierame|paseme)\b",
    ),
    Intent.WRONG_PERSON: (
        r"\bnumero\s+equivocado\b",
        r"\b(?:ella|el)\s+no\s+(?:esta|vive)\b",
        r"\bno\s+(?:hay\s+)?(?:nadie|ninguna?)\s+(?:con\s+ese\s+nombre|aqui)",
        r"\bse\s+equivoc\w*\b",
    ),
    Intent.DECEASED: (
        r"\b(?:murio|fallecio|ha\s+fallecido|esta\s+muert[oa]|descanse\s+en\s+paz|en\s+paz\s+descanse)\b",
    ),
    Intent.DISCLOSURE: (
        r"\b(?:es|eres)\s+(?:usted\s+|tu\s+)?(?:una?\s+)?(?:persona|robot|maquina|grabacion|humano|humana|real|computadora|inteligencia\s+artificial)\b",
        r"\bhablo\s+con\s+(?:una?\s+)?(?:persona|robot|maquina|grabacion|humano)",
    ),
    Intent.PRICE: (r"\bcuanto\s+(?:cuesta|vale|es|sale|cobran|pagaria)", r"\bprecio\b"),
    Intent.CONFUSED: (
        r"^\W*(?:que|como|perdon|disculpe|mande)\W*$",
        r"\bno\s+(?:entiendo|comprendo|le\s+entiendo)\b",
        r"\brepita\b",
    ),
    Intent.GOODBYE: (r"\b(?:adios|hasta\s+luego|chao|hasta\s+pronto)\b",),
    Intent.SELF_ID: (
        r"\b(?:soy\s+yo|si\s+soy\s+yo|con\s+ella|con\s+el|ella\s+habla|el\s+habla|habla\s+ella|yo\s+soy)\b",
    ),
    Intent.WHO: (r"\bquien\s+(?:es|habla|llama)\b", r"\bde\s+parte\s+de\s+quien\b"),
}


@lru_cache(maxsize=1)
def _compiled() -> dict[Intent, tuple[re.Pattern[str], ...]]:
    return {intent: tuple(re.compile(p) for p in patterns) for intent, patterns in RULES.items()}


def looks_spanish(words: tuple[str, ...]) -> bool:
    """Most words are Spanish markers, or a clearly Spanish word is among several markers."""
    if not words:
        return False
    markers = sum(1 for w in words if w in _MARKERS)
    strong = any(w in _STRONG for w in words)
    return (markers >= 2 and markers / len(words) >= 0.5) or (strong and markers / len(words) >= 0.34)


_ENGLISH = frozenset(
    "yes yeah yep okay ok sure the is are what you i it that this please thanks thank english speak "
    "hello hi my name and to of can do not no way call me".split()
)


def looks_english(words: tuple[str, ...]) -> bool:
    """Clearly English (for a caller who switches back): several English words, few Spanish ones."""
    english = sum(1 for w in words if w in _ENGLISH and w not in ("no", "me"))
    spanish = sum(1 for w in words if w in _MARKERS)
    return english >= 1 and english > spanish


def spanish_intents(folded: str) -> set[Intent]:
    text = re.sub(r"[^a-z0-9 ]+", " ", folded)
    text = re.sub(r"\s+", " ", text).strip()
    return {intent for intent, rules in _compiled().items() if any(r.search(text) for r in rules)}
