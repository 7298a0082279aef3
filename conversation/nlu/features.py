"""The classifier's features, shared by training (evals/train_intents.py) and prediction, so the
two can never disagree: lemma unigrams and bigrams plus character 3-5-grams inside words (robust
to misheard and misspelt words)."""

from __future__ import annotations

from conversation.nlu.normalise import Utterance


def features(utterance: Utterance) -> list[str]:
    lemmas = list(utterance.lemmas)
    out = [f"w:{w}" for w in lemmas]
    out.extend(f"b:{a}_{b}" for a, b in zip(["^", *lemmas], [*lemmas, "$"], strict=True))
    for word in utterance.words:
        padded = f" {word} "
        for n in (3, 4, 5):
            out.extend(f"c:{padded[i : i + n]}" for i in range(max(1, len(padded) - n + 1)))
    return out
