"""Every analytics endpoint (and the project overview) timed on PostgreSQL at scale:
1,000,000 results over 10,000 runs and 2,000 tests made by the synthetic generator.
Prints one JSON line: per endpoint the p50 / p95 / max of ``--calls`` calls (after one
warm-up call), in milliseconds, the data size, and the machine's load average.

    createdb testable_bench
    TESTABLE_DATABASE_URL=postgresql://…/testable_bench uv run alembic upgrade head
    uv run python -m backend.analytics.synthetic --runs 10000 --tests 2000 \\
        --database-url postgresql://…/testable_bench
    uv run python bench/bench_analytics.py --database-url postgresql://…/testable_bench

The api runs in this process (``create_app`` behind an in-process ASGI transport): a
call's time is the whole request (auth, access check, queries, serialisation) without a
network hop. The aim is p95 <= 300 ms for each endpoint. CSV exports are timed to their
last byte (results.csv over the last day of history, about 11,000 rows).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from backend.app import create_app
from backend.config import Settings, normalise_database_url
from backend.kit.time import utcnow
from backend.runs.models import RunTest

AIM_MS = 300.0


async def _json(client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get(url, params=params, headers=headers)
    response.raise_for_status()
    return response.json()


async def main(url: str, calls: int, email: str, password: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            _env_file=None, database_url=normalise_database_url(url), data_dir=Path(data)
        )
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", timeout=120
            ) as client:
                tokens = (
                    await client.post(
                        "/api/auth/login", json={"email": email, "password": password}
                    )
                ).json()
                headers = {"Authorization": f"Bearer {tokens['access_token']}"}
                orgs = await _json(client, "/api/orgs", headers)
                project_id = None
                for org in orgs:
                    for project in await _json(client, f"/api/orgs/{org['id']}/projects", headers):
                        if project["name"] == "bench":
                            project_id = project["id"]
                assert project_id, "no 'bench' project: run backend.analytics.synthetic first"
                base = f"/api/projects/{project_id}/analytics"
                flaky = await _json(client, f"{base}/flaky", headers, limit=1)
                test = flaky["items"][0]["test"]
                history = await _json(client, f"{base}/tests/history", headers, test=test, limit=2)
                head, older = history["items"][0]["run_id"], history["items"][1]["run_id"]
                cluster = (await _json(client, f"{base}/clusters", headers, limit=1))["items"][0]
                day_ago = (utcnow() - timedelta(days=1)).isoformat()
                month_ago = (utcnow() - timedelta(days=30)).isoformat()
                endpoints: dict[str, tuple[str, dict[str, Any]]] = {
                    "tests": (f"{base}/tests", {}),
                    "tests?q": (f"{base}/tests", {"q": "feature_07"}),
                    "tests?status=flaky": (f"{base}/tests", {"status": "flaky"}),
                    "tests?quarantined": (f"{base}/tests", {"quarantined": "false"}),
                    "tests/history": (f"{base}/tests/history", {"test": test}),
                    "tests/history?branch": (
                        f"{base}/tests/history",
                        {"test": test, "branch": "main", "since": month_ago},
                    ),
                    "tests/status": (f"{base}/tests/status", {"test": test}),
                    "compare": (f"{base}/compare", {"base": older, "head": head}),
                    "trends (suite, 90 days)": (
                        f"{base}/trends",
                        {"since": (utcnow() - timedelta(days=90)).isoformat()},
                    ),
                    "trends?bucket=week": (f"{base}/trends", {"bucket": "week"}),
                    "trends?test": (f"{base}/trends", {"test": test}),
                    "flaky": (f"{base}/flaky", {}),
                    "settings": (f"{base}/settings", {}),
                    "quarantine": (f"{base}/quarantine", {}),
                    "clusters": (f"{base}/clusters", {}),
                    "clusters/{id}": (f"{base}/clusters/{cluster['id']}", {}),
                    "cost": (f"{base}/cost", {}),
                    "export/runs.csv": (f"{base}/export/runs.csv", {}),
                    "export/results.csv?since=1 day": (
                        f"{base}/export/results.csv",
                        {"since": day_ago},
                    ),
                    "export/history.csv": (f"{base}/export/history.csv", {"test": test}),
                    "insights (overview)": (f"/api/projects/{project_id}/insights", {}),
                }
                figures: dict[str, Any] = {}
                for name, (path, params) in endpoints.items():
                    timings = []
                    for index in range(calls + 1):
                        started = time.perf_counter()
                        response = await client.get(path, params=params, headers=headers)
                        elapsed = (time.perf_counter() - started) * 1000
                        assert response.status_code == 200, (name, response.text[:300])
                        if index:
                            timings.append(elapsed)
                    timings.sort()
                    p95 = timings[max(0, math.ceil(0.95 * len(timings)) - 1)]  # nearest rank
                    figures[name] = {
                        "p50_ms": round(statistics.median(timings), 1),
                        "p95_ms": round(p95, 1),
                        "max_ms": round(timings[-1], 1),
                    }
                async with app.state.db.session(read_only=True) as session:
                    results = await session.scalar(select(func.count()).select_from(RunTest))
                worst = max(figures.values(), key=lambda f: f["p95_ms"])
                return {
                    "bench": "analytics",
                    "results": results,
                    "calls": calls,
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                    "worst_p95_ms": worst["p95_ms"],
                    "aim_met": all(f["p95_ms"] <= AIM_MS for f in figures.values()),
                    "endpoints": figures,
                }
        finally:
            await app.state.db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--email", default="bench@example.com")
    parser.add_argument("--password", default="bench-Password-16")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.database_url, args.calls, args.email, args.password))))
