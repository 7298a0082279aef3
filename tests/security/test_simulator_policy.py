"""Promise: per-state calling rules are only ever waived for calls into the local simulator."""

from __future__ import annotations

import pytest

from compliance.simulator_policy import WaiverRefused, state_rules_waiver


def test_not_requested_means_every_rule_is_enforced() -> None:
    assert state_rules_waiver(False, "http://127.0.0.1:8766") == ""
    assert state_rules_waiver(False, None) == ""


@pytest.mark.parametrize("base", ["http://127.0.0.1:8766", "http://localhost:9", "http://[::1]:8766"])
def test_waiver_for_a_loopback_simulator_names_it(base: str) -> None:
    text = state_rules_waiver(True, base)
    assert text.startswith("simulator:") and base in text


@pytest.mark.parametrize(
    "base", [None, "", "https://api.twilio.com", "http://10.0.0.5:8766", "http://127.0.0.1.evil.example"]
)
def test_waiver_refused_when_calls_could_reach_real_people(base: str | None) -> None:
    with pytest.raises(WaiverRefused, match="GYDE_TWILIO_API_BASE"):
        state_rules_waiver(True, base)
