"""The prompt catalog as the files say *now*: a rollback is an edit of
`prompts/emma/experiments.yaml` (or a new ConfigMap mounted there), taken at the next call with
no restart. The folder is re-read only when a file's size or mtime changed, and a broken edit
keeps the last good catalog (logged) instead of failing calls."""

from __future__ import annotations

import logging
from pathlib import Path

from conversation.prompts import PROMPTS_DIR, PromptCatalog, PromptError

log = logging.getLogger(__name__)


class ReloadingCatalog:
    def __init__(self, agent: str = "emma", root: Path = PROMPTS_DIR) -> None:
        self._agent, self._root = agent, root
        self._stamp = self._fingerprint()
        self._catalog = PromptCatalog.load(agent, root)  # a broken catalog at start-up fails loudly

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        folder = self._root / self._agent
        stamps = []
        for path in sorted(folder.glob("*.yaml")):
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)

    def current(self) -> PromptCatalog:
        stamp = self._fingerprint()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._catalog = PromptCatalog.load(self._agent, self._root)
                log.info("prompt catalog reloaded: %s", self._catalog.experiments.default)
            except PromptError as exc:
                log.error("prompt files changed but do not load (%s); keeping the previous catalog", exc)
        return self._catalog
