"""Promise: a finished workflow's raw history on the Temporal server holds no client name, phone
or date of birth in plaintext - not in inputs, activity results, signals, or failure messages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.client import WorkflowFailureError
from temporalio.converter import DataConverter
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from security.history_scan import find_plaintext, raw_history_bytes
from security.keyring import KeyRing
from security.payload_codec import data_converter
from tests.conftest import start_test_env

PHI = ("Margaret", "Holloway", "+15551234567", "1948-03-02")


@dataclass
class Profile:
    name: str
    phone: str
    dob: str


@activity.defn
async def describe(profile: Profile) -> str:
    return f"{profile.name} born {profile.dob}"


@workflow.defn(sandboxed=False)  # test module imports pytest; the product workflows stay sandboxed
class PhiEchoWorkflow:
    def __init__(self) -> None:
        self._note = ""

    @workflow.signal
    def note(self, text: str) -> None:
        self._note = text

    @workflow.run
    async def run(self, profile: Profile) -> str:
        summary: str = await workflow.execute_activity(
            describe, profile, start_to_close_timeout=timedelta(seconds=10)
        )
        await workflow.wait_condition(lambda: bool(self._note))
        if self._note == "fail":
            raise ApplicationError(f"could not reach {profile.name} at {profile.phone}")
        return summary + " " + self._note


async def _run(converter: DataConverter, *, fail: bool) -> bytes:
    env = await start_test_env(data_converter=converter)
    try:
        queue, wid = f"q-{uuid.uuid4()}", f"phi-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=queue, workflows=[PhiEchoWorkflow], activities=[describe]):
            handle = await env.client.start_workflow(
                PhiEchoWorkflow.run,
                Profile("Margaret Holloway", "+15551234567", "1948-03-02"),
                id=wid,
                task_queue=queue,
            )
            await handle.signal(PhiEchoWorkflow.note, "fail" if fail else "call +15551234567")
            if fail:
                with pytest.raises(WorkflowFailureError) as info:
                    await handle.result()
                # Our own client, holding the key, still sees the real message.
                assert "Margaret" in str(info.value.cause)
            else:
                assert "Margaret Holloway born 1948-03-02" in await handle.result()
        return await raw_history_bytes(env.client, wid)
    finally:
        await env.shutdown()


@pytest.mark.parametrize("fail", [False, True])
async def test_raw_history_has_no_plaintext_phi(keyring: KeyRing, fail: bool) -> None:
    raw = await _run(data_converter(keyring), fail=fail)
    assert find_plaintext(raw, PHI) == []
    assert b"binary/encrypted" in raw


async def test_control_without_the_codec_the_scan_finds_phi() -> None:
    """Proves the scan can fail: the default converter leaves PHI readable in history."""
    raw = await _run(DataConverter.default, fail=True)
    assert set(find_plaintext(raw, PHI)) == set(PHI)


def test_phi_needles_cover_common_spellings() -> None:
    from datetime import date

    from security.history_scan import phi_needles

    needles = phi_needles(names=["Margaret"], phones=["+15551234567"], dates=[date(1948, 3, 2)])
    for spelling in (
        "Margaret",
        "+15551234567",
        "5551234567",
        "(555) 123-4567",
        "555-123-4567",
        "1948-03-02",
        "3/2/1948",
        "03/02/1948",
        "March 2, 1948",
    ):
        assert spelling in needles
    log = b"INFO dialing (555) 123-4567 for client c1"
    assert find_plaintext(log, needles) == ["(555) 123-4567"]
