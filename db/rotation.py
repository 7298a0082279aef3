"""Re-encrypt rows under the newest key so an old key can be retired.

Rotation itself needs no migration (old ciphertexts keep decrypting); this is the step before
REMOVING a key: rewrite every encrypted column of every row, in batches, then drop the key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm.attributes import flag_modified

from db.models import Base
from db.session import Database
from security.field_crypto import EncryptedDate, EncryptedString


@dataclass(frozen=True)
class ReencryptResult:
    tables: dict[str, int]


def encrypted_columns(model: type[DeclarativeBase]) -> list[str]:
    return [
        attr.key
        for attr in inspect(model).column_attrs
        if isinstance(attr.columns[0].type, EncryptedString | EncryptedDate)
    ]


async def reencrypt_all(database: Database, *, batch: int = 500) -> ReencryptResult:
    """Rewrite every encrypted value with the current primary key (idempotent, resumable)."""
    counts: dict[str, int] = {}
    for mapper in Base.registry.mappers:
        model = mapper.class_
        columns = encrypted_columns(model)
        if not columns:
            continue
        [pk] = mapper.primary_key
        pk_attr = mapper.get_property_by_column(pk).key
        last = None
        done = 0
        while True:
            async with database.session() as session:
                query = select(model).order_by(pk).limit(batch)
                if last is not None:
                    query = query.where(pk > last)
                rows = list((await session.execute(query)).scalars().all())
                if not rows:
                    break
                for row in rows:
                    for name in columns:
                        if getattr(row, name) is not None:
                            flag_modified(row, name)
                await session.commit()
                last = getattr(rows[-1], pk_attr)
                done += len(rows)
        counts[str(model.__tablename__)] = done
    return ReencryptResult(counts)
