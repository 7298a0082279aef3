"""Write-once side effects against SQLite and (when GYDE_TEST_DATABASE_URL is set) PostgreSQL:
the same idempotency key twice writes one row and returns the first result, also when the two
writes race; constraint conflicts become domain errors; bad ids are clear, non-retryable errors."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.booking import BookingActivities
from activities.campaign import CampaignActivities
from activities.dialling import DialActivities
from activities.followup import FollowUpActivities
from activities.screening import ScreeningActivities
from db.local.calendar import LocalScheduling
from db.local.crm import LocalCrm
from db.local.outbox import LocalOutbox
from db.models import Appointment, CallAttempt, CrmNote, CrmTask, DncEntry, OutboxEmail
from db.repositories import attempts as attempts_repo
from db.repositories import outreach as repo
from db.repositories.errors import AlreadyBooked, NotFound, SlotTaken
from db.seed import create_campaign, seed
from db.session import Database
from domain.enums import Outcome, ProductType
from domain.messages import (
    BookingRequest,
    CampaignStartRequest,
    ClientPageRequest,
    CrmWriteRequest,
    DncAddRequest,
    EmailRequest,
    FreeSlotsRequest,
    PlaceCallRequest,
    PlaceCallResult,
    ScreeningRequest,
)
from domain.phone import InvalidPhoneNumber

CAMPAIGN = "camp-1"
SLOT = datetime(2030, 3, 4, 15, 0, tzinfo=UTC)


class CountingTelephony:
    """A fake carrier: counts dials, and refuses numbers listed as invalid."""

    def __init__(self, invalid: frozenset[str] = frozenset()) -> None:
        self.dials: list[str] = []
        self.invalid = invalid

    async def place_call(self, request: PlaceCallRequest, to_number: str) -> PlaceCallResult:
        await asyncio.sleep(0)  # yield, as a real network call would
        if to_number in self.invalid:
            raise InvalidPhoneNumber(f"cannot dial {to_number}")
        self.dials.append(to_number)
        return PlaceCallResult(call_sid=f"CA{len(self.dials):032d}")

    async def hangup(self, call_sid: str) -> None:
        return None


@pytest.fixture
async def seeded(database: Database) -> tuple[list[str], list[str]]:
    async with database.session() as session:
        result = await seed(session, brokers=1, clients=3, seed_value=1)
        await create_campaign(session, CAMPAIGN, "Idempotency", result.client_ids)
    return result.client_ids, result.broker_ids


async def rows(db: Database, model: type, **where: object) -> int:
    async with db.session() as session:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return int((await session.execute(stmt)).scalar_one())


# A weekday afternoon in every US zone the seed uses: the dial-time gate allows it, whatever the
# hour the test runs at (the activity never judges a dial earlier than `dialled_at`).
DIAL_AT = datetime(2030, 3, 4, 20, 0, tzinfo=UTC)


def place(client_id: str, key: str = "outreach:camp-1:c/attempt-1") -> PlaceCallRequest:
    return PlaceCallRequest(
        f"outreach:{CAMPAIGN}:{client_id}", CAMPAIGN, client_id, 1, key, dialled_at=DIAL_AT
    )


async def expect_non_retryable(call: Any, type_name: str, words: str) -> None:
    with pytest.raises(ApplicationError) as info:
        await call
    assert info.value.type == type_name
    assert info.value.non_retryable
    assert words in info.value.message


# --- same key twice -----------------------------------------------------------------------------


async def test_place_call_twice_dials_once(database: Database, seeded: Any):
    client_ids, _ = seeded
    phone = CountingTelephony()
    calls = DialActivities(database, phone)
    env = ActivityEnvironment()
    first = await env.run(calls.place_call, place(client_ids[0]))
    again = await env.run(calls.place_call, place(client_ids[0]))
    assert first.call_sid and first.gate is not None and first.gate.allowed
    assert again.call_sid == first.call_sid and again.adopted
    assert len(phone.dials) == 1
    assert await rows(database, CallAttempt) == 1
    other = await env.run(calls.place_call, place(client_ids[0], "outreach:camp-1:c/attempt-2"))
    assert other != first and len(phone.dials) == 2  # a new step is a new dial


async def test_record_attempt_twice_keeps_the_first(database: Database, seeded: Any):
    client_ids, _ = seeded
    async with database.session() as session:
        first, created = await attempts_repo.record_attempt(
            session, "k-att", CAMPAIGN, client_ids[0], 1, "CA1", "dialed"
        )
        second, created_again = await attempts_repo.record_attempt(
            session, "k-att", CAMPAIGN, client_ids[0], 9, "CA9", "other"
        )
    assert (created, created_again) == (True, False)
    assert (second.id, second.call_sid, second.attempt, second.status) == (first.id, "CA1", 1, "dialed")
    assert await rows(database, CallAttempt) == 1


async def test_booking_twice_returns_the_first_confirmation(database: Database, seeded: Any):
    client_ids, broker_ids = seeded
    booking = BookingActivities(LocalScheduling(database), database)
    request = BookingRequest(
        "k-book", CAMPAIGN, client_ids[0], broker_ids[0], SLOT, ProductType.DENTAL, "CA1"
    )
    env = ActivityEnvironment()
    first = await env.run(booking.book_appointment, request)
    # a retry, even one carrying another slot, names the row the first write created
    again = await env.run(
        booking.book_appointment,
        BookingRequest(**{**request.__dict__, "slot_start": SLOT + timedelta(hours=1)}),
    )
    assert again == first and first.slot_start == SLOT
    assert await rows(database, Appointment) == 1


async def test_another_client_cannot_take_a_booked_slot(database: Database, seeded: Any):
    client_ids, broker_ids = seeded
    scheduling = LocalScheduling(database)
    await scheduling.book("k-a", CAMPAIGN, client_ids[0], broker_ids[0], SLOT, "dental", "CA1")
    with pytest.raises(SlotTaken):
        await scheduling.book("k-b", CAMPAIGN, client_ids[1], broker_ids[0], SLOT, "dental", "CA2")
    # through the activity the conflict is a non-retryable failure the workflow can report
    booking = BookingActivities(scheduling, database)
    request = BookingRequest("k-c", CAMPAIGN, client_ids[2], broker_ids[0], SLOT, ProductType.VISION, "CA3")
    await expect_non_retryable(
        ActivityEnvironment().run(booking.book_appointment, request), "SlotTaken", "taken"
    )
    assert await rows(database, Appointment) == 1


async def test_a_client_books_once_per_campaign(database: Database, seeded: Any):
    client_ids, broker_ids = seeded
    scheduling = LocalScheduling(database)
    await scheduling.book("k-a", CAMPAIGN, client_ids[0], broker_ids[0], SLOT, "dental", "CA1")
    with pytest.raises(AlreadyBooked):
        await scheduling.book(
            "k-b", CAMPAIGN, client_ids[0], broker_ids[0], SLOT + timedelta(hours=2), "vision", "CA2"
        )
    assert await rows(database, Appointment) == 1


async def test_crm_outcome_twice_writes_one_note(database: Database, seeded: Any):
    client_ids, _ = seeded
    crm = LocalCrm(database)
    first = await crm.write_outcome("k-crm", client_ids[0], CAMPAIGN, "scheduled", "first", None)
    again = await crm.write_outcome("k-crm", client_ids[0], CAMPAIGN, "declined", "second", None)
    assert again == first
    async with database.session() as session:
        notes = list((await session.execute(select(CrmNote))).scalars().all())
    assert [(n.outcome, n.body) for n in notes] == [("scheduled", "first")]


async def test_crm_task_twice_writes_one_task(database: Database, seeded: Any):
    client_ids, broker_ids = seeded
    crm = LocalCrm(database)
    first = await crm.create_task("k-task", client_ids[0], broker_ids[0], "Missed callback", SLOT)
    again = await crm.create_task("k-task", client_ids[0], broker_ids[0], "Missed callback", SLOT)
    assert again == first
    assert await rows(database, CrmTask) == 1


async def test_email_twice_sends_once(database: Database, seeded: Any):
    client_ids, _ = seeded
    outbox = LocalOutbox(database)
    first = await outbox.send("k-mail", "a@example.com", "first subject", "body", "appointment_confirmation")
    again = await outbox.send("k-mail", "b@example.com", "second subject", "body", "appointment_confirmation")
    assert again == first
    async with database.session() as session:
        sent = list((await session.execute(select(OutboxEmail))).scalars().all())
    assert [(e.to_address, e.subject) for e in sent] == [("a@example.com", "first subject")]


async def test_dnc_twice_is_one_entry(database: Database, seeded: Any):
    client_ids, _ = seeded
    followup = FollowUpActivities(database, LocalCrm(database), LocalOutbox(database))
    env = ActivityEnvironment()
    first = await env.run(followup.add_to_dnc, DncAddRequest("k-dnc-1", client_ids[0], CAMPAIGN, "caller"))
    again = await env.run(followup.add_to_dnc, DncAddRequest("k-dnc-2", client_ids[0], CAMPAIGN, "sms-stop"))
    assert (first.added, again.added) == (True, False)
    assert await rows(database, DncEntry) == 1


async def test_activity_retries_write_once(database: Database, seeded: Any):
    """The activities as the worker runs them: a retried CRM write and email name the same row."""
    client_ids, _ = seeded
    followup = FollowUpActivities(database, LocalCrm(database), LocalOutbox(database))
    env = ActivityEnvironment()
    crm = CrmWriteRequest("k-crm", CAMPAIGN, client_ids[0], Outcome.DECLINED, "declined")
    assert await env.run(followup.write_crm_outcome, crm) == await env.run(followup.write_crm_outcome, crm)
    async with database.session() as session:
        appointment, _ = await repo.book(
            session, "k-apt", CAMPAIGN, client_ids[0], seeded[1][0], SLOT, "dental", "CA1"
        )
    mail = EmailRequest("k-mail", client_ids[0], "appointment_confirmation", appointment_id=appointment.id)
    assert await env.run(followup.send_email, mail) == await env.run(followup.send_email, mail)
    assert await rows(database, CrmNote) == 1
    assert await rows(database, OutboxEmail) == 1


# --- concurrent writes of one key ---------------------------------------------------------------


async def test_concurrent_writes_of_one_key_make_one_row(database: Database, seeded: Any):
    client_ids, broker_ids = seeded
    crm, outbox = LocalCrm(database), LocalOutbox(database)

    async def attempt(n: int) -> int:
        async with database.session() as session:
            row, _ = await attempts_repo.record_attempt(
                session, "k-race", CAMPAIGN, client_ids[0], 1, f"CA{n}", "dialed"
            )
            return row.id

    async def booking(n: int) -> str:
        async with database.session() as session:
            row, _ = await repo.book(
                session, "k-race", CAMPAIGN, client_ids[0], broker_ids[0], SLOT, "dental", f"CA{n}"
            )
            return row.id

    async def dnc(n: int) -> bool:
        async with database.session() as session:
            return await repo.add_dnc(session, "+12125550100", client_ids[0], f"source-{n}")

    racers = 6
    notes = await asyncio.gather(
        *(
            crm.write_outcome("k-race", client_ids[0], CAMPAIGN, "declined", f"n{n}", None)
            for n in range(racers)
        )
    )
    mails = await asyncio.gather(
        *(
            outbox.send("k-race", "a@example.com", f"s{n}", "b", "appointment_confirmation")
            for n in range(racers)
        )
    )
    attempts = await asyncio.gather(*(attempt(n) for n in range(racers)))
    bookings = await asyncio.gather(*(booking(n) for n in range(racers)))
    added = await asyncio.gather(*(dnc(n) for n in range(racers)))
    assert len(set(notes)) == len(set(mails)) == len(set(attempts)) == len(set(bookings)) == 1
    assert sorted(added) == [False] * (racers - 1) + [True]
    for model in (CrmNote, OutboxEmail, CallAttempt, Appointment, DncEntry):
        assert await rows(database, model) == 1, model.__name__


async def test_concurrent_bookings_of_one_slot_by_two_clients(database: Database, seeded: Any):
    client_ids, broker_ids = seeded
    scheduling = LocalScheduling(database)
    results = await asyncio.gather(
        *(scheduling.book(f"k-{c}", CAMPAIGN, c, broker_ids[0], SLOT, "dental", "CA") for c in client_ids),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1
    assert lost and all(isinstance(e, SlotTaken) for e in lost)
    assert await rows(database, Appointment) == 1


# --- bad input ----------------------------------------------------------------------------------


async def test_unknown_ids_raise_not_found(database: Database, seeded: Any):
    from db.access import read_client
    from db.repositories.clients import get_broker, get_campaign
    from domain.enums import Role
    from security.roles import Actor

    async def client(session: Any, client_id: str) -> object:
        return await read_client(session, Actor("t", Role.SYSTEM), client_id, ("id",), purpose="test")

    async with database.session() as session:
        for lookup, name in ((client, "client"), (get_broker, "broker"), (get_campaign, "campaign")):
            with pytest.raises(NotFound, match=f"unknown {name} 'nope'"):
                await lookup(session, "nope")


async def test_activities_turn_bad_ids_into_non_retryable_errors(database: Database, seeded: Any):
    client_ids, _ = seeded
    env = ActivityEnvironment()
    phone = CountingTelephony()
    calls = DialActivities(database, phone)
    screening = ScreeningActivities(database)
    campaigns = CampaignActivities(database)
    followup = FollowUpActivities(database, LocalCrm(database), LocalOutbox(database))
    booking = BookingActivities(LocalScheduling(database), database)
    await expect_non_retryable(env.run(calls.place_call, place("cli-nope")), "NotFound", "unknown client")
    await expect_non_retryable(
        env.run(screening.screen_client, ScreeningRequest(CAMPAIGN, "cli-nope", (ProductType.DENTAL,))),
        "NotFound",
        "unknown client",
    )
    await expect_non_retryable(
        env.run(campaigns.start_campaign, CampaignStartRequest("camp-nope")), "NotFound", "unknown campaign"
    )
    await expect_non_retryable(
        env.run(followup.send_email, EmailRequest("k", "cli-nope", "appointment_confirmation")),
        "NotFound",
        "unknown client",
    )
    await expect_non_retryable(
        env.run(followup.add_to_dnc, DncAddRequest("k", "cli-nope", CAMPAIGN, "caller")),
        "NotFound",
        "unknown client",
    )
    await expect_non_retryable(
        env.run(booking.list_free_slots, FreeSlotsRequest("brk-nope", SLOT)), "NotFound", "unknown broker"
    )
    assert phone.dials == []
    assert await rows(database, CallAttempt) == 0


async def test_invalid_phone_number_is_non_retryable_and_dials_nothing(database: Database, seeded: Any):
    client_ids, _ = seeded
    async with database.session() as session:
        from db.models import Client

        row = await session.get(Client, client_ids[0])
        assert row is not None
        number = row.phone
    phone = CountingTelephony(invalid=frozenset({number}))
    calls = DialActivities(database, phone)
    await expect_non_retryable(
        ActivityEnvironment().run(calls.place_call, place(client_ids[0])), "InvalidPhoneNumber", "cannot dial"
    )
    assert phone.dials == []


async def test_empty_campaign_and_paging(database: Database, seeded: Any):
    client_ids, _ = seeded
    campaigns = CampaignActivities(database)
    env = ActivityEnvironment()
    async with database.session() as session:
        await create_campaign(session, "camp-empty", "Empty", [])
    await expect_non_retryable(
        env.run(campaigns.start_campaign, CampaignStartRequest("camp-empty")),
        "EmptyCampaign",
        "has no clients",
    )
    started = await env.run(campaigns.start_campaign, CampaignStartRequest(CAMPAIGN))
    assert started.members == 3
    first = await env.run(campaigns.load_client_page, ClientPageRequest(CAMPAIGN, None, 2))
    second = await env.run(campaigns.load_client_page, ClientPageRequest(CAMPAIGN, first.next_cursor, 2))
    assert [c.client_id for c in first.clients + second.clients] == client_ids
    assert first.next_cursor is not None and second.next_cursor is None
