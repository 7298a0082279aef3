"""The shipped intent classifier: a linear model (tf-idf features -> softmax) trained by
evals/train_intents.py on the phrasing generator's training split and stored beside this file as
plain arrays (`intent_model.npz`, loaded without pickle). It backs the grammar up: it adds an intent
only when the grammar found none of the intents it knows, and only when it is confident."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from conversation.nlu.features import features
from conversation.nlu.intent import CLASSIFIED, Intent
from conversation.nlu.normalise import Utterance

MODEL_PATH = Path(__file__).with_name("intent_model.npz")
THRESHOLD = 0.8
OTHER = "other"


@dataclass(frozen=True)
class IntentModel:
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (features, classes)
    intercept: np.ndarray
    classes: tuple[str, ...]
    corpus_sha256: str

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> IntentModel:
        with np.load(path, allow_pickle=False) as data:
            vocab = [str(v) for v in data["vocabulary"]]
            return cls(
                vocabulary={v: i for i, v in enumerate(vocab)},
                idf=data["idf"].astype(np.float64),
                coef=data["coef"].astype(np.float64),
                intercept=data["intercept"].astype(np.float64),
                classes=tuple(str(c) for c in data["classes"]),
                corpus_sha256=str(data["corpus_sha256"]),
            )

    def probabilities(self, utterance: Utterance) -> dict[str, float]:
        counts: dict[int, float] = {}
        for feature in features(utterance):
            index = self.vocabulary.get(feature)
            if index is not None:
                counts[index] = counts.get(index, 0.0) + 1.0
        if not counts:
            return {OTHER: 1.0}
        indices = np.fromiter(counts, dtype=np.int64)
        values = np.fromiter(counts.values(), dtype=np.float64) * self.idf[indices]
        values /= np.linalg.norm(values) or 1.0
        scores = values @ self.coef[indices] + self.intercept
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
        return dict(zip(self.classes, scores.tolist(), strict=True))


@lru_cache(maxsize=1)
def shipped_model() -> IntentModel | None:
    return IntentModel.load() if MODEL_PATH.exists() else None


_KNOWN = frozenset(CLASSIFIED)


def predict_intents(
    utterance: Utterance, *, exclude: set[Intent], threshold: float = THRESHOLD
) -> set[Intent]:
    """The classifier's intent, if the grammar found none of the classified intents."""
    model = shipped_model()
    if model is None or exclude & _KNOWN or not utterance.words:
        return set()
    probs = model.probabilities(utterance)
    label, p = max(probs.items(), key=lambda item: item[1])
    if label == OTHER or p < threshold:
        return set()
    return {Intent(label)}
