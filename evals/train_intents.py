"""Train the shipped intent classifier on the phrasing generator's training split.

    python -m evals.train_intents            # writes conversation/nlu/intent_model.npz
    python -m evals.train_intents --check    # held-out accuracy of the shipped model

The corpus is every training template realised many times with synthetic names, dates and times
and with noise (fillers, false starts, lost punctuation, misheard words). Labels are the intents
the classifier knows (conversation/nlu/intent.py: CLASSIFIED) or "other". The model is a
multinomial logistic regression over tf-idf features (conversation/nlu/features.py), stored as
plain arrays so loading it needs numpy only and no pickle. The held-out split is read only by
`evaluate` (to measure), never by `train`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from conversation.nlu.classifier import MODEL_PATH, OTHER, IntentModel
from conversation.nlu.features import features
from conversation.nlu.normalise import normalise_utterance
from evals.clients import FIRST_NAMES, LAST_NAMES, RELATIVES
from evals.noise import add_noise
from evals.phrasing import PhraseBank
from evals.render import say_clock, say_day, say_dob, say_when, say_when_es

LABELS: dict[str, str] = {
    "opt_out": "opt_out",
    "opt_out_spanish": "opt_out",
    "present_no": "decline",
    "decline_generic": "decline",
    "spanish_no": "decline",
    "not_interested_other_product": OTHER,
    "present_yes": "affirm",
    "confirm_yes": "affirm",
    "identity_yes": "affirm",
    "spanish_yes": "affirm",
    "negated_stop": "affirm",
    "confirm_no": "deny",
    "reject_offer": "deny",
    "callback_busy": "callback",
    "callback_busy_no_time": "callback",
    "transfer_request": "wants_broker",
    "wrong_person": "wrong_person",
    "deceased": "deceased",
    "disclosure_q": "disclosure",
}
PER_TEMPLATE = 12


def _values(rng: random.Random, split: str) -> dict[str, str]:
    first, nick = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    today = date(2026, 11, 30)
    when = datetime(2026, 12, rng.randint(1, 9), rng.randint(9, 18), rng.choice((0, 30)))
    return {
        "first": first,
        "last": last,
        "full": f"{first} {last}",
        "nick": nick,
        "dob": say_dob(date(rng.randint(1940, 2000), rng.randint(1, 12), rng.randint(1, 28)), split, rng),
        "broker": rng.choice(("Dana Whitfield", "Luis Ortega", "Priya Raman")),
        "relative": rng.choice(RELATIVES),
        "product": rng.choice(("dental", "vision")),
        "refused": "dental",
        "wanted": "vision",
        "when": say_when(when, today, split, rng)[0],
        "when_es": say_when_es(when, today, rng),
        "day": say_day(today + timedelta(days=rng.randint(1, 6)), today, split, rng),
        "time": say_clock(when, split, rng, meridiem=rng.random() < 0.5),
        "part": rng.choice(("morning", "afternoon", "evening")),
    }


def corpus(split: str, seed: int = 0, per_template: int = PER_TEMPLATE) -> Iterator[tuple[str, str]]:
    """(utterance, label) for every kind of the split, realised `per_template` times each."""
    bank = PhraseBank.load(split)
    rng = random.Random(seed)
    for kind in sorted(bank.kinds):
        label = LABELS.get(kind, OTHER)
        for template in bank.kinds[kind]:
            single = PhraseBank(split, {kind: (template,)})
            for _ in range(per_template):
                text = single.say(kind, rng, **_values(rng, split))
                yield add_noise(text, rng.choice((0.0, 0.3, 0.6)), rng), label


def corpus_sha256(split: str = "train") -> str:
    bank = PhraseBank.load(split)
    return hashlib.sha256(json.dumps(bank.kinds, sort_keys=True).encode()).hexdigest()


def train(path: Path = MODEL_PATH, seed: int = 0) -> dict[str, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, labels = zip(*corpus("train", seed), strict=True)
    vectorizer = TfidfVectorizer(
        analyzer=lambda t: features(normalise_utterance(t)), min_df=2, sublinear_tf=True
    )
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=2.0, max_iter=2000, class_weight="balanced")
    model.fit(matrix, labels)
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    np.savez_compressed(
        path,
        vocabulary=np.array(vocabulary),
        idf=vectorizer.idf_.astype(np.float32),
        coef=model.coef_.T.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        classes=np.array(model.classes_),
        corpus_sha256=np.array(corpus_sha256("train")),
    )
    return {
        "examples": float(len(texts)),
        "features": float(len(vocabulary)),
        "train_accuracy": float(model.score(matrix, labels)),
    }


def evaluate(split: str = "heldout", path: Path = MODEL_PATH, seed: int = 1) -> dict[str, float]:
    """Accuracy of the shipped model alone (no grammar) on a split, and per label recall."""
    model = IntentModel.load(path)
    total = correct = 0
    per_label: dict[str, list[int]] = {}
    for text, label in corpus(split, seed, per_template=4):
        probabilities = model.probabilities(normalise_utterance(text))
        predicted = max(probabilities.items(), key=lambda item: item[1])[0]
        total += 1
        correct += predicted == label
        per_label.setdefault(label, [0, 0])
        per_label[label][0] += predicted == label
        per_label[label][1] += 1
    result = {"accuracy": correct / total, "examples": float(total)}
    result.update({f"recall_{k}": v[0] / v[1] for k, v in sorted(per_label.items())})
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report held-out accuracy")
    args = parser.parse_args(argv)
    if not args.check:
        print(json.dumps(train(), indent=2))
    print(json.dumps(evaluate(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
