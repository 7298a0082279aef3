"""Campaign managers' routes: create a campaign (JSON over existing clients, or a CSV upload
with per-row errors), list, progress by stage and outcome, start, pause, resume, cancel,
throttle. Rows come from the database; the live state from the campaign workflow through
CampaignControl (api/temporal_gateway.py) - the api never writes a running campaign's state.

Needs a database, so the module exposes no `router`; create_app calls `build_campaigns_router`.
No `from __future__ import annotations`: FastAPI resolves the local dependency aliases."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api.auth import ApiKeyAuth
from api.routers._steering import require_control, steering_errors
from api.schemas.campaigns import (
    ID_PATTERN,
    CallingWindowIn,
    CampaignCreate,
    CampaignCreated,
    CampaignDetail,
    CampaignList,
    CampaignOut,
    CampaignSettings,
    Progress,
    RowError,
    Steered,
    Throttle,
    UploadRejected,
)
from api.temporal_gateway import CampaignControl, UnknownWorkflow
from db.client_import import CsvFormatError, add_clients, read_csv_text, validate_clients
from db.repositories import campaigns as repo
from db.session import Database
from domain.ids import campaign_workflow_id
from domain.messages import CallingWindow, CampaignLimits, CampaignProgress, CampaignSpec
from security.roles import Actor

CampaignId = Annotated[str, Path(pattern=ID_PATTERN, description="the campaign's id")]
MAX_UNKNOWN_SHOWN = 10


def campaign_out(row: repo.CampaignRow) -> CampaignOut:
    return CampaignOut(
        campaign_id=row.campaign_id,
        name=row.name,
        status=row.status,
        clients=row.clients,
        created_at=row.created_at,
        workflow_id=campaign_workflow_id(row.campaign_id),
    )


def progress_out(progress: CampaignProgress, state: str) -> Progress:
    return Progress(
        campaign_id=progress.campaign_id,
        state=state,
        started=progress.started,
        in_flight=progress.in_flight,
        by_stage=dict(progress.by_stage),
        by_outcome=dict(progress.by_outcome),
        paused=progress.paused,
        paused_because=progress.paused_because,
        cancelled=progress.cancelled,
        max_concurrent_calls=progress.max_concurrent_calls,
        dials_per_minute=progress.dials_per_minute,
    )


def spec_of(campaign_id: str, settings: CampaignSettings) -> CampaignSpec:
    window = settings.window
    return CampaignSpec(
        campaign_id=campaign_id,
        max_concurrent_calls=settings.max_concurrent_calls,
        dials_per_minute=settings.dials_per_minute,
        max_attempts=settings.max_attempts,
        window=CallingWindow(window.start_hour, window.end_hour, window.weekdays_only),
        page_size=settings.page_size,
    )


def empty_progress(campaign_id: str, state: str) -> Progress:
    return progress_out(CampaignProgress(campaign_id, 0, 0, {}, {}, False, False, 0), state)


def build_campaigns_router(
    database: Database, auth: ApiKeyAuth, control: CampaignControl | None
) -> APIRouter:
    """The /campaigns routes: readers of `campaign` list and inspect, writers create and steer."""
    router = APIRouter(prefix="/campaigns", tags=["campaigns"])
    Reader = Annotated[Actor, Depends(auth.reader_of("campaign"))]
    Writer = Annotated[Actor, Depends(auth.writer_of("campaign"))]

    async def create(
        campaign_id: str, name: str, client_ids: list[str], settings: CampaignSettings, start: bool
    ) -> tuple[repo.CampaignRow, bool]:
        """Write the campaign and start its workflow; with start, Temporal is checked first so an
        outage creates nothing."""
        if start:
            with steering_errors():
                await require_control(control).ready()
        async with database.session() as session:
            try:
                row = await repo.define_campaign(
                    session, campaign_id, name, client_ids, settings.model_dump(mode="json")
                )
            except repo.CampaignExists as exc:
                raise HTTPException(409, str(exc)) from None
            except repo.NoClients as exc:
                raise HTTPException(422, str(exc)) from None
        if start:
            await start_workflow(row.campaign_id, settings)
        return row, start

    async def start_workflow(campaign_id: str, settings: CampaignSettings) -> None:
        with steering_errors():
            await require_control(control).start_campaign(spec_of(campaign_id, settings))

    @router.get("")
    async def list_campaigns(
        reader: Reader,
        after: Annotated[str, Query(max_length=64, description="campaign id to page after")] = "",
        limit: Annotated[int, Query(ge=1, le=repo.MAX_PAGE)] = 100,
        status: Annotated[str | None, Query(pattern="^(draft|running|completed)$")] = None,
    ) -> CampaignList:
        """Campaigns in id order with their number of clients (from the database: no Temporal)."""
        async with database.session() as session:
            rows = await repo.list_campaigns(session, after_id=after, limit=limit, status=status)
        return CampaignList(
            campaigns=[campaign_out(row) for row in rows],
            next_after=rows[-1].campaign_id if len(rows) == limit else None,
        )

    @router.post("", status_code=201, responses={409: {"description": "campaign id taken"}})
    async def create_campaign(body: CampaignCreate, writer: Writer) -> CampaignCreated:
        """A campaign over clients already in the database; `start` starts its workflow at once."""
        async with database.session() as session:
            if body.client_ids is not None:
                known = await repo.existing_client_ids(session, body.client_ids)
                unknown = [c for c in dict.fromkeys(body.client_ids) if c not in known]
                if unknown:
                    shown = ", ".join(unknown[:MAX_UNKNOWN_SHOWN])
                    raise HTTPException(422, f"{len(unknown)} unknown client id(s): {shown}")
                client_ids = list(body.client_ids)
            else:
                client_ids = await repo.client_ids_of(session, body.broker_id)
        row, started = await create(
            body.campaign_id, body.name or body.campaign_id, client_ids, body.settings, body.start
        )
        return CampaignCreated(campaign=campaign_out(row), started=started)

    @router.post(
        "/upload",
        status_code=201,
        responses={422: {"model": UploadRejected, "description": "bad rows: nothing was created"}},
    )
    async def upload_campaign(
        writer: Writer,
        file: Annotated[UploadFile, File(description="client CSV (the `gyde clients import` columns)")],
        campaign_id: Annotated[str, Form(pattern=ID_PATTERN)],
        name: Annotated[str | None, Form(min_length=1, max_length=200)] = None,
        skip_invalid: Annotated[bool, Form(description="import the good rows even if some are bad")] = False,
        start: Annotated[bool, Form()] = True,
        max_concurrent_calls: Annotated[int, Form(ge=1, le=1000)] = 10,
        dials_per_minute: Annotated[float, Form(gt=0, le=600)] = 30.0,
        max_attempts: Annotated[int, Form(ge=1, le=10)] = 3,
        window_start: Annotated[int, Form(ge=0, le=23)] = 8,
        window_end: Annotated[int, Form(ge=1, le=24)] = 21,
        weekdays_only: Annotated[bool, Form()] = False,
    ) -> Any:
        """Import the file's clients and make them a campaign. Every row is checked first: with any
        bad row (and no skip_invalid) the answer is 422 listing each row's line and reason, and
        nothing is imported or started."""
        if window_start >= window_end:
            raise HTTPException(422, "window_start must be before window_end")
        settings = CampaignSettings(
            max_concurrent_calls=max_concurrent_calls,
            dials_per_minute=dials_per_minute,
            max_attempts=max_attempts,
            window=CallingWindowIn(start_hour=window_start, end_hour=window_end, weekdays_only=weekdays_only),
        )
        rows, header = read_csv_text(await read_text(file))
        async with database.session() as session:
            try:
                checked = await validate_clients(session, rows, header)
            except CsvFormatError as exc:
                raise HTTPException(422, str(exc)) from None
        rejected = [RowError(line=r.line, reason=r.reason) for r in checked.rejected]
        if (rejected and not skip_invalid) or not checked.clients:
            detail = (
                f"{len(rejected)} invalid row(s); nothing was imported or started"
                if checked.clients
                else "no usable rows; nothing was imported or started"
            )
            body = UploadRejected(detail=detail, rejected=rejected)
            return JSONResponse(body.model_dump(), status_code=422)
        if start:
            with steering_errors():
                await require_control(control).ready()
        async with database.session() as session:
            if await repo.find_campaign(session, campaign_id) is not None:
                raise HTTPException(409, f"campaign {campaign_id!r} already exists")
            ids = await add_clients(
                session, checked.clients, actor=f"api:{writer.actor_id}", role=writer.role.value
            )
        row, started = await create(campaign_id, name or campaign_id, ids, settings, start)
        return CampaignCreated(
            campaign=campaign_out(row), started=started, imported=len(ids), rejected=rejected
        )

    @router.get("/{campaign_id}")
    async def get_campaign(campaign_id: CampaignId, reader: Reader) -> CampaignDetail:
        """The campaign and its live progress: clients by stage, finished clients by outcome."""
        row = await find(campaign_id)
        if row.status == "draft":
            return CampaignDetail(
                campaign=campaign_out(row), progress=empty_progress(campaign_id, "not_started")
            )
        with steering_errors():
            try:
                state = await require_control(control).campaign(campaign_id)
            except UnknownWorkflow:
                return CampaignDetail(
                    campaign=campaign_out(row), progress=empty_progress(campaign_id, "missing")
                )
        return CampaignDetail(campaign=campaign_out(row), progress=progress_out(state.progress, state.state))

    @router.post("/{campaign_id}/start", status_code=202, responses={409: {"description": "already started"}})
    async def start_campaign(campaign_id: CampaignId, writer: Writer) -> CampaignOut:
        """Start a draft campaign's workflow with the settings it was created with."""
        row = await find(campaign_id)
        try:
            settings = CampaignSettings.model_validate(row.spec)
        except ValidationError:
            settings = CampaignSettings()  # a row written by hand or an older release: defaults
        await start_workflow(campaign_id, settings)
        return campaign_out(row)

    async def steer(campaign_id: str, action: str) -> Steered:
        await find(campaign_id)
        with steering_errors():
            await require_control(control).steer(campaign_id, action)
        return Steered(campaign_id=campaign_id, signalled=action)

    @router.post("/{campaign_id}/pause", status_code=202)
    async def pause(campaign_id: CampaignId, writer: Writer) -> Steered:
        """Stop granting dials; calls already live finish."""
        return await steer(campaign_id, "pause")

    @router.post("/{campaign_id}/resume", status_code=202)
    async def resume(campaign_id: CampaignId, writer: Writer) -> Steered:
        """Grant dials again (also clears a circuit breaker's pause)."""
        return await steer(campaign_id, "resume")

    @router.post("/{campaign_id}/cancel", status_code=202)
    async def cancel(campaign_id: CampaignId, writer: Writer) -> Steered:
        """No new dials; live calls finish normally."""
        return await steer(campaign_id, "cancel")

    @router.post("/{campaign_id}/throttle")
    async def throttle(campaign_id: CampaignId, body: Throttle, writer: Writer) -> Progress:
        """Change concurrency and pace live; answers the progress under the new limits."""
        await find(campaign_id)
        with steering_errors():
            progress = await require_control(control).throttle(
                campaign_id, CampaignLimits(body.max_concurrent_calls, body.dials_per_minute)
            )
        return progress_out(progress, "running")

    async def find(campaign_id: str) -> repo.CampaignRow:
        async with database.session() as session:
            row = await repo.find_campaign(session, campaign_id)
        if row is None:
            raise HTTPException(404, f"unknown campaign {campaign_id!r}")
        return row

    return router


async def read_text(file: UploadFile) -> str:
    """The upload as text; a binary or non-UTF-8 file is the caller's mistake (422)."""
    try:
        return (await file.read()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(422, "the file is not UTF-8 CSV text") from None
