"""Promise: deploy/grafana/gyde.json is valid Grafana JSON whose every panel queries metrics that
exist: `gyde_*` ones in our registry, `temporal_*` ones in what the worker's Temporal runtime
really exports (scraped here from a worker that ran one workflow)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from observability import metrics
from observability.temporal_metrics import sdk_runtime
from settings import PROJECT_ROOT
from stack.supervisor import free_port

DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "gyde.json"
METRIC = re.compile(r"\b((?:gyde|temporal)_[a-z0-9_]+)\b")


def _ours() -> set[str]:
    """Every sample name our registry can expose (counters as *_total, histograms' parts)."""
    names: set[str] = set()
    for family in metrics.REGISTRY.collect():
        if family.type == "counter":
            names |= {f"{family.name}_total", family.name}
        elif family.type == "histogram":
            names |= {f"{family.name}_{part}" for part in ("bucket", "count", "sum")}
        else:
            names.add(family.name)
    return names


def _queried() -> dict[str, set[str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["panels"], "a dashboard without panels"
    out: dict[str, set[str]] = {}
    for panel in dashboard["panels"]:
        exprs = [target["expr"] for target in panel["targets"]]
        assert exprs, f"panel {panel['title']!r} has no query"
        out[panel["title"]] = {name for expr in exprs for name in METRIC.findall(expr)}
        assert out[panel["title"]], f"panel {panel['title']!r} queries no gyde_/temporal_ metric"
    return out


@activity.defn
async def noop() -> str:
    return "ok"


@workflow.defn(sandboxed=False)
class OneStep:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(noop, start_to_close_timeout=timedelta(seconds=10))


async def _sdk_metric_names(env: WorkflowEnvironment) -> set[str]:
    port = free_port()
    runtime = sdk_runtime("127.0.0.1", port)
    assert runtime is not None
    client = await Client.connect(env.client.service_client.config.target_host, runtime=runtime)
    async with Worker(client, task_queue="dash", workflows=[OneStep], activities=[noop]):
        await client.execute_workflow(OneStep.run, id="dash-1", task_queue="dash")
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    return {sample.name for family in text_string_to_metric_families(text) for sample in family.samples} | {
        family.name for family in text_string_to_metric_families(text)
    }


async def test_every_panel_queries_metrics_that_exist(time_env: WorkflowEnvironment) -> None:
    queried = _queried()
    ours = _ours()
    sdk = await _sdk_metric_names(time_env)
    assert "temporal_workflow_task_schedule_to_start_latency_bucket" in sdk  # the SDK really exports
    for title, names in queried.items():
        for name in names:
            known = ours if name.startswith("gyde_") else sdk
            assert name in known, f"panel {title!r} queries {name}, which nothing exports"
    panelled = {name for names in queried.values() for name in names}
    for required in (
        "gyde_calls_in_flight",
        "gyde_turn_latency_seconds_bucket",
        "gyde_dial_gate_decisions_total",
    ):
        assert required in panelled
