"""Usage and cost: what calls consumed, priced with the deployment's unit prices, rolled up as
cost per call, per booking and per opt-out (for a campaign, or one broker's part of it).

Pure arithmetic over counts (ids only ever travel beside these numbers, never PHI). The totals
come from call_attempts (db/repositories/usage.py); the prices from settings (GYDE_PRICE_*).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UnitPrices:
    """USD per unit."""

    stt_per_minute: float = 0.0
    llm_input_per_million_tokens: float = 0.0
    llm_output_per_million_tokens: float = 0.0
    tts_per_million_characters: float = 0.0
    telephony_per_minute: float = 0.0


@dataclass(frozen=True)
class UsageTotals:
    """What a set of calls consumed, and what came of them."""

    calls: int = 0  # carrier calls placed
    billed_minutes: int = 0  # carrier minutes, each call rounded up to a whole minute
    stt_audio_seconds: float = 0.0
    llm_input_tokens: int = 0
    llm_output_tokens: int = 0
    tts_characters: int = 0
    bookings: int = 0
    opt_outs: int = 0


@dataclass(frozen=True)
class CostReport:
    usage: UsageTotals
    total_usd: float
    by_kind_usd: dict[str, float] = field(default_factory=dict)
    per_call_usd: float | None = None
    per_booking_usd: float | None = None
    per_opt_out_usd: float | None = None


def billed_minutes(duration_seconds: int) -> int:
    """Carriers bill each started minute (a 61 s call is 2 minutes; an unanswered one is 0)."""
    return -(-max(0, duration_seconds) // 60)


def _per(total: float, count: int) -> float | None:
    return round(total / count, 4) if count else None


def cost_report(usage: UsageTotals, prices: UnitPrices) -> CostReport:
    by_kind = {
        "stt": usage.stt_audio_seconds / 60.0 * prices.stt_per_minute,
        "llm": usage.llm_input_tokens / 1e6 * prices.llm_input_per_million_tokens
        + usage.llm_output_tokens / 1e6 * prices.llm_output_per_million_tokens,
        "tts": usage.tts_characters / 1e6 * prices.tts_per_million_characters,
        "telephony": usage.billed_minutes * prices.telephony_per_minute,
    }
    total = sum(by_kind.values())
    return CostReport(
        usage=usage,
        total_usd=round(total, 4),
        by_kind_usd={kind: round(value, 4) for kind, value in by_kind.items()},
        per_call_usd=_per(total, usage.calls),
        per_booking_usd=_per(total, usage.bookings),
        per_opt_out_usd=_per(total, usage.opt_outs),
    )


def cost_line(report: CostReport) -> str:
    """One line for a campaign's current details in the Temporal UI."""

    def usd(value: float | None) -> str:
        return "n/a" if value is None else f"${value:.2f}"

    return (
        f"cost {usd(report.total_usd)} over {report.usage.calls} calls · per call {usd(report.per_call_usd)}"
        f" · per booking {usd(report.per_booking_usd)} · per opt-out {usd(report.per_opt_out_usd)}"
    )


@dataclass(frozen=True)
class CampaignCostRequest:
    campaign_id: str


@dataclass(frozen=True)
class CampaignCost:
    """The campaign's cost so far, as the campaign workflow shows it in its details."""

    campaign_id: str
    line: str
    total_usd: float = 0.0
