"""Usage totals from call_attempts, per campaign and per broker (the basis of domain/usage.py's
cost per call, per booking and per opt-out). Counts and sums only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Appointment, CallAttempt, Client
from domain.usage import UnitPrices, UsageTotals, cost_report

OPTED_OUT = "opted_out"


def _usage_columns() -> list[Any]:
    return [
        func.count(CallAttempt.id),
        func.coalesce(func.sum((CallAttempt.duration_seconds + 59) / 60), 0),
        func.coalesce(func.sum(CallAttempt.stt_audio_seconds), 0.0),
        func.coalesce(func.sum(CallAttempt.llm_input_tokens), 0),
        func.coalesce(func.sum(CallAttempt.llm_output_tokens), 0),
        func.coalesce(func.sum(CallAttempt.tts_characters), 0),
    ]


def _totals(row: Any, bookings: int, opt_outs: int) -> UsageTotals:
    calls, minutes, stt, llm_in, llm_out, tts = row if row is not None else (0, 0, 0.0, 0, 0, 0)
    return UsageTotals(
        calls=int(calls),
        billed_minutes=int(minutes),
        stt_audio_seconds=round(float(stt), 3),
        llm_input_tokens=int(llm_in),
        llm_output_tokens=int(llm_out),
        tts_characters=int(tts),
        bookings=bookings,
        opt_outs=opt_outs,
    )


async def campaign_usage(session: AsyncSession, campaign_id: str) -> UsageTotals:
    """Every carrier call of the campaign (attempts with a call sid)."""
    placed = (CallAttempt.campaign_id == campaign_id, CallAttempt.call_sid.is_not(None))
    row = (await session.execute(select(*_usage_columns()).where(*placed))).one()
    bookings = await session.scalar(
        select(func.count(Appointment.id)).where(Appointment.campaign_id == campaign_id)
    )
    opt_outs = await session.scalar(
        select(func.count(distinct(CallAttempt.client_id))).where(
            CallAttempt.campaign_id == campaign_id, CallAttempt.result == OPTED_OUT
        )
    )
    return _totals(row, int(bookings or 0), int(opt_outs or 0))


async def broker_usage(session: AsyncSession, campaign_id: str) -> dict[str, UsageTotals]:
    """The same totals split by the client's broker."""
    placed = (CallAttempt.campaign_id == campaign_id, CallAttempt.call_sid.is_not(None))
    rows = (
        await session.execute(
            select(Client.broker_id, *_usage_columns())
            .join(Client, Client.id == CallAttempt.client_id)
            .where(*placed)
            .group_by(Client.broker_id)
        )
    ).all()
    bookings = dict(
        (
            await session.execute(
                select(Appointment.broker_id, func.count(Appointment.id))
                .where(Appointment.campaign_id == campaign_id)
                .group_by(Appointment.broker_id)
            )
        ).all()
    )
    opt_outs = dict(
        (
            await session.execute(
                select(Client.broker_id, func.count(distinct(CallAttempt.client_id)))
                .join(Client, Client.id == CallAttempt.client_id)
                .where(CallAttempt.campaign_id == campaign_id, CallAttempt.result == OPTED_OUT)
                .group_by(Client.broker_id)
            )
        ).all()
    )
    return {
        str(broker): _totals(tuple(rest), int(bookings.get(broker, 0)), int(opt_outs.get(broker, 0)))
        for broker, *rest in rows
    }


def _report_json(usage: UsageTotals, prices: UnitPrices) -> dict[str, Any]:
    report = cost_report(usage, prices)
    return {
        "usage": asdict(usage),
        "total_usd": report.total_usd,
        "by_kind_usd": report.by_kind_usd,
        "per_call_usd": report.per_call_usd,
        "per_booking_usd": report.per_booking_usd,
        "per_opt_out_usd": report.per_opt_out_usd,
    }


async def costs_summary(session: AsyncSession, campaign_id: str, prices: UnitPrices) -> dict[str, Any]:
    """JSON-ready usage and cost of a campaign and of each broker's part of it (`gyde campaign
    status`, the api): `{"campaign": {...}, "brokers": {broker_id: {...}}, "unit_prices": {...}}`."""
    brokers = await broker_usage(session, campaign_id)
    return {
        "campaign": _report_json(await campaign_usage(session, campaign_id), prices),
        "brokers": {broker: _report_json(totals, prices) for broker, totals in sorted(brokers.items())},
        "unit_prices": asdict(prices),
    }
