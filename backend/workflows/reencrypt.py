"""``testable envvars …``: maintenance of the stored environment variables.

``reencrypt`` re-encrypts the variables' values (``backend.envvars``) and the secret
settings of workflows' reporting destinations (``backend.workflows.secrets``): it lives in
``workflows``, above ``envvars``, because it spans both."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console

from backend.config import Settings, get_settings

envvars_app = typer.Typer(
    help="Environment variables: re-encrypt after an encryption key rotation.",
    no_args_is_help=True,
)
err = Console(stderr=True)


async def reencrypt(settings: Settings) -> tuple[int, int]:
    """Re-encrypt every stored value with the newest key; the number of environment
    variable values and of workflow destination secrets."""
    from backend.db import Database
    from backend.envvars.service import reencrypt_all
    from backend.kit.keys import load_keyring
    from backend.workflows.secrets import reencrypt_workflow_secrets

    keyring = load_keyring(settings)
    database = Database(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    try:
        async with database.session() as session:
            count = await reencrypt_all(session, keyring.fernet)
            # Secret settings of workflows' reporting destinations use the same keyring.
            return count, await reencrypt_workflow_secrets(session, keyring.fernet)
    finally:
        await database.dispose()


@envvars_app.command("reencrypt")
def reencrypt_command() -> None:
    """Re-encrypt every environment variable with the primary (newest) encryption key.

    Run it after `testable keys rotate-encryption` (or after putting a new key first in
    TESTABLE_ENCRYPTION_KEYS); afterwards the old keys can be removed."""
    from cryptography.fernet import InvalidToken

    from backend.kit.keys import KeyError_

    try:
        count, destination_secrets = asyncio.run(reencrypt(get_settings()))
    except KeyError_ as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from exc
    except InvalidToken as exc:
        err.print(
            "[red]error:[/red] a stored value cannot be decrypted with any configured key; "
            "put the key it was encrypted with back (nothing was changed)"
        )
        raise typer.Exit(code=2) from exc
    err.print(f"re-encrypted {count} environment variable value(s) with the primary key")
    err.print(f"re-encrypted {destination_secrets} workflow destination secret(s)")
