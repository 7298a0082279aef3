"""Every setting is documented in .env.example with a one-line meaning, and nothing stale is."""

from __future__ import annotations

import re

from settings import PROJECT_ROOT, Settings

LINE = re.compile(r"^(GYDE_[A-Z0-9_]+)=\S*\s+#\s*\S+")


def documented() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (PROJECT_ROOT / ".env.example").read_text().splitlines():
        if line.startswith("GYDE_"):
            match = LINE.match(line)
            assert match, f"no one-line meaning for: {line}"
            found[match.group(1)] = line
    return found


def test_every_setting_is_in_env_example() -> None:
    expected = {f"GYDE_{name.upper()}" for name in Settings.model_fields}
    assert expected - set(documented()) == set(), "settings missing from .env.example"


def test_env_example_lists_no_unknown_settings() -> None:
    expected = {f"GYDE_{name.upper()}" for name in Settings.model_fields}
    assert set(documented()) - expected == set(), ".env.example names settings that do not exist"
