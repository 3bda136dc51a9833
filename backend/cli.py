"""``testable`` — the command line: start processes, migrate, manage keys."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from backend.analytics.backfill import analytics_app
from backend.cache.cli import cache_app
from backend.config import Mode, Settings, get_settings
from backend.workflows.reencrypt import envvars_app

app = typer.Typer(
    help="TestAble: browser end-to-end tests in pytest with a verified element cache.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
runs_app = typer.Typer(help="Runs: retention clean-up.", no_args_is_help=True)
keys_app = typer.Typer(help="Signing and encryption keys (see SECURITY.md).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(runs_app, name="runs")
app.add_typer(cache_app, name="cache")
app.add_typer(analytics_app, name="analytics")
app.add_typer(envvars_app, name="envvars")

console = Console(stderr=True)

HostOption = Annotated[str | None, typer.Option(help="Interface to bind (default from settings).")]
PortOption = Annotated[int | None, typer.Option(help="Port to bind (default from settings).")]


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code=2)


def _load_keys_or_exit() -> None:
    from backend.kit.keys import KeyError_, load_keyring

    try:
        load_keyring(get_settings())
    except KeyError_ as exc:
        _fail(str(exc))


def _serve(host: str | None, port: int | None, factory: str = "backend.app:create_app") -> None:
    import uvicorn

    from backend.kit.proxies import server_options

    settings = get_settings()
    _load_keys_or_exit()
    uvicorn.run(
        factory,
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        ws="websockets-sansio",
        **server_options(),  # forwarded headers: only TESTABLE_TRUSTED_PROXIES (in the app)
    )


def sandbox_line(settings: Settings) -> str:
    """Which sandbox the test processes get here (said at start, SECURITY.md)."""
    from backend.execution.sandbox import describe

    return describe(settings.sandbox)


def exposure_warning(host: str) -> str | None:
    """What `testable up` says when it listens beyond this machine (SECURITY.md)."""
    from backend.kit.proxies import is_loopback_host

    if is_loopback_host(host):
        return None
    return (
        f"embedded mode listens on {host}, beyond this machine: anyone who can reach it may "
        "register and sign in. The local e-mail outbox (/api/outbox) still answers only "
        "this machine; put a TLS proxy in front and set TESTABLE_TRUSTED_PROXIES to it."
    )


@app.command()
def up(host: HostOption = None, port: PortOption = None) -> None:
    """Everything in one process (embedded mode): migrate the database, then serve the api,
    the dashboard and an in-process worker."""
    settings = get_settings()
    if settings.mode != Mode.EMBEDDED:
        _fail(
            "`testable up` is the embedded mode; set TESTABLE_MODE=embedded or use `testable api`."
        )
    _migrate(settings)
    from backend.runs.jobs import end_runs_of_a_stopped_server

    end_runs_of_a_stopped_server(settings)  # the previous process's runs died with it
    url = f"http://{host or settings.host}:{port or settings.port}"
    console.print(f"[green]TestAble[/green] data in {settings.data_dir}; open {url}")
    console.print(sandbox_line(settings))
    if (warning := exposure_warning(host or settings.host)) is not None:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    # Embedded mode has no Celery beat: the app ticks schedules itself.
    _serve(host, port, factory="backend.embedded:create_embedded_app")


@app.command()
def api(host: HostOption = None, port: PortOption = None) -> None:
    """The api process only (distributed mode): REST, WebSockets, webhooks, dashboard."""
    _serve(host, port)


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Runs executed at once.")] = 1,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
    name: Annotated[str, typer.Option(help="Worker node name.")] = "testable@%h",
) -> None:
    """A Celery worker on Redis that executes runs and sends reports."""
    from backend.outbox.celery import create_celery

    # The worker imports its tasks (workers/, backend/*/tasks.py) itself: ``include``.
    celery_app = create_celery()
    console.print(sandbox_line(get_settings()))

    celery_app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--hostname={name}",
            "--pool=prefork",
        ]
    )


@app.command()
def beat(loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO") -> None:
    """Celery beat: schedule ticks, retention clean-up, the reaper of dead runs."""
    from backend.outbox.celery import create_celery

    celery_app = create_celery()

    schedule = os.path.join(str(get_settings().data_dir), "celerybeat-schedule")
    celery_app.start(["beat", f"--loglevel={loglevel}", f"--schedule={schedule}"])


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "heads",
) -> None:
    """Apply migrations to the configured database."""
    from backend.db.migrate import upgrade

    settings = get_settings()
    _private_data_dir(settings)
    upgrade(settings.resolved_database_url, revision)
    console.print("[green]database is up to date[/green]")


@db_app.command("current")
def db_current() -> None:
    """Show the database's current revision."""
    from backend.db.migrate import current

    current(get_settings().resolved_database_url)


@keys_app.command("rotate-jwt")
def keys_rotate_jwt() -> None:
    """Add a new JWT signing key; it signs from now on, old keys still verify."""
    from backend.kit.keys import generate_signing_key

    key = generate_signing_key(get_settings().resolved_keys_dir)
    console.print(f"new signing key kid={key.kid}")


@keys_app.command("rotate-encryption")
def keys_rotate_encryption() -> None:
    """Add a new primary encryption key; old keys still decrypt until data is re-encrypted."""
    from backend.kit.keys import rotate_encryption_key

    path = rotate_encryption_key(get_settings())
    console.print(f"new primary encryption key in {path}")


@keys_app.command("generate-encryption-key")
def keys_generate_encryption_key() -> None:
    """Print a new Fernet key (for TESTABLE_ENCRYPTION_KEYS)."""
    from cryptography.fernet import Fernet

    sys.stdout.write(Fernet.generate_key().decode() + "\n")


@app.command("run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run_suite(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The suite's folder (its working copy is run).")],
    timeout: Annotated[float | None, typer.Option(help="Time limit in seconds.")] = None,
    retries: Annotated[int, typer.Option(help="Re-runs of failed tests.")] = 0,
    server: Annotated[
        str | None,
        typer.Option(
            envvar="TESTABLE_SERVER",
            help="Cache through this running `testable up` (sharing this data directory) "
            "instead of the local cache file.",
        ),
    ] = None,
) -> None:
    """Run a local pytest suite through the TestAble engine, in this process, no server
    needed: the element cache is the data directory's file that `pytest` and `testable
    cache` use for the same folder. Extra arguments go to pytest. Exit code: 0 passed,
    1 tests failed, 2 the run failed."""
    import asyncio

    import backend.models  # noqa: F401 - every table, so foreign keys resolve
    from backend.analytics.quarantine import after_run_finished, quarantined_tests
    from backend.cases.hooks import install as install_case_hooks
    from backend.defects.hooks import install as install_defect_hooks
    from backend.reports.tasks import REPORT_HOOKS
    from backend.runs import hooks
    from backend.runs.cli_view import RunView
    from backend.runs.local import exit_code, run_local
    from backend.runs.schemas import RunOptions

    if not path.is_dir():
        _fail(f"{path} is not a directory")
    hooks.register(REPORT_HOOKS)  # a local run reports like any other
    hooks.register_quarantine(quarantined_tests)  # honours the project's quarantine
    hooks.register_after_finish(after_run_finished)  # and updates its analytics
    install_defect_hooks()  # and tells its defects when their test passes again
    install_case_hooks()  # and links its tests to test cases
    settings = get_settings()
    _migrate(settings)
    view = RunView(Console())
    with view:
        result = asyncio.run(
            run_local(
                path.resolve(),
                list(ctx.args),
                settings,
                options=RunOptions(timeout=timeout, retries=retries),
                on_message=view.update,
                server_url=server,
            )
        )
    view.summary(result.run, result.tests, settings.artifacts_dir / str(result.run.id))
    if not server:
        from backend.cache.store.factory import default_sqlite_path
        from backend.runs.local import cache_project

        view.console.print(
            f"element cache: {default_sqlite_path(settings)} (project "
            f"{cache_project(path.resolve())}: `testable cache stats` in {path})",
            markup=False,
            highlight=False,
        )
    raise typer.Exit(code=exit_code(result.run))


def _private_data_dir(settings: Settings) -> None:
    """The data directory, 0700 whether made now or found (SECURITY.md). `testable run`
    never starts the app (whose start tightens it too), and it lends the element cache's
    folder inside it to the sandbox's unprivileged user: only a private data directory
    keeps other local users, and other processes of that uid, out of it."""
    from backend.kit.filemodes import private_dir

    private_dir(settings.data_dir)


def _migrate(settings: Settings) -> None:
    from backend.db.migrate import at_heads, upgrade

    _private_data_dir(settings)
    # Every start (`testable up`, `testable run`) comes here: skip Alembic's ~2 s when
    # nothing is to be done.
    if not at_heads(settings.resolved_database_url):
        upgrade(settings.resolved_database_url)


@runs_app.command("cleanup")
def runs_cleanup(
    days: Annotated[
        int | None, typer.Option(min=1, help="Keep this many days (default: the setting).")
    ] = None,
) -> None:
    """Delete finished, unpinned runs older than the retention period, files included."""
    import asyncio

    from backend.runs.retention import cleanup_runs

    result = asyncio.run(cleanup_runs(days))
    console.print(f"deleted {result['runs']} runs, freed {result['bytes_freed']} bytes")


if __name__ == "__main__":
    app()
