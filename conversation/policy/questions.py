"""The question Emma is waiting on, asked plainly (0), rephrased (1), simplified (2) or by
example (3): what she says again after a side question, a silence or a confused caller."""

from __future__ import annotations

from conversation.policy.base import PolicyBase
from conversation.state import Pending


def question(policy: PolicyBase, level: int = 0) -> str:
    state, ctx = policy.state, policy.ctx
    first, broker = ctx.first_name, ctx.broker_name
    offered = [policy.spoken(s) for s in state.offered] or ["the first open time"]
    proposed = policy.spoken(state.proposed_callback.at) if state.proposed_callback else "that time"
    chosen = policy.spoken(state.chosen_slot) if state.chosen_slot else ""
    table: dict[Pending, tuple[str, str, str, str]] = {
        Pending.IDENTITY_CONFIRM: (
            f"Am I speaking with {first}?",
            f"I'm Emma, an AI assistant calling for {broker}, and I'm trying to reach {first}. Is that you?",
            f"Are you {first}?",
            f"You can just say yes, this is {first}, or no, wrong person.",
        ),
        Pending.VERIFY: (
            "Could you please tell me your full name and date of birth?",
            "To make sure I'm talking to the right person, please say your first and last name "
            "and the day you were born.",
            "What is your name, and your birthday?",
            "For example, you could say: Jane Smith, born March fourth, nineteen sixty.",
        ),
        Pending.PRESENT: (
            f"Would you like to set up a short call with {broker} to go over your options?",
            f"{broker} can explain coverage that fills the gaps in your plan. Would you like a short call?",
            f"Would you like to talk with {broker}? Yes or no?",
            "You can say yes, set up a call, or no thanks.",
        ),
        Pending.COVERAGE: (
            "Would the coverage be just for you, or for you and your spouse?",
            "Should the coverage include only you, or your spouse as well?",
            "Just you, or you and your spouse?",
            "You can say just me, or me and my spouse.",
        ),
        Pending.SLOT_CHOICE: (
            f"Which works better for you: {' or '.join(offered)}?",
            f"{broker} can call you at one of these times: {' or '.join(offered)}. Which one is better?",
            f"Which time is good for you: {offered[0]}?",
            "You can say the first one, the second one, or tell me a day and time that suits you.",
        ),
        Pending.BOOKING_CONFIRM: (
            f"Shall I book the call on {chosen}?",
            f"Should I put that call on {broker}'s calendar?",
            "Shall I book it? Yes or no?",
            "You can say yes, book it, or no.",
        ),
        Pending.CALLBACK_TIME: (
            "What day and time would be better?",
            "When would you like us to call you back?",
            "When should we call?",
            "For example, you could say tomorrow morning, or Thursday afternoon.",
        ),
        Pending.WRONG_PERSON_TIME: (
            "When would be a good time to reach them?",
            "Is there a better day or time to try again?",
            "When should we call back?",
            "For example, you could say tomorrow evening.",
        ),
        Pending.CALLBACK_CONFIRM: (
            f"Should we call you back on {proposed}?",
            f"Is {proposed} a good time for the call back?",
            f"Is {proposed} okay? Yes or no?",
            "You can say yes, that's fine, or tell me another time.",
        ),
        Pending.SPANISH_OFFER: (
            f"¿Quiere que {broker} le devuelva la llamada?",
            f"¿Le gustaría que {broker} le llame en otro momento?",
            "¿Sí o no?",
            "Puede decir sí, o no gracias.",
        ),
        Pending.SPANISH_TIME: (
            "¿Qué día y a qué hora le conviene?",
            "¿Cuándo le podemos llamar?",
            "¿Qué día le conviene?",
            "Por ejemplo, puede decir mañana por la tarde.",
        ),
        Pending.SPANISH_CONFIRM: (
            "¿Está bien esa hora?",
            "¿Le parece bien esa hora?",
            "¿Sí o no?",
            "Puede decir sí, o decirme otra hora.",
        ),
    }
    variants = table.get(state.pending, table[Pending.IDENTITY_CONFIRM])
    prefix = "" if level == 0 else ("Sorry, let me put that another way. " if level == 1 else "")
    if state.spanish and level == 1:
        prefix = "Disculpe, se lo digo de otra manera. "
    return prefix + variants[min(level, 3)]
