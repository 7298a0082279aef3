"""One eval run: N conversations for a seed and a phrasing split, scored and reported."""

from __future__ import annotations

import time
from dataclasses import asdict

from evals.metrics import score
from evals.report import Report
from evals.runner import EvalConfig, run_conversation


async def run_eval(config: EvalConfig) -> Report:
    started = time.perf_counter()
    conversations = [await run_conversation(config, index) for index in range(config.conversations)]
    scores = [score(c) for c in conversations]
    described = {k: v for k, v in asdict(config).items() if k not in ("llm", "prompt")}
    described["llm"] = config.llm.name if config.llm else "local"
    described["prompt"] = config.prompt.version if config.prompt else None
    return Report(described, conversations, scores, time.perf_counter() - started)
