"""Opt-out: the constructions that ask to stop the calls, and the vetoes that take a match back
(a negation, "don't call me on weekends", "you're not bothering me"...) unless an opt-out is
also said outside the vetoed words. A missed opt-out is a compliance failure and a false one
loses a client, so both directions have their cases in tests/conversation."""

from __future__ import annotations

import re
from functools import lru_cache

from conversation.nlu.rule_syntax import compile_rule

# Words that may sit between a verb and its object without changing what is asked.
_FILL = "(?:(?:{PROFANE}|the|these|those|this|your|all|with|me|us|my|of|a|any|phone) ){0,3}"
# Between "don't want" and the contact verb: who would call, and nothing that turns it around
# ("I never want to miss a call" is not an opt-out).
_WANT_GAP = "(?:(?:to|you|people|anyone|anybody|them|any|more|be|get|getting|receive|receiving|take|taking|answer|answering|these|those|your|the|phone|sales|marketing|of|guys|this|company|ever|again|keep|on|being|y) ){0,4}"
_OPT_OUT_CONTACT = (
    "{STOP_V} " + _FILL + "{CONTACT_V}",
    "{STOP_V} (?:\\S+ )" + _FILL + "(?:call|ring|phone|contact|bother|pester|harass|bug|text|dial)",
    "{STOP_V} " + _FILL + "{CONTACT_N} (?:me|us|here|this number|to me|from you|please|now|$)",
    "(?:{NEG}) (?:you )?(?:ever |even |dare |evers )?(?:try to |be |bother |to |keep |go |going to |again )*{CONTACT_V} (?:{SELF}|{AGAIN}|please|period|$)",
    "(?:{NEG}) (?:you )?(?:ever |even )?(?:{CONTACT_V})$",
    "(?:{NEG_STRICT}) (?:you )?(?:ever |even )?{CONTACT_V} (?:\\S+ ){1,3}(?:{AGAIN})",
    "(?:{NEG}) {WANT} " + _WANT_GAP + "(?:{CONTACT_V}) (?:{SELF}|{AGAIN}|from|by|$)",
    "(?:{NEG}) {WANT} "
    + _WANT_GAP
    + "(?:any|more|these|those|your|such|no|the|sales|marketing|phone|robo) {GAP2}{CONTACT_N}",
    "(?:{NEG_STRICT}) (?:accept|take|want|allow|answer|entertain|welcome|do) (?:any |these |such |those |your |unsolicited |cold |sales |marketing |telemarketing |solicitation |robo )+{CONTACT_N}",
    "(?:{NEG_STRICT}) (?:\\S+ )?want to (?:hear from|talk to|speak to|speak with|talk with|deal with) (?:you|y'all|your company|you people|this company|you guys|anyone from)",
    "(?:{NEG}) {WANT} (?:to )?(?:be |get |being )?(?:{CONTACT_V}|contact)",
    "no more {GAP2}{CONTACT_N}",
    # consent to be called taken back: "I revoke my consent", "you do not have permission to call me"
    "(?:revoke|withdraw|rescind|take back|retract) (?:my |all |any |our )?(?:consent|permission)(?!.*(?:record|data|shar|photo|email))",
    "(?:do not|no longer|not|never) (?:have |give you |gave you |give |gave )?(?:my |our |any )?(?:consent|permission) to {CONTACT_V}",
    "(?:no longer|do not|not) consent to (?!.*record)(?:\\S+ ){0,3}(?:{CONTACT_N}|{CONTACT_V}|be call|be contact)",
    # a threat tied to calling again
    "(?:if you|next time you|when you|you) (?:ever )?(?:{CONTACT_V}) (?:me |us |here )?(?:again |one more time |back )?(?:\\S+ )?(?:i will|i am going to|i am gonna|i shall|we will|we are going to|i am) (?:report|sue|file|complain|call my lawyer|call my attorney|call the police|contact my lawyer|calling my lawyer|reporting|suing)",
    "(?:i will|i am going to|i am gonna|we will|we are going to) (?:report you|sue you|file a complaint|complain|call my lawyer|call the police|report this) {GAP3}(?:if|when|next time) you (?:ever )?(?:{CONTACT_V})",
    "(?:{CONTACT_V}) (?:me |us |here )?(?:again|one more time) and (?:i|we) (?:will|am going to|are going to|shall) (?:report|sue|complain|file|call my lawyer|call the police|block)",
    "(?:make this|let this be) the last (?:call|time)",
    "this is the last time you (?:{CONTACT_V})",
    "(?:do not|will not|am not|not|refuse to) (?:accept|want|take|entertain) (?:any |these |such |those |your |more )*(?:{CONTACT_N}) from (?:you|your company|this company|you people|you guys)(?! (?:at|during|while|before|after|until|on)(?![a-z]))",
    "(?:{NEG_STRICT}) (?:accept|take|allow|want|entertain) (?:any |these |such |those |your |unsolicited |cold |sales |marketing |telemarketing |robo )*(?:solicitation|telemarketing|telemarketer|sales call|cold call|robocall)",
    "^(?:(?:and|so|i|we|just) )*refuse (?:these|your|any|such|those|all) (?:\\S+ )?(?:{CONTACT_N})",
    "(?:{NEG}) {WANT} you to have (?:my|this|our) (?:number|info|information|detail|details|phone|contact)(?: anymore| at all| period)?$",
    "(?:{NEG}) {WANT} to be on (?:your |any |this |the )(?:call |calling |contact |phone |marketing |telemarketing )?list(?! of)",
    "^(?:(?:and|so|just|please|oh|no) )*no (?:more )?(?:phone |sales |marketing |telemarketing |robo )?(?:call|calling)(?: (?:please|thanks|thank you|period|ever|again))*$",
    "^(?:(?:no|oh|just|please) )*never again(?: please| thanks| thank you)?$",
    "(?:sick|tired|fed up|done|had enough|had it) (?:of|with) (?:all )?(?:the |these |those |your |this |you )?(?:\\S+ )?(?:call|phone call|robocall|calling|message|marketing|telemarketing|spam)",
    "(?:enough|done|through|finish) (?:with|of) {GAP2}{CONTACT_N}",
)
# After "I'd like to be removed": nothing more, or the list it is from (not "from my husband's plan",
# "as the beneficiary", "taken off hold").
_OFF_THE_LIST = "(?:(?: please| now| thanks| thank you| immediately| right now| permanently| completely| for good)*$| (?:from|off|of) (?:your |the |this |that |all )?(?:\\S+ )?(?:{LIST_N}|calls?|calling|{DNC}))"
# Requests that name the list or the caller's number, or dismiss outright: opt-outs whatever else is said.
_OPT_OUT_REMOVE = (
    "{REMOVE_STRONG} {GAP1}{SELF}",
    "(?:remove|delete|erase|wipe|purge|scrub|expunge|eliminate|unlist|deregister|blacklist|block) (?:all )?(?:my|our|this) (?:number|phone|name|info|information|detail|details|data|record|records|contact|cell|line|address|email|account|file|profile|house|home)s?",
    "(?:{WANT}) (?:to be |to get |to go )?(?:off|out of|removed from|taken off|off of) {GAP2}(?:{LIST_N}|{DNC}|call|calls)",
    "{REMOVE_WEAK} {GAP1}{SELF} {GAP3}(?:{AWAY_FROM})",
    "{REMOVE_WEAK} {GAP1}{SELF} {GAP3}(?:{AWAY_FROM})$",
    "{REMOVE_WEAK} (?:{AWAY_FROM}) {GAP1}{SELF}",
    "(?:{REMOVE_STRONG}|{REMOVE_WEAK}) {GAP1}(?:{RELATIVE_SELF}) {GAP3}(?:{AWAY_FROM}) {GAP2}(?:{LIST_N}|{DNC})",
    "(?:{REMOVE_STRONG}|{REMOVE_WEAK}) {GAP3}(?:{AWAY_FROM}) {GAP2}(?:{LIST_N})",
    "(?:put|add|place|register|sign|move|stick|mark|list) {GAP2}(?:{SELF}) {GAP2}(?:on|to|as|in|into|under) {GAP2}(?:{DNC})",
    # taken off with no list named: "I'd like to be removed", "have me removed", "can I be taken off"
    "(?:{WANT}|requesting|asking) (?:to )?(?:be|get|have) (?:{SELF} )?(?:{REMOVE_OFF})" + _OFF_THE_LIST,
    "(?:{WANT}) (?:{SELF}) (?:{REMOVE_OFF})" + _OFF_THE_LIST,
    "(?:can|could|may) (?:i|we) (?:please )?(?:be|get) (?:{REMOVE_OFF})" + _OFF_THE_LIST,
    "(?:have|get) (?:{SELF}) (?:{REMOVE_OFF})" + _OFF_THE_LIST,
    "cancel (?:my|our|this) (?:number|phone number|phone|name|contact)(?: please| now| from| off)?$",
    "rather not (?:get|receive|take|have) (?:any |these |those |your |such |more |phone |sales |marketing )+{CONTACT_N}(?! (?:at|during|in|on|until|before|after|while)(?![a-z]))",
    "(?:want|like|need|wish|ask) (?:to be|to get|to go|to put me) (?:on|in|onto|under) {GAP2}(?:{DNC})",
    "(?:{DNC}) (?:list|registry|register|database|roster|number)",
    "(?<!not )dnc",
    "{UNSUB}",
    "{DISMISS}",
    "keep (?:on )?{CONTACT_V} (?:{SELF})",
    "(?:stop|quit|enough)(?: (?:it|that|this|now|please|already|right now|just|okay|expletive|damn|man|for real|seriously|ok|stop))*$",
    "^(?:(?:no|okay|please|just|hey|look|listen|oh|god|jesus|i said|like i said|for the last time|again|expletive) )*(?:stop|quit it|enough)(?: \\S+){0,2}$",
    "^(?:(?:oh|just|hey|please|okay|look) )*(?:knock it off|cut it out|give it a rest|pack it in|no more)(?: please| thanks| thank you| already| now| seriously)*$",
    "(?:i am|we are|number is|i am already|we are already|this number is) (?:on|in) {GAP2}(?:{DNC})",
    "(?:i|we) (?:already )?(?:told|asked|said) (?:you|them|y'all)? ?(?:people )?(?:to |not to |twice )?(?:{STOP_V}|never|not) {GAP2}(?:{CONTACT_V})",
    "{PROFANE} (?:off|you)$",
    "^(?:(?:no|okay|just|please|hey|look|oh|god|again|i said) )*(?:stop|enough|quit it|knock it off|cut it out)(?: (?:it|that|this|now|please|already|seriously))* (?:i am|we are|i am so|we are so|this is|that is|i have had|i have|we have had) (?:done|finished|through|over|enough|not interested|it|had it|had enough)",
    "(?:knock it off|cut it out|lay off) {GAP2}(?:{CONTACT_N}|{CONTACT_V})",
)

OPT_OUT_RULES = _OPT_OUT_CONTACT + _OPT_OUT_REMOVE

# A negation just before these verbs turns the request around ("don't stop", "no need to remove me").
_NEG_GAP = "(?:(?:you|to|be|want|need|ask|asking|even|ever|please|really|go|going|have|got|dare|that|i|me|us|them|just|say|said|tell|telling|mean|saying|get|ya|y) ){0,4}"
_NEGATED_OPT_OUT = compile_rule(
    "(?:{NEG_STRICT}|no need to|no reason to|not asking you to|not saying|did not say|never said|never say|not telling you to|you do not have to|you need not|not trying to) "
    + _NEG_GAP
    # a weak verb ('get', 'take', 'put') only with who is taken off: "I don't want to get these
    # calls" is no negated removal, "don't take me off the list" is
    + "(?:{STOP_V}|{REMOVE_STRONG}|{REMOVE_WEAK} {GAP1}(?:{SELF}|{RELATIVE_SELF}) {GAP2}(?:{AWAY_FROM})|{UNSUB}|hang up|go away|leave me alone|put me on)"
)
# "why won't you stop calling me", "didn't I tell you to stop calling": a question, not a negation
_RHETORICAL = compile_rule("(?:why )?(?:will|would|can|could|do|did|have|has) not (?:you|i|we)")
# Words that look like an opt-out but say something else: a reassurance ("you're not bothering
# me"), permission ("you can keep calling me"), someone else calling ("the dentist keeps calling
# me"), recording ("stop recording"), a product ("take me off the vision, just dental"), a
# channel ("don't text me, call me"), or where calls should go.
_NOT_OPT_OUT_SPANS = tuple(
    compile_rule(p)
    for p in (
        "(?:you are not|you were not|you is not|it does not|it is not|it is no|that is no|that does not|it will not|no) (?:really |even |at all )?(?:bother|bug|trouble|disturb|pester)(?: me| us)?",
        "no (?:trouble|bother)(?: at all)?",
        "(?:you can|you may|feel free to|you are welcome to|it is fine to|it is okay to|please|no no|no) keep (?:on )?(?:{CONTACT_V})(?: me| us)?",
        "(?:he|she|they|it|the \\S+|my \\S+|someone|somebody|people|everyone|everybody) keep (?:on )?(?:{CONTACT_V})",
        "(?:stop|quit|no) (?:the )?(?:record|recording)(?: me| us| this| the call| that| it)?",
        "(?:{REMOVE_WEAK}|remove) (?:me|us) off (?:the |of )?(?:dental|vision|dentist|eye|plan|policy|coverage|insurance|offer)(?!.*(?:list|do not call|calling|database|system|register|registry|number))",
        "(?:{NEG}) (?:text|email|message|voicemail) (?:me|us) (?:just |please |only |instead |rather )?(?:call|phone|ring)",
        "(?:{NEG}) {WANT} the (?:call|calls) to (?:go|come|ring) to",
    )
)
_KEEP_GOING = compile_rule(
    "(?:do not stop|keep going|keep talking|go on|carry on|continue|please continue|do not hang up|stay on the line|do not go|tell me more|not stop)"
)
_TIME_AFTER_CALL = compile_rule(
    "(?:{NEG}) (?:you )?(?:ever )?{CONTACT_V} (?:me |us )?(?:before|after|until|till|during|between|at (?:work|night|dinner|lunch|lunchtime|breakfast|supper|\\d|this hour|this time)|on (?:my|the weekend|weekend|weekends|\\w+day)|weekend|weekends|(?:in the )?(?:morning|evening|afternoon|night)s?|tomorrow|today|tonight|this (?:morning|afternoon|evening|week|early|late)|next (?:week|month)|so (?:early|late)|early|late|when|while|around|anymore today|at dinner|now|right now|just now|at the moment)"
)
# ... unless the calls are not wanted at any time: "don't call me now or ever again".
_ANY_TIME_AT_ALL = compile_rule(
    "(?:{AGAIN}|no more|anymore|at all|any time|anytime|any other time|other time)"
)
# "don't call my cell, call my home number": the calls go elsewhere, not away.
_CALL_ELSEWHERE = compile_rule(
    "(?:{NEG}) {CONTACT_V} (?:me )?(?:on |at )?(?:{SELF}) (?:\\S+ ){0,3}(?:call|use|try|ring|reach) (?:me )?(?:on |at )?(?:my|the|our) (?:\\S+ )?(?:number|cell|phone|line|landline|mobile|home|house|work|office)"
)
# "no need to call me back, let's do it now": the caller goes ahead now.
_GOING_AHEAD_NOW = compile_rule(
    "(?:(?:let us|lets) (?:do|book|go|set|get) (?:it |this |that )?(?:now|right now|today)"
    "|i am ready(?: to go| to do it| to book)?(?: now| right now)|i can (?:talk|do it|do this|go ahead) (?:now|right now)"
    "|we can do (?:it|this) (?:now|right now)|go ahead now)"
)
# ... and with it, the callback it makes unneeded: "no need to call me back"
_CALLBACK_NOT_NEEDED = compile_rule(
    "(?:no need to|do not need to|need not|do not have to|(?:{NEG}) {WANT} (?:a |any |to )?)(?:call|ring|phone|callback|call back)(?: me| us)?(?: back)?"
)


def explicit_opt_out_beyond_name(lemma_text: str) -> bool:
    """'Don't call me honey, and take me off your list' is still an opt-out."""
    return any(rule.search(lemma_text) for rule in _removal_rules())


_CALLED_NAMED = re.compile(
    r"\b(?:one|body|person|woman|man|lady|guy|anyone|someone|nobody) (?:named|called) [a-z]+"
)


def opt_out_vetoed(lemma_text: str, surface_text: str = "") -> bool:
    """Negated requests ("don't stop", "I'm not asking you to remove me"), time constraints on
    calls ("don't call me before noon"), calls sent elsewhere ("don't call my cell, call my
    home"), a caller going ahead now ("no need to call back, let's do it now"), reassurances and
    the like (_NOT_OPT_OUT_SPANS), 'nobody called Maria lives here' - unless an opt-out is also
    said outside those words ("don't call me now, stop calling me")."""
    if _CALLED_NAMED.search(surface_text) and not any(r.search(lemma_text) for r in _removal_rules()):
        return True
    asked = _RHETORICAL.sub(" ", lemma_text)  # "why won't you stop calling": no negation
    spans = [span for span in _NOT_OPT_OUT_SPANS if span.search(lemma_text)]
    if _TIME_AFTER_CALL.search(lemma_text) and not _ANY_TIME_AT_ALL.search(lemma_text):
        spans.append(_TIME_AFTER_CALL)
    if _CALL_ELSEWHERE.search(lemma_text):
        spans.append(_CALL_ELSEWHERE)
    if _GOING_AHEAD_NOW.search(lemma_text):
        spans += [_GOING_AHEAD_NOW, _CALLBACK_NOT_NEEDED]
    if _NEGATED_OPT_OUT.search(asked) or _KEEP_GOING.search(lemma_text) or spans:
        cleaned = _KEEP_GOING.sub(" ", _NEGATED_OPT_OUT.sub(" ", asked))
        for span in spans:
            cleaned = span.sub(" ", cleaned)
        return not any(rule.search(cleaned) for rule in _opt_out_rules())
    return False


@lru_cache(maxsize=1)
def _removal_rules() -> tuple[re.Pattern[str], ...]:
    return tuple(compile_rule(p) for p in _OPT_OUT_REMOVE)


@lru_cache(maxsize=1)
def _opt_out_rules() -> tuple[re.Pattern[str], ...]:
    return tuple(compile_rule(p) for p in OPT_OUT_RULES)
