"""Workflows call activities through the light contracts in activities/contracts.py: every
contract is implemented under the same name with the same types and registered by the worker,
and importing a workflow loads no ORM, settings or vendor SDK (DESIGN.md's dependency rules)."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing

from temporalio.activity import _Definition

from activities.contracts import ALL_CONTRACTS
from settings import Settings
from worker import DIAL_QUEUE_ACTIVITIES, Adapters, activities_by_queue

HEAVY = ("sqlalchemy", "simple_salesforce", "settings", "db", "httpx", "twilio", "openai", "anthropic")


def _contract_methods() -> dict[str, tuple[type, object]]:
    found: dict[str, tuple[type, object]] = {}
    for contract in ALL_CONTRACTS:
        for member in vars(contract).values():
            definition = _Definition.from_callable(member) if callable(member) else None
            if definition is not None:
                assert definition.name not in found, f"{definition.name} is in two contracts"
                found[definition.name] = (contract, member)
    return found


def _registered() -> tuple[dict[str, object], dict[str, object]]:
    adapters = Adapters(db=None, telephony=None, crm=None, email=None, scheduling=None)  # type: ignore[arg-type]
    main, dial = activities_by_queue(None, Settings(), adapters)  # type: ignore[arg-type]

    def by_name(methods: list[object]) -> dict[str, object]:
        return {_Definition.from_callable(m).name: m for m in methods}  # type: ignore[union-attr]

    return by_name(main), by_name(dial)


def test_every_contract_is_registered_under_its_name_with_the_same_types():
    main, dial = _registered()
    registered = {**main, **dial}
    for name, (contract, member) in _contract_methods().items():
        assert name in registered, f"{contract.__name__}.{name} is not registered by the worker"
        impl = registered[name]
        assert typing.get_type_hints(member) == typing.get_type_hints(impl), name
        want = [p for p in inspect.signature(member).parameters if p != "self"]
        assert want == list(inspect.signature(impl).parameters), name


def test_the_worker_registers_nothing_a_contract_does_not_name():
    main, dial = _registered()
    assert set(main) | set(dial) == set(_contract_methods())
    assert set(dial) == DIAL_QUEUE_ACTIVITIES


def test_importing_a_workflow_loads_no_orm_settings_or_vendor_sdk():
    code = (
        "import sys, workflows.outreach, workflows.campaign, workflows.broker_callback, workflows.retention; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""
