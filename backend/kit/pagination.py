"""Query parameters shared by list endpoints, bounded where the database needs it.

An unbounded integer reaches the database as a bind parameter: past 2**63 SQLite raises
``OverflowError`` and asyncpg refuses it, both as a 500 (issue #13). Offsets and sequence
numbers are capped at the largest 32-bit signed integer: the ``INTEGER`` columns they are
compared with (``run_events.seq``) cannot hold more, and nobody pages two billion rows in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MAX_INT32 = 2**31 - 1
MAX_PAGE_SIZE = 200

Offset = Annotated[int, Query(ge=0, le=MAX_INT32, description="Rows to skip (0 to 2147483647).")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Rows per page (1 to 200).")]
AfterSeq = Annotated[
    int,
    Query(ge=0, le=MAX_INT32, description="Only events after this sequence number."),
]
