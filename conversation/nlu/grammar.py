"""The lexicon-and-grammar intent layer: rules over word classes (lexicon.yaml), read on the
lemmatised caller text, with negation scope. A rule is a construction ("STOP_V then CONTACT",
"NEG then CONTACT_V then SELF/AGAIN"), so every verb and object in its classes is covered, in any
combination, with fillers, profanity and politeness in between.

Patterns use `{CLASS}` for a word class and `{GAPn}` for up to n arbitrary words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from conversation.nlu.intent import Intent
from conversation.nlu.opt_out import OPT_OUT_RULES, explicit_opt_out_beyond_name, opt_out_vetoed
from conversation.nlu.rule_syntax import compile_rule

# Discourse markers that open a turn without meaning yes: "okay so, enough", "well, is this a bot?"
LEADING_MARKER = re.compile(r"^(?:(?:okay|ok|alright|all right|so|well|um|uh|hmm|right|now|look|listen)\s+)+")

# --- the rules ---------------------------------------------------------------------------------
_NAME_WORDS = "(?:maam|madam|sir|mrs|mr|ms|miss|missus|mister|dear|honey|hon|sweetie|sweetheart|darling|love|buddy|pal|babe|baby|young lady|young man|by my|by that|that)"

RULES: dict[Intent, tuple[str, ...]] = {
    Intent.OPT_OUT: OPT_OUT_RULES,
    Intent.WANTS_BROKER: (
        "{TALK_V} (?:to|with) {GAP2}(?:{PERSON})",
        "(?:give me|get me|i want|i need|i would like) (?:my |the |your |a |an )?(?:{PERSON})(?: please| now| right now)?$",
        "(?:transfer|connect|patch|forward|redirect|put through) (?:me|us|this call|the call|my call)",
        "(?:get|put|bring|send|hand|pass|switch|transfer) (?:me|us) {GAP2}(?:{PERSON}|through|over)",
        "(?:get|put|bring|let) {GAP1}(?:{PERSON}) (?:on the phone|on the line|on|here)",
        "(?:want|need|like|prefer|rather|ask for|can i have|can i get|give me|get me|let me have|rather have) {GAP3}(?:real|live|actual) (?:person|human|agent|being|one)",
        "(?:want|need|like|prefer|rather|ask for|can i have|can i get|give me|get me|rather have) (?:a|an|my|the|to a|some) (?:human|person|agent|representative|operator|broker|rep|supervisor|manager|somebody|someone)",
        "^(?:(?:a|an|the|my|please|uh|just) )*(?:representative|operator|agent|human|real person|live person|broker|my broker|person)(?: please)?$",
        "(?:is|can) (?:my )?broker (?:there|available|around|in|free|on|come|get|pick|take)",
        "(?:talk|speak) (?:to|with) (?:a|my|the) (?:broker|agent|human|person)",
        "(?:somebody|someone|a person|a human|an actual person|a real person|a live person) (?:real )?on the (?:line|phone)",
        "(?:real|actual|live) (?:person|human|somebody|someone|human being) on the (?:line|phone)",
    ),
    Intent.CALLBACK: (
        "{CONTACT_V} (?:me |us )?(?:{LATER}|back)",
        "(?:{CONTACT_V}|try|reach|catch) (?:me |us )?in (?:a|an|one|two|three|four|a couple of|a couple|a few|\\d+) (?:hour|minute|min)s?",
        "call ?back",
        "(?:try|reach|catch|get) (?:me|us|her|him|them)? ?(?:again )?(?:{LATER}|again)",
        "(?:not|bad|terrible|awful|rough|inconvenient|horrible|poor|lousy|wrong|hard) (?:a |an |the |really |very |so |super )*(?:good |great |convenient |right |best |ideal |fine )?(?:time|moment)",
        "(?:now|this) (?:is|does) (?:not|bad|terrible|no good)",
        "(?:i am|we are|i am just|i am currently|i am kind of|currently|i am a bit|i am a little|i am really|i am super|i am too|we are too|i am so|i am right|we are just) (?:{BUSY})",
        "(?:can not|can never|not able to|unable to|no time to|do not have time to) (?:really )?(?:talk|speak|chat|do this|deal with this|take this|stay on)",
        "(?:do not|do no|not) (?:have )?(?:the )?(?:time|a minute|a second|a moment)(?: right now| now| today| at the moment| for this now)",
        "(?:do|talk|continue|finish|chat|speak|discuss|go over|pick this up|pick up) {GAP2}(?:later|another time|some other time|another day|tomorrow|next week|this evening|tonight)",
        "^(?:(?:maybe|perhaps|try|please|okay|yes|no|sorry|just|how about|can we do) )*(?:later|another time|some other time|another day)(?: please| maybe| though| okay)?$",
        "(?:{BUSY}) (?:right now|now|at the moment|today|this morning|this afternoon|currently)",
        "^(?:{BUSY})$",
        "(?:give|send) (?:me|us) a (?:call|ring|buzz) {GAP2}(?:{LATER})",
        "(?:in the middle of|middle of) (?:something|dinner|work|a meeting)",
        "(?:get|come) back to (?:me|us) {GAP2}(?:{LATER})",
        # "phone me 3 on this Monday", "get back to me December twelfth, 10": a time said a few
        # words after the request.
        "(?:{CONTACT_V}|try|catch|get back to|come back to) (?:me|us) {GAP3}(?:{WHEN}|\\d+(?:st|nd|rd|th)?)",
        "(?:my )?hands (?:are )?full",
        "(?:i am|we are) (?:just )?(?:about to (?:head|go|leave|walk|step|get|run) (?:out|in|into|off|to)|on my way (?:out|to work|to a|to the)|heading out|walking into a meeting|leaving now|stepping out|going into a meeting|walking out)(?!.*(?:but|go ahead))",
        "(?:i am|we are) (?:just )?(?:with a (?:customer|client|patient|student)|at the (?:airport|gym|bank|office|hospital|doctor)|on the (?:bus|train|subway|plane)|boarding)(?!.*(?:but|go ahead))",
        "(?:try|call|ring|phone) (?:me |us )?(?:back |again )(?:{LATER}|in an hour|in a bit|later)",
        "(?<!you )(?:try|call|ring) (?:me |us )?(?:back|again)$",
        "(?:now|this) (?:is )?not (?:good|great|a good time)",
        "(?:i will|i am going to|i should) be free {GAP3}(?:{CONTACT_V}) (?:me|us)",
    ),
    Intent.DECLINE: (
        "(?:{NEG}) (?:really |very |that |too |at all |even |remotely |the least bit |one bit )*(?:{INTEREST_N})",
        "no (?:thank|thanks)",
        # a yes under a doubt: "I don't think I'm interested", "not sure that would work for me"
        "(?:i do not think|i do not believe|i am not sure|not sure|i do not know if|i do not know whether|i doubt|i would not say|i can not say) (?:that |if |whether )?(?:i am|i would be|i will be|it is|that is|that would|this is|this would|that will|that sound|it sound|this sound|it would|it will) (?:\\S+ )?(?:interested|work for me|work for us|good|great|fine|worth it|help me|for me|what i need|something i need)",
        "^(?:no )?(?:thank you|thanks) (?:but|though|anyway|anyways)",
        "(?:i will|i am going to|i would rather|i would|we will|let me|i think i will|i will have to|i am gonna) pass",
        "^pass(?: thanks| thank you)?$",
        "not (?:for me|for us|my thing|something i need|something i want|today|at this time|at the moment|now)(?: thank| thanks|$)",
        "(?:i am|we are|i am already|we are already|i am pretty|i am really|i am totally|we are pretty|everything is|it is all) (?:{SATISFIED})(?: thank| thanks| with (?:what|my|the|our)|$| for now| already)",
        "(?:happy|satisfied|content|fine|good|okay|set) with (?:what|my|the|our|current|how)",
        "(?:{NEG}) (?:really )?(?:need|want|require|care about) (?:it|that|this|any|anything|more|coverage|insurance|a call|an appointment|the call|extra|another|additional|to)",
        "(?:{NEG}) (?:really )?(?:need|want) (?:dental|vision|a broker|help)",
        "^no(?: no)?(?: i am good| i am fine| i am okay| i am all set| sir| maam| way| not really| i do not think so| nothing)?$",
        "i do not think so",
        "no need",
        "(?:i|we) (?:already )?have (?:enough|what i need|what we need|all i need|coverage|insurance|a plan|dental|vision|that covered|it covered|someone)(?: already|$| thanks| thank)",
        "(?:i|we) (?:already|do) (?:have|get|got) (?:dental|vision|coverage|insurance|a plan|that|it|one)",
        "(?:i|we) (?:have|get|got) (?:dental|vision|coverage|insurance|a plan|a dentist) (?:through|from|with|at|already|covered|elsewhere)",
        # covered elsewhere, or the product named first: "I'm covered through my employer",
        # "my plan already covers that", "vision I don't need", "dental's taken care of"
        "(?:i am|we are|already) (?:already |all |fully )?covered (?:through|by|with|at|under|from)(?!.*(?:but|except|add|does|do i|can i|could i|what about|how about|need|want|right|is it|are they))",
        "^(?:(?:oh|well|um|uh|no|yeah) )*(?:already|all) covered(?: thanks| thank you)?$",
        "(?:i|we) (?:have|have already|already) (?:already )?(?:got |get )?(?:coverage|insurance)(?: already|$| thanks| thank| through| from)(?!.*(?:but|except|add|does|do i|can i|could i|what about|how about|need|want|right|is it|are they))",
        "(?:my|our) (?:plan|job|work|employer|insurance|policy|union|company|husband s plan|wife s plan) (?:already )?(?:covers|cover|pays for|takes care of) (?:that|it|this|dental|vision|me|us|everything)(?!.*(?:but|except|add|does|do i|can i|could i|what about|how about|need|want|right|is it|are they))",
        "(?:i|we) have all the (?:insurance|coverage|dental|vision|plans?) (?:i|we) need",
        "(?:dental|vision|that|this|insurance|coverage|both) (?:one )?(?:i|we) (?:do not need|do not want|already have|have already|have got|got already|am covered)(?!.*(?:but|except|add|does|do i|can i|could i|what about|how about|need|want|right|is it|are they))",
        "(?:dental|vision|insurance|coverage|that|everything) is (?:already )?(?:covered|taken care of|handled|sorted)(?!.*(?:but|except|add|does|do i|can i|could i|what about|how about|need|want|right|is it|are they))",
        "(?:count me|count us) out",
        "(?:i will|i would like to|let me|i need to|i have to|i want to) think (?:about it|it over|on it)",
        "not (?:buying|looking|shopping)",
        "(?:no|nah|nope) {GAP2}(?:not interested|i am good|i am fine|thanks|thank you|pass)",
        "(?:waste|wasting) (?:of )?(?:my|your) time",
        "(?:i can not|can not|could not) afford",
        "not (?:right now|now|at this time|this time)$",
        "(?:nothing|none) for me",
        "(?:do not|not) bother",
        "(?:i will|i am going to|i have to|i will have to|i must|i would have to|let me|i think i will|i am gonna|i would like to|i would rather|we will) (?:have to )?(?:respectfully )?(?:decline|say no|skip it|skip that|skip this|sit this one out|take a pass|give it a miss|pass on (?:it|that|this))",
        "not (?:something|anything) (?:i|we) (?:need|want|care about|am interested in)",
        "(?:i am|we are|i am already|we are already) (?:all |totally |fully |pretty much |already )?(?:covered|set|sorted|taken care of)(?: on that front| there| already| for that|$| thanks| thank)",
        "(?:i will|i am going to|i would) skip (?:it|that|this)",
        "(?:set|covered|good) on that front",
    ),
    Intent.AFFIRM: (
        "^(?:(?:oh|well|so|and|um|then|okay|yes|lol|haha|ha|hah|heh|hmm|ah|alright|right|ok|uh|wow|great|cool|fine|sure|aha) )*(?:yes|yeah|yep|yup|yah|ya|yea|aye|sure|surely|certainly|absolutely|definitely|totally|indeed|affirmative|correct|exactly|precisely|right|alright|all right|okay|fine|perfect|great|good|excellent|wonderful|awesome|cool|lovely|gladly|si|claro|vale|bueno|dale|obviously|naturally|true|yessir|yes maam|uh huh|mhm|yes please|of course|okay then|very well|fair enough|deal|done|agreed|go on)\\b(?! not(?: (?:really|at all|now|today|interested|yet|sure|for me|thanks|thank you|please))*$)",
        "(?:that|this|it|which|monday|tuesday|wednesday|thursday|friday|saturday|sunday|either|any|both|one) (?:one )?(?:would |will |should |does |sound |sounds |seem |seems )?(?:work|do|be fine|be good|be great|be perfect|be ok|be okay|suit me|suit|fit)\\b",
        "(?:sound|sounds|seem|seems|look|looks) (?:good|great|fine|perfect|okay|alright|nice|lovely|like a plan|right|about right|reasonable|interesting)",
        "(?<!not )(?<!never )(?:go ahead|go for it|please do|do it|let us do it|let us do that|book it|book that|book me|schedule it|schedule me|set it up|set that up|sign me up|count me in|let us go|lock it in|put me down|pencil me in|make it so)(?! not\\b)",
        "(?:i would|i will|we would|i d) (?:like|love|appreciate|enjoy) (?:that|it|this|to|one|a call|some)",
        "(?:that|it|this) (?:would|will) be (?:great|good|nice|fine|lovely|helpful|perfect|wonderful|okay|ok|useful)",
        "why not",
        "i (?:guess|suppose|think) (?:so|that is fine|that works|yes|sure)",
        "(?<!not )(?<!not really )(?:you bet|for sure|you got it|that is right|you are right|that is correct|that is me|that is true|of course|by all means|no problem|no worries|not a problem|sure thing|yes indeed|that is it|works for me|fine by me|good with me|okay with me|fine with me|i am okay with that|i am good with that|i am fine with that|i can do that|that is fine|that is okay|that is good|that is perfect|that is great|no objection|no objections|no issue|no issues)(?! not(?: (?:really|at all|now|today|interested|yet|sure|for me|thanks|thank you|please))*$)",
        "(?:i am|we are) (?:interested|curious|open to it|game|down)",
        "(?:interested|curious)$",
        "(?:tell me more|go on|keep go|keep going|keep talk|keep talking|continue|please continue|carry on|i am listening|let us hear it)",
        "(?:talk|talked|talking) me into it",
        "(?:that is|that is exactly|yes that is) (?:the one|it|the time|the right one)",
        "(?:would not|do not) mind",
        "(?:could not|would not|can not|will not) hurt",
        "(?:set|put|pencil|book|line|schedule) (?:something|one|a call|it|that|me) (?:up|in|on the calendar|down)",
        "(?:i am|we are) (?:game|down|up for it|open to it|in)$",
        "^(?:yes )?please(?: do| yes)?$",
    ),
    Intent.DENY: (
        "^(?:(?:oh|well|um|uh|sorry|actually) )*(?:no|nope|nah|naw|nay|negative|not really|not quite|incorrect|wrong|no way|not at all|no sir|no maam|not exactly|not me|not him|not her)\\b",
        "^(?:(?:oh|well|um|uh|no) )*(?:absolutely|definitely|certainly|of course|surely|hell|god|heavens|please) not(?: (?:really|at all|now|today|interested|yet|thanks|thank you|please))*$",
        "^(?:(?:oh|well|um|uh|no) )*please do not(?: (?:book|schedule|do|set|record|call)(?: it| that| me| this| one)?)?(?: please| thanks| thank you)?$",
        "(?:not|is not|that is not) (?:okay|ok|fine|good|alright) (?:with|for|by) me",
        "(?:that is|it is|that was|this is) (?:not|wrong|incorrect) (?:right|correct|me|true|it|what i said|the one)?",
        "(?:not|no) (?:that|this) one",
        "(?:neither|none) (?:of (?:them|those|these|that))?",
        "(?:does not|do not|will not|would not|can not) (?:work|do|suit|fit) (?:for me)?",
    ),
    Intent.WRONG_PERSON: (
        "wrong (?:number|person|house|guy|lady|one|people|home|family|name|maria)",
        "(?:you|you have|you got|you must have) (?:have |got |dialed |called |reached )?the wrong",
        "(?:no one|nobody|noone|no person|nobody here|there is no one|there is nobody) {GAP2}(?:by|with|named|called|of) (?:that|this|the)? ?name",
        "(?:{THIRD}) (?:is|are|was)? ?not (?:\\S+ )?(?:{AWAY})",
        "(?:{THIRD}) (?:is|are)? ?(?:out|away|asleep|sleeping|napping|at work|working|at school|at the store|in the hospital|on vacation|traveling|travelling|in the shower|unavailable|not available|resting|at church|out of town|indisposed)",
        "(?:{THIRD}) (?:does|do) not (?:live|stay|work) (?:here|there|at this)",
        "(?:{THIRD}) (?:move|moved|just moved|stepped out|went out|left|is gone for|has gone)",
        "(?:this is|i am|it is|you are (?:talking|speaking) (?:to|with)) (?:her|his|their|the|a) {GAP1}(?:{RELATIVE})",
        "(?:her|his|their) (?:{RELATIVE}) (?:here|speaking|is speaking|answering)",
        "^(?:(?:no|um|uh|well|oh|sorry) )*(?:i am |this is |it is )?(?:her|his|their) (?:{RELATIVE})(?: here| speaking)?$",
        "^(?:(?:no|um|uh|well|oh) )*(?:{RELATIVE}) (?:here|speaking)$",
        # "Maria is my mother" (the name read as 'she'): whoever answers is someone else
        "^(?:(?:no|um|uh|oh|well|sorry) )*(?:{THIRD}) (?:is|was) my (?:{RELATIVE})(?! s\\b| name)(?!.*(?:add|too|also|include|cover|plan))",
        "(?:i am|this is) not (?:her|him|them|the person|who you|that person)",
        "never (?:heard of|met) (?:her|him|them|that person|anyone)",
        "(?:no one|nobody|noone|there is nobody|there is no one) (?:named|called|by the name of|with the name) \\S+ (?:\\S+ )?(?:live|lives|is|here|at|in)",
        "(?:do not|does not) know (?:any|anybody|anyone|a|her|him|them|who)",
        "who is (?:she|that|this person)",
        "(?:not|no) (?:her|him) (?:sorry|no)?$",
        "(?:{THIRD}) can not (?:come|get) to the phone",
        "(?:{THIRD}) (?:is|are) (?:busy|not available|unavailable|in a meeting|driving|occupied)",
    ),
    Intent.DECEASED: (
        "(?:pass|passed) (?:away|on)",
        "(?:{THIRD}|{RELATIVE}|mom|dad|mother|father) (?:has |have |just |recently |sadly |unfortunately )*pass(?: last| recently| in| a few| this| earlier| away| on| yesterday| over|$)",
        "(?:{THIRD}|{RELATIVE}|who|the person|the lady|the man|maria) (?:is |was |has |just |recently |sadly |unfortunately )*(?:die|dead(?! set)|deceased|no longer with us|no longer live|no longer alive|not alive|not with us|in heaven|with god|with the lord)",
        "(?:no longer with us|no longer live|is deceased|is dead(?! set)|has die|rest in peace|her funeral|his funeral|her passing|his passing|her death|his death|the death of|lost her last|lost him last|we lost her|we lost him)",
        "(?:murio|fallecio|fallecida|fallecido|ha fallecido|esta muerta|esta muerto|descanse en paz|en paz descanse)",
        "(?:i|we) lost (?:her|him|them|my \\S+|our \\S+) (?:last|earlier|this|in|a|recently|two|three|few|over|to)",
    ),
    Intent.DISCLOSURE: (
        # tag questions and statements: "this is a bot, right?", "you sound like a robot"
        "(?:this is|that is|you are|it is|this be) (?:a |an |just a |some )?(?:robot|bot|machine|computer|recording|ai|a i|chatbot)s? (?:talking )?(?:right|is it not|is not it|are you not|innit|yes|correct|huh|talking)",
        "(?:you|this|it|that) (?:sound|sounds|seem|seems) like (?:a |an )?(?:robot|bot|machine|computer|recording|ai|a i|chatbot)(?! problem| issue| glitch| program| for)",
        "(?:are you|is this|is that|am i talking to|am i speaking to|is it) (?:\\S+ )?(?:chatgpt|chat gpt|siri|alexa|gpt|chat bot|google assistant)",
        "is (?:emma|she|this emma) (?:a )?(?:real|live|human|person|robot|bot|machine|computer|ai)(?! name)",
        "(?:is this|is it|is that|this is) (?:a )?(?:pre ?recorded|prerecorded|pre record)",
        "(?:are|r|were) (?:you|u) (?:(?:a|an|even|really|actually|just|like|some|some kind of|kind of|sort of|one of those|one of them) )*(?:{MACHINE})",
        "(?:is|am) (?:this|that|it|i) {GAP3}(?:(?:talk|speak|chat|deal)(?:ing)? (?:to|with) )?(?:(?:a|an|some|even|really|actually|just|one of those|like|kind of) )*(?:robot|bot|machine|computer|ai|a i|recording|recorded|record|recording|automated|automatic|program|real person|real human|live person|human|person|human being|actual person|chatbot|artificial|robocall|recorded message|real(?! estate))\\b",
        "(?:you|u) (?:are |re )?(?:a |an |just a |some )?(?:robot|bot|machine|computer|ai|a i|recording|chatbot|program|automated)",
        "(?:real|live|actual)? ?(?:person|human|people) (?:or|vs|versus) (?:a )?(?:robot|machine|computer|bot|recording|ai|a i|program)",
        "(?:robot|machine|computer|bot|recording|ai|a i) (?:or|vs|versus) (?:a )?(?:real |live |actual )?(?:person|human)",
        "(?:is|are) (?:there|you) (?:a |an )?(?:real |live |actual )?(?:person|human) (?:on|there|talking|speaking)",
        "(?:talking|speaking|talk|speak) (?:to|with) (?:a )?(?:robot|bot|machine|computer|recording|ai|a i)",
        "(?:is this|are you) (?:for )?real",
        "(?:what|who) (?:am i|are you) (?:talking|speaking) (?:to|with)",
        "(?:are|is) (?:you|this) (?:a )?(?:real|live|human|person|alive)\\b(?! estate| deal\\b)",
        "(?:am i|are we|is this|is it) (?:\\S+ ){0,2}(?:talk|speak|chat)(?:ing)? (?:to|with) (?:a |an )?(?:real|live|actual|genuine) (?:human|person|human being|people)",
        "(?:i am|we are) (?:talk|speak|chat)(?:ing)? (?:to|with) (?:a |an )?(?:real|live|actual|genuine) (?:human|person|human being) (?:right|correct|yes|huh|am i not|is it not)",
        "(?:am|are|is) (?:i|we|you|this|that|it) {GAP3}(?:robot|bot|machine|computer|recording|program|android|automated|ai|chatbot)s?\\b",
        "(?:chat|deal|talk|speak) (?:to|with) (?:a |an |some )?(?:robot|bot|machine|computer|program|recording|ai|a i)s?\\b",
        "(?:one of those|some kind of|some sort of) (?:robot|bot|machine|computer|automated|recording|ai)s?",
    ),
    Intent.WHO: (
        "who (?:is|are) (?:this|you|calling|speaking|it|that|asking)",
        "who want to know",
        "who (?:am i|is) (?:talking|speaking)",
        "who (?:do you|you) (?:work|call|represent) (?:for|from)?",
        "what (?:company|business|agency|is this about|is this regarding|is this for|are you selling|do you want|is it about|is this call about|is this in reference to)",
        "(?:where|what company) (?:are you|is this|is this call) (?:calling )?from",
        "how did you get (?:my|this) (?:number|phone|info|name)",
        "why are you (?:calling|call)",
        "what do you want",
        "(?:is this|is it|are you) (?:a |some )?(?:sales|marketing|telemarketing|solicitation|survey|scam|sales pitch|spam)(?: call)?",
        "(?:how do i know|how can i tell|how would i know) (?:this|you|it) (?:is not|is|are not|are)",
        "is this (?:legit|legitimate|real|for real)",
        "who (?:sent|gave) you",
        "(?:what|who) is (?:dana|your company|this company)",
    ),
    Intent.PRICE: (
        "how much",
        "(?:price|pricing|cost|premium|rate|fee|charge|monthly payment|payment|quote)",
        "what (?:would|will|does|do|is) (?:it|that|this|i|they|we|the plan|the coverage) (?:cost|run|pay|be per month|be a month|charge|go for|set me back)",
        "(?:per|a|each|every) month|monthly",
        "(?:afford|expensive|cheap|pricey|dollar|buck|budget|fixed income|spend)",
        "(?:run|set) (?:me|us|you) back",
        "(?:will|would|does|it) (?:\\S+ )?run (?:me|us)",
        "(?:monthly|the) damage",
    ),
    Intent.DEDUCTIBLE: (
        "(?:deductible|deductable|out of pocket|copay|co pay|copayment|coinsurance|co insurance|waiting period|annual max|annual maximum|maximum benefit|max benefit|in network|out of network|network|yearly max|benefit limit)",
        "what (?:does|do|would|will|is) (?:it|that|this|the plan|they|the coverage|dental|vision) (?:cover|include|pay for)",
        "what is (?:covered|included)",
        "(?:cover|include|pay for) (?:my |the |any )?(?:cleaning|crown|filling|brace|implant|root canal|glass|glasses|contact|lens|lenses|lasik|exam|frame|x ray|xray|denture|extraction|orthodontic|checkup|check up)s?",
        "which (?:dentist|doctor|eye doctor|optometrist)",
    ),
    Intent.COMPARE: (
        "(?:cheaper|less|lower|better|more expensive|pricier|cost less|cost more|save|saving|savings|beat) {GAP4}(?:than|compared|versus|vs|over|to what|with what|on my)",
        "(?:compare|comparison|compared)",
        "(?:better|cheaper|worse) (?:deal|option|plan|price|rate)",
        "(?:what|how much) (?:would|will|could|can|do) (?:i|we) save",
        "(?:than|compared to) (?:what i|what we|my current|mine|my plan|my own)",
        "(?:beat|undercut|lower than|better than|cheaper than|less than) (?:my|our|what i|what we|the)",
    ),
    Intent.GUARANTEE: (
        "(?:guarantee|guaranteed|guaranty|warranty)",
        "lock (?:in|it|that|the price|the rate|it in)",
        "locked",
        "lock (?:rate|price|premium)",
        "fixed (?:rate|price|premium)",
        "price (?:protection|lock|freeze)",
        "(?:price|rate|premium|it|cost) {GAP2}(?:go up|go|increase|rise|raise|jump|change|stay the same|stay|be the same)",
        "(?:promise|forever|for life|next year|every year|in a year|over time|down the road)",
        "(?:will|would|could) (?:they|you) raise",
    ),
    Intent.SSN: (
        "(?:social security|social|ssn|ss number|s s n|tax id|tin number|id number|taxpayer)",
        "(?:\\d{3} \\d{2} \\d{4}|\\d{9})",
    ),
    Intent.MEDICAL: (
        "(?:medical|health|doctor|doctors|physician|hospital|clinical|patient) (?:record|note|history|file|chart|condition|information|info|issue|problem|data|result|report)",
        "(?:my|her|his) (?:diagnosis|condition|prescription|medication|surgery|illness|disease|medical)",
        "(?:hipaa|medical records|medical notes|doctor note)",
    ),
    Intent.CONFUSED: (
        "^(?:what|huh|sorry|pardon|come again|eh|excuse me|what was that|say what|i am sorry|what now|hmm|wait what)$",
        "(?:i do not|i can not|did not|i did not) (?:understand|get it|get that|follow|catch that|catch it|catch what|hear you|hear that|know what you mean|get what you|know what that)",
        "(?:not|am not) follow",
        "(?:not sure|no idea|no clue) what (?:you mean|you are|that|this|you said)",
        "what do you mean",
        "what does (?:that|this|it) mean",
        "(?:confuse|confusing|confused|lost me|i am lost|too fast|slow down|speak up|louder|say (?:that|it) again|repeat|one more time|again please|come again|run that by me|what was that|what did you say|you lost me|over my head|makes no sense|make no sense|does not make sense|what are you talking about|what is this|what is that|i beg your pardon|excuse me)",
    ),
    Intent.HOLD: (
        "(?:hold on|hang on|one sec|one second|one moment|one minute|just a sec|just a second|just a moment|just a minute|give me a sec|give me a second|give me a moment|give me a minute|wait a sec|wait a second|wait a moment|wait a minute|bear with me|hold please|hold up|let me grab|let me get a pen|let me find|let me check my|let me look at my|give me one)",
        "^(?:wait|hold)$",
    ),
    Intent.GOODBYE: (
        "(?:bye|goodbye|good bye|bye bye|have to go|got to go|need to go|must go|i am hanging up|going to hang up|hang up now|hanging up|adios|ciao|talk to you later|take care|i am done here|good day to you|see you)",
        "^(?:(?:alright|okay|well|so|then) )*talk (?:to you )?(?:later|soon)$",
    ),
    Intent.SELF_ID: (
        "^(?:(?:yes|yeah|hi|hello|hey|oh|well|sure) )*speak(?:ing)?$",
        "^(?:(?:yes|yeah|hi|hello|hey|oh|well|sure) )*speak(?:ing)? (?:who|what|may|can|how)",
        "^(?:(?:yes|yeah|yep|uh|um|well) )*(?:you are|i am|it is|that is)$",  # "Are you Maria?" "You are."
        "you are (?:talking|speaking|chatting) (?:to|with) (?:her|him|me|she|he)\\b",
        "(?:this is|it is|that is|you are speaking (?:to|with)|you have|you got|you reached|you found|that would be) (?:she|he|her|him|me|i|myself|the one)\\b",
        "(?:she|he) (?:is )?speaking",
        "(?:that is|it is|this is|that would be|yes it is|it sure is) (?:me|her|him|she|he|myself)",
        "(?:the one and only|in the flesh|present|you found me|you got me|that is me|yes it is|it is|that is right|you have got her|you have got him)$",
        "^(?:(?:yes|yeah|hi|hello|oh|well) )*(?:this is she|this is he|she speaking|he speaking)\\b",
        "(?:soy yo|si soy yo|con ella|con el|ella habla|el habla)",
        "(?:she|he|it) (?:is )?on the (?:line|phone)$",
        "(?:this is|it is) \\S+ (?:on the phone|on the line|talking|here)$",
        "you (?:have )?reached (?:her|him|me)",
    ),
}

# Requests turned around by a negation ("I don't need to talk to anyone", "no need to call back").
NEGATED: dict[Intent, str] = {
    Intent.WANTS_BROKER: "(?:(?:{NEG}|no need to|rather not) "
    + "(?:(?:really|need|want|have|to|be|go|going|wish) ){0,3}(?:{TALK_V}|{CONNECT_V}|transfer|connect)"
    + "|(?:{NEG}) (?:really )?(?:need|want) (?:a |an |the |my |any |to talk to a |to speak to a )?(?:{PERSON})"
    + "|no need for (?:a |an |the )?(?:{PERSON})"
    + "|(?:{NEG}) (?:put|transfer|connect|patch|pass|forward|send) (?:me|us))",
    Intent.CALLBACK: "(?:{NEG}|no need to) (?:(?:really|need|want|have|to|bother|you|ever|a|any|another) ){0,3}(?:(?:{CONTACT_V}) (?:me |us )?back|callback)",
    Intent.WRONG_PERSON: "(?:not|no) (?:the )?wrong (?:number|person)",
}
# After "call me", these words continue a request about calls; anything else is a name ("don't
# call me Maria", "nobody calls me Francisco").
_CONTINUES_CALL = "(?:do|not|never|stop|dont|again|ever|anymore|any|no|back|here|there|at|on|in|this|that|these|those|about|with|you|please|period|and|or|but|i|we|it|so|because|cause|expletive|fuck|fucking|damn|the|a|an|if|when|before|after|until|till|during|today|tomorrow|tonight|later|now|anytime|every|from|for|to|unless|up|either|sometime|between|around|once|twice|okay|ok|thanks|thank|monday|tuesday|wednesday|thursday|friday|saturday|sunday|next|soon|whenever|sometimes|morning|afternoon|evening|weekend|weekends|work|home|early|late|all|anything|number|phone|cell|landline|too|also|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\\d+)"
_NOT_CONTACT_WORD = "(?!" + _CONTINUES_CALL + "\\b)[a-z]+"
_NAME_CORRECTION = (
    compile_rule("(?:{NEG}|stop|quit|please do not) (?:you )?{CONTACT_V} me " + _NAME_WORDS),
    compile_rule(
        "(?:{NEG_STRICT}|stop|quit|never) (?:you )?(?:ever )?call me "
        + _NOT_CONTACT_WORD
        + "(?: please)?(?: [a-z]+)?$"
    ),
    compile_rule(
        "(?:no one|nobody|noone|everyone|everybody|people|my friends|my friend|friends|friend|they all|most people|folks|my family|family|all my friends|all my friend|my kids|my kid) (?:ever |usually |just |really |always |mostly )?call me "
        + _NOT_CONTACT_WORD
    ),
    compile_rule(
        "(?:{NEG}|stop|quit|please do not) (?:you )?{CONTACT_V} me (?!(?:again|ever|anymore|any|back|here|at|on|this|no|now|today|tomorrow|tonight|later|please|period|or|and|you|before|after|until|till|during|in|anytime|every|so|with|about|because|cause|expletive|ever|if|when|unless|from|for|the|that|these|those|do|not|never|stop|dont)\\b)[a-z]+(?: [a-z]+)? (?:it is|my name is|i am|i go by|call me|instead|just call me|please call me|the name is|name is|i prefer|rather|it is just|just|use|please use)"
    ),
    compile_rule(
        "(?:you can|you may|please|just|everyone|my friends|people|could you|would you|can you|go ahead and) (?:just )?call me (?!(?:back|later|again|tomorrow|tonight|today|at|on|in|next|this|after|before|around|anytime|any time|when|whenever|sometime|monday|tuesday|wednesday|thursday|friday|saturday|sunday|a|the|about|if|once|between)\\b)[a-z]+$"
    ),
    compile_rule(
        "(?:i go by|i prefer|i would prefer|i prefer to be called|i like to be called|i like being called|it is pronounced|the name is) "
        + _NOT_CONTACT_WORD
        + "(?: please| thanks| thank you)?$"
    ),
    compile_rule("(?:it is|that is|i am) (?:not )?(?:mrs|mr|ms|miss|doctor|dr) \\S+ not \\S+"),
    compile_rule(
        "^(?:(?:oh|yes|yeah|well|please|just|actually|and|no|you can) )*call me " + _NOT_CONTACT_WORD
    ),
    compile_rule("(?:it is|i am|i go by|the name is) [a-z]+ not [a-z]+$"),
)


@lru_cache(maxsize=1)
def _compiled() -> dict[Intent, tuple[re.Pattern[str], ...]]:
    return {intent: tuple(compile_rule(p) for p in patterns) for intent, patterns in RULES.items()}


def grammar_intents(lemma_text: str, surface_text: str = "") -> set[Intent]:
    """Every intent whose construction occurs in the lemmatised (or the surface) text, opt-out
    with its vetoes."""
    return grammar_reading(lemma_text, surface_text)[0]


def grammar_reading(lemma_text: str, surface_text: str = "") -> tuple[set[Intent], set[Intent]]:
    """The intents found, and those a construction matched but a veto took back ("I never said
    stop calling"): the classifier must not put those back."""
    texts = [f"{lemma_text} "] + ([f"{surface_text} "] if surface_text and surface_text != lemma_text else [])
    # "okay so, enough I'm done": rules anchored at the start also read past a discourse marker.
    texts += [t for t in (LEADING_MARKER.sub("", text) for text in texts) if t not in texts]
    found = {
        intent
        for intent, rules in _compiled().items()
        if any(rule.search(text) for rule in rules for text in texts)
    }
    lemma_text = f"{lemma_text} "
    vetoed: set[Intent] = set()
    if is_name_correction(lemma_text):
        found.add(Intent.NAME_CORRECTION)
        if not explicit_opt_out_beyond_name(lemma_text):
            found.discard(Intent.OPT_OUT)
    if Intent.OPT_OUT in found and opt_out_vetoed(lemma_text, surface_text):
        found.discard(Intent.OPT_OUT)
        vetoed.add(Intent.OPT_OUT)
    return found, vetoed


def is_name_correction(lemma_text: str) -> bool:
    return any(rule.search(lemma_text) for rule in _NAME_CORRECTION)
