"""How `gyde campaign status|list` and `gyde broker callbacks` show things: JSON for scripts
(`--json`), or tables with progress bars by stage and outcome for people (rich)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from rich.console import Console, Group
from rich.progress_bar import ProgressBar
from rich.table import Table

from api.temporal_gateway import CampaignState

STAGE_LABELS = {
    "in_call": "in a call",
    "waiting_for_dial_slot": "waiting for a dial slot",
    "waiting_window_or_retry": "waiting for window / retry",
    "done": "done",
}


def progress_json(state: CampaignState) -> dict[str, Any]:
    return {"state": state.state, **asdict(state.progress)}


def _bars(title: str, counts: dict[str, int], total: int, labels: dict[str, str] | None = None) -> Table:
    table = Table(title=title, show_header=False, box=None, pad_edge=False)
    table.add_column(justify="left", min_width=28)
    table.add_column(justify="right", min_width=6)
    table.add_column(min_width=30)
    for key, count in counts.items():
        table.add_row(
            (labels or {}).get(key, key),
            str(count),
            ProgressBar(total=max(total, 1), completed=count, width=30),
        )
    return table


def progress_view(state: CampaignState) -> Group:
    """Headline, then one bar per stage (of all started clients) and per outcome (of the done)."""
    p = state.progress
    flags = []
    if p.paused:
        flags.append("PAUSED" + (f" ({p.paused_because})" if p.paused_because else ""))
    if p.cancelled:
        flags.append("CANCELLED")
    head = (
        f"campaign [bold]{p.campaign_id}[/bold]: {state.state} · {p.started} clients started · "
        f"{p.in_flight} live calls · limits {p.max_concurrent_calls} calls, {p.dials_per_minute:g} dials/min"
        + (f" · {' · '.join(flags)}" if flags else "")
    )
    stages = {key: p.by_stage.get(key, 0) for key in STAGE_LABELS} | {
        k: v for k, v in p.by_stage.items() if k not in STAGE_LABELS
    }
    done = p.by_stage.get("done", sum(p.by_outcome.values()))
    outcomes = dict(sorted(p.by_outcome.items(), key=lambda item: (-item[1], item[0])))
    parts: list[Any] = [head, _bars("by stage", stages, p.started, STAGE_LABELS)]
    parts.append(_bars("by outcome", outcomes, done) if outcomes else "no client finished yet")
    return Group(*parts)


def print_json(value: Any) -> None:
    print(json.dumps(value, default=str))


def campaigns_table(rows: list[dict[str, Any]]) -> Table:
    table = Table("campaign", "name", "status", "clients", "created")
    for row in rows:
        table.add_row(row["campaign_id"], row["name"], row["status"], str(row["clients"]), row["created_at"])
    return table


def callbacks_table(broker_id: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(
        "callback", "when (UTC)", "client", "campaign", "owner", "status", title=f"broker {broker_id}"
    )
    for row in rows:
        table.add_row(
            row["callback_id"],
            row["callback_at"],
            row["client_id"],
            row["campaign_id"],
            row["owner"],
            row["status"],
        )
    return table


def console() -> Console:
    return Console(highlight=False)
