"""Promise: a client whose number is outside the allowed regions (default: the US and its
territories) is never dialled - screening ends them `failed` with a reason, before any call."""

from __future__ import annotations

from activities.screening import ScreeningActivities
from db.session import Database
from domain.enums import Outcome, ProductType
from domain.messages import ScreeningRequest
from tests.security import factories as f


async def _screen(database: Database, phone: str) -> tuple[bool, Outcome | None, str]:
    async with database.session() as s:
        s.add(f.broker("b1"))
        await s.flush()
        s.add(f.client("c1", "b1", phone=phone))
        await s.commit()
    result = await ScreeningActivities(database).screen_client(
        ScreeningRequest("camp", "c1", (ProductType.DENTAL,))
    )
    return result.allowed, result.blocked_outcome, result.reason


async def test_a_uk_client_is_screened_out_before_dialling(database: Database) -> None:
    allowed, outcome, reason = await _screen(database, "+442071838750")
    assert (allowed, outcome) == (False, Outcome.FAILED)
    assert "phone" in reason and "7183" not in reason


async def test_a_puerto_rico_client_is_dialled(database: Database) -> None:
    allowed, outcome, _ = await _screen(database, "+17872345678")
    assert (allowed, outcome) == (True, None)
