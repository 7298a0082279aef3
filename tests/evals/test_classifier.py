"""The shipped intent classifier: trained on the current training split (a stale model fails),
loaded without pickle, measured on the held-out split; and the whole understanding layer
(grammar + classifier) on every held-out kind."""

from __future__ import annotations

import random
from collections import Counter

from conversation.nlu.classifier import MODEL_PATH, IntentModel, shipped_model
from conversation.nlu.intent import CLASSIFIED, Intent
from conversation.nlu.normalise import normalise_utterance
from conversation.nlu.understand import understand
from evals.phrasing import PhraseBank
from evals.train_intents import corpus_sha256, evaluate


def test_the_shipped_model_matches_the_training_split() -> None:
    model = IntentModel.load(MODEL_PATH)
    assert model.corpus_sha256 == corpus_sha256("train"), "retrain: python -m evals.train_intents"
    assert set(model.classes) == {i.value for i in CLASSIFIED} | {"other"}


def test_the_classifier_alone_generalises_to_the_heldout_split() -> None:
    result = evaluate("heldout")
    assert result["accuracy"] >= 0.7, result


def test_probabilities_sum_to_one() -> None:
    model = shipped_model()
    assert model is not None
    probs = model.probabilities(normalise_utterance("please stop calling me"))
    assert abs(sum(probs.values()) - 1) < 1e-6 and max(probs, key=probs.__getitem__) == "opt_out"


EXPECT = {
    "opt_out": {Intent.OPT_OUT},
    "opt_out_spanish": {Intent.OPT_OUT},
    "present_no": {Intent.DECLINE},
    "decline_generic": {Intent.DECLINE},
    "present_yes": {Intent.AFFIRM},
    "confirm_yes": {Intent.AFFIRM},
    "confirm_no": {Intent.DENY},
    "callback_busy": {Intent.CALLBACK},
    "transfer_request": {Intent.WANTS_BROKER},
    "wrong_person": {Intent.WRONG_PERSON},
    "deceased": {Intent.DECEASED},
    "disclosure_q": {Intent.DISCLOSURE},
    "price_q": {Intent.PRICE},
    "deductible_q": {Intent.DEDUCTIBLE},
    "compare_q": {Intent.COMPARE},
    "guarantee_q": {Intent.GUARANTEE},
    "ssn_q": {Intent.SSN},
    "medical_q": {Intent.MEDICAL},
    "negated_stop": set(),
    "name_correction": {Intent.NAME_CORRECTION},
}
VALUES = {
    "first": "Maria", "last": "Lopez", "full": "Maria Lopez", "dob": "March 4th, 1961", "broker": "Dana Whitfield",
    "nick": "Mari", "when": "tomorrow at 2 pm", "when_es": "mañana a las dos", "day": "Tuesday", "time": "2",
    "part": "afternoon", "product": "dental", "refused": "dental", "wanted": "vision", "relative": "daughter",
}  # fmt: skip


def test_understanding_on_every_heldout_kind() -> None:
    """Opt-out recall 100% and no false opt-out on held-out wording; >= 95% on the rest."""
    bank = PhraseBank.load("heldout")
    rng = random.Random(21)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for kind, wanted in EXPECT.items():
        for _ in range(40):
            text = bank.say(kind, rng, **VALUES)
            got = understand(text, "Maria", "Dana Whitfield").intents
            if kind.startswith("opt_out"):
                ok = Intent.OPT_OUT in got
            else:
                ok = (not wanted or bool(got & wanted)) and Intent.OPT_OUT not in got
            total[kind] += 1
            right[kind] += ok
            if not ok:
                misses.append((kind, text, sorted(got)))
    assert right["opt_out"] == total["opt_out"] and right["opt_out_spanish"] == total["opt_out_spanish"], (
        misses
    )
    assert right["negated_stop"] == total["negated_stop"], misses
    assert sum(right.values()) / sum(total.values()) >= 0.95, misses
