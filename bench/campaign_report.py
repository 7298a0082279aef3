"""The campaign benchmark's table in docs/performance.md (one row per N, newest run wins) and its
plot (throughput and worker memory against N)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from settings import PROJECT_ROOT

DOC_PATH = PROJECT_ROOT / "docs" / "performance.md"
PLOT_PATH = PROJECT_ROOT / "docs" / "campaign_bench.png"
DATA_PATH = PROJECT_ROOT / "docs" / "campaign_bench.json"
BEGIN = "<!-- campaign-bench:begin -->"
END = "<!-- campaign-bench:end -->"
# `--split-workers` runs (workflows and activities in processes of their own) have a table of
# their own, one row per N, beside the one-process table.
SPLIT_DATA_PATH = PROJECT_ROOT / "docs" / "campaign_bench_split.json"
SPLIT_BEGIN = "<!-- campaign-bench-split:begin -->"
SPLIT_END = "<!-- campaign-bench-split:end -->"
COLUMNS = (
    ("clients", "clients"),
    ("completed", "completed"),
    ("clients/s", "clients_per_s"),
    ("bare wf/s", "bare_workflows_per_s"),
    ("ratio", "ratio"),
    ("activities/client", "activities_per_client"),
    ("signals/client", "signals_per_client"),
    ("updates/client", "updates_per_client"),
    ("history events p50", "history_events_per_client_p50"),
    ("campaign history max", "campaign_history_events_max"),
    ("worker CPU s", "worker_cpu_s"),
    ("worker peak RSS MB", "worker_peak_rss_mb"),
    ("server CPU s", "server_cpu_s"),  # the dev server's, lifecycle phase, then bare phase
    ("bare server CPU s", "bare_server_cpu_s"),
    ("duration s", "duration_s"),
    ("database", "database"),
)


SPLIT_COLUMNS = (
    *COLUMNS[:11],
    ("workflow side CPU s", "worker_workflows_cpu_s"),
    ("activity side CPU s", "worker_activities_cpu_s"),
    *COLUMNS[11:],
)


def load_rows(path: Path = DATA_PATH) -> dict[int, dict[str, Any]]:
    if not path.exists():
        return {}
    return {int(row["clients"]): row for row in json.loads(path.read_text(encoding="utf-8"))}


def render_table(rows: dict[int, dict[str, Any]], columns: tuple[tuple[str, str], ...] = COLUMNS) -> str:
    head = "| " + " | ".join(title for title, _ in columns) + " |"
    rule = "|" + "---|" * len(columns)
    body = ["| " + " | ".join(str(rows[n].get(key, "")) for _, key in columns) + " |" for n in sorted(rows)]
    return "\n".join([head, rule, *body])


def replace_section(text: str, table: str, begin: str = BEGIN, end: str = END) -> str:
    block = f"{begin}\n{table}\n{end}"
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        return before + block + rest.split(end, 1)[1]
    return text.rstrip("\n") + "\n\n" + block + "\n"


def plot(rows: dict[int, dict[str, Any]], path: Path = PLOT_PATH) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = sorted(rows)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(ns, [rows[n]["clients_per_s"] for n in ns], "o-", label="lifecycle clients/s")
    bare = [n for n in ns if rows[n].get("bare_workflows_per_s")]  # a run may lack its bare phase
    left.plot(bare, [rows[n]["bare_workflows_per_s"] for n in bare], "s--", label="bare workflows/s")
    left.set_xscale("log")
    left.set_xlabel("clients in the campaign")
    left.set_ylabel("per second")
    left.set_ylim(bottom=0)
    left.set_title("Throughput")
    left.legend()
    right.plot(ns, [rows[n]["worker_peak_rss_mb"] for n in ns], "o-", color="tab:red")
    right.set_xscale("log")
    right.set_ylim(bottom=0)
    right.set_xlabel("clients in the campaign")
    right.set_ylabel("MB")
    right.set_title("Worker peak RSS")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_campaign_table(result: dict[str, Any], doc: Path = DOC_PATH, data: Path | None = None) -> None:
    """Record `result` as the row for its N, rewrite its table and (one-process runs) the plot."""
    split = int(result.get("worker_processes", 1)) > 1
    data = data or (SPLIT_DATA_PATH if split else DATA_PATH)
    rows = load_rows(data)
    rows[int(result["clients"])] = result
    data.write_text(json.dumps([rows[n] for n in sorted(rows)], indent=1) + "\n", encoding="utf-8")
    table = render_table(rows, SPLIT_COLUMNS if split else COLUMNS)
    begin, end = (SPLIT_BEGIN, SPLIT_END) if split else (BEGIN, END)
    doc.write_text(replace_section(doc.read_text(encoding="utf-8"), table, begin, end), encoding="utf-8")
    if not split:
        plot(rows, data.with_suffix(".png"))
