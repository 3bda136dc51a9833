"""Masker: every realistic form of a secret becomes ``***``."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

from backend.execution.masking import MASK, Masker

SECRET = 'p@ss word/+"x'


def test_plain_url_encoded_json_escaped_and_base64_forms_are_masked() -> None:
    masker = Masker([SECRET])
    forms = [
        SECRET,
        quote(SECRET, safe=""),
        quote_plus(SECRET, safe=""),
        json.dumps(SECRET)[1:-1],
        base64.b64encode(SECRET.encode()).decode(),
    ]

    for form in forms:
        assert masker.mask(f"before {form} after") == f"before {MASK} after", form


def test_short_values_are_not_masked() -> None:
    masker = Masker(["abc", "", None])

    assert masker.mask("abc abc") == "abc abc"
    assert not masker


def test_a_secret_containing_another_is_masked_whole() -> None:
    masker = Masker(["token", "token-extended"])

    assert masker.mask("token-extended and token") == "*** and ***"


def test_json_structures_are_masked_keys_and_values() -> None:
    masker = Masker(["hunter22"])

    masked = masker.mask_json({"hunter22": ["x hunter22", 3, None, {"k": "hunter22"}]})

    assert masked == {"***": ["x ***", 3, None, {"k": "***"}]}


def test_files_are_masked_in_place_and_binary_files_left_alone(tmp_path: Path) -> None:
    masker = Masker([SECRET])
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"longrepr": f"E  assert '{SECRET}' == 'x'"}))
    log = tmp_path / "output.log"
    log.write_text(f"line {SECRET}\n")
    image = tmp_path / "shot.png"
    image.write_bytes(b"\x89PNG\xff\xfe" + SECRET.encode())

    assert masker.mask_file(report)
    assert masker.mask_file(log)
    assert not masker.mask_file(image)

    assert json.loads(report.read_text()) == {"longrepr": "E  assert '***' == 'x'"}
    assert log.read_text() == "line ***\n"
    assert SECRET.encode() in image.read_bytes()
