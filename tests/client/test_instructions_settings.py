"""Instruction parsing, client settings and launch options (no browser needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.client import ClientSettings, InstructionError
from backend.client.api import open_client_store
from backend.client.browser import SYSTEM_CHROMIUM_ARGS, launch_options, system_chromium
from backend.client.drivers import LoopThread
from backend.client.instructions import parse_instruction


@pytest.mark.parametrize(
    ("instruction", "method", "argument", "target", "value"),
    [
        ("click the login button", "click", None, "login button", None),
        ("press the login button", "click", None, "login button", None),
        ("tap on Sign in", "click", None, "Sign in", None),
        ('fill "bob" into the email field', "fill", None, "email field", "bob"),
        ("type %pw% into the password", "type", "%pw%", "password", "%pw%"),
        ('fill the city field with "Paris"', "fill", None, "city field", "Paris"),
        ('select "Red" from the colour list', "select", "Red", "colour list", "Red"),
        ("check remember me", "check", None, "remember me", None),
        ("uncheck the newsletter box", "uncheck", None, "newsletter box", None),
        ("press Enter", "press", "Enter", "", "Enter"),
        ("press ctrl+a in the notes", "press", "Control+a", "notes", "Control+a"),
        ("hover over the menu", "hover", None, "menu", None),
        ('upload "cv.pdf" to the resume input', "upload", "cv.pdf", "resume input", "cv.pdf"),
    ],
)
def test_instruction_forms(
    instruction: str, method: str, argument: str | None, target: str, value: str | None
) -> None:
    parsed = parse_instruction(instruction)
    assert parsed.action == {"method": method, "argument": argument}
    assert (parsed.target, parsed.value) == (target, value)


def test_text_typed_into_a_secret_field_never_appears_in_the_display_form() -> None:
    parsed = parse_instruction('type "s3cret" into the password field')
    assert parsed.display == 'type "***" into the password field'
    assert parsed.action["argument"] is None
    assert parse_instruction("fill %pw% into password").display == "fill %pw% into password"
    for field in ("PIN", "API key", "card security code", "access token"):
        assert parse_instruction(f'type "1234" into the {field}').display == (
            f'type "***" into the {field}'
        )


def test_other_typed_text_is_shown_as_written() -> None:
    # The step must be readable in logs; a secret belongs in a %placeholder%.
    parsed = parse_instruction('type "Ada Lovelace" into the full name field')
    assert parsed.display == 'type "Ada Lovelace" into the full name field'
    assert parsed.masked == 'type "***" into the full name field'
    assert parsed.action["argument"] is None  # the literal is still never stored as an action


def test_variables_are_filled_at_action_time() -> None:
    parsed = parse_instruction("fill %email% into the e-mail field")
    assert parsed.value_for({"email": "a@b.c"}) == "a@b.c"
    with pytest.raises(InstructionError, match="email"):
        parsed.value_for({})


def test_placeholder_in_the_element_description_is_refused() -> None:
    with pytest.raises(InstructionError, match="not for the element"):
        parse_instruction("click the %product% link")


def test_unparsable_instruction_lists_the_forms() -> None:
    with pytest.raises(InstructionError, match="understood forms") as error:
        parse_instruction("make me a sandwich")
    assert isinstance(error.value, AssertionError)  # pytest shows it as a test failure


def test_store_url_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("TESTABLE_CACHE_STORE", "TESTABLE_RUN_API_URL", "TESTABLE_RUN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TESTABLE_DATA_DIR", str(tmp_path))
    assert ClientSettings().store_url == f"memory+sqlite:///{tmp_path / 'cache' / 'cache.db'}"
    monkeypatch.setenv("TESTABLE_RUN_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TESTABLE_RUN_TOKEN", "run-token")
    assert ClientSettings().store_url == "http://127.0.0.1:9"
    monkeypatch.setenv("TESTABLE_CACHE_STORE", "sqlite:///x.db")
    assert ClientSettings().store_url == "sqlite:///x.db"


def test_default_store_is_a_sqlite_file_under_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("TESTABLE_CACHE_STORE", "TESTABLE_RUN_API_URL", "TESTABLE_RUN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TESTABLE_DATA_DIR", str(tmp_path))

    async def open_and_close() -> None:
        store = await open_client_store(ClientSettings())
        await store.close()

    loop = LoopThread("settings-test")  # the main thread may hold sync Playwright's loop
    try:
        loop.run(open_and_close())
    finally:
        loop.close()
    assert (tmp_path / "cache" / "cache.db").exists()


def test_project_and_scope_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TESTABLE_PROJECT", raising=False)
    monkeypatch.delenv("TESTABLE_BRANCH_SCOPE", raising=False)
    settings = ClientSettings()
    assert settings.project_name(tmp_path) == tmp_path.name
    assert settings.scope(tmp_path) == "default"  # not a git checkout


def test_launch_options_use_the_system_chromium_when_present() -> None:
    options = launch_options({"slow_mo": 5})
    assert options["slow_mo"] == 5
    executable = system_chromium()
    if executable is None:
        assert "executable_path" not in options
    else:
        assert options["executable_path"] == executable
        assert set(SYSTEM_CHROMIUM_ARGS) <= set(options["args"])


def test_explicit_browser_that_does_not_exist_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTABLE_BROWSER_EXECUTABLE", "/nonexistent/chrome")
    with pytest.raises(FileNotFoundError, match="TESTABLE_BROWSER_EXECUTABLE"):
        launch_options()
