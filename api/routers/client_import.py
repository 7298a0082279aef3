"""`POST /clients/import`: a client CSV upload, each row validated (the same rules as `gyde
clients import`); good rows are added, bad ones come back with their line and reason. For
campaign writers (campaign managers import the clients they will call).

Needs a database, so the module exposes no `router`; create_app calls `build_import_router`.
No `from __future__ import annotations`: FastAPI resolves the local dependency alias."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, HTTPException, UploadFile

from api.auth import ApiKeyAuth
from api.routers.campaigns import read_text
from api.schemas.campaigns import ImportOut, RowError
from db.client_import import CsvFormatError, import_clients, read_csv_text
from db.session import Database
from security.roles import Actor


def build_import_router(database: Database, auth: ApiKeyAuth) -> APIRouter:
    router = APIRouter(prefix="/clients", tags=["clients"])
    Writer = Annotated[Actor, Depends(auth.writer_of("campaign"))]

    @router.post("/import", responses={422: {"description": "the file lacks required columns"}})
    async def import_file(
        writer: Writer, file: Annotated[UploadFile, File(description="client CSV")]
    ) -> ImportOut:
        """Good rows are imported (each an audited write); `rejected` lists the others."""
        rows, header = read_csv_text(await read_text(file))
        async with database.session() as session:
            try:
                result = await import_clients(session, rows, header, actor=f"api:{writer.actor_id}")
            except CsvFormatError as exc:
                raise HTTPException(422, str(exc)) from None
        return ImportOut(
            imported=len(result.imported),
            client_ids=result.imported,
            rejected=[RowError(line=r.line, reason=r.reason) for r in result.rejected],
        )

    return router
