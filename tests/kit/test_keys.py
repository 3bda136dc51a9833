import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from backend.config import Mode, Settings
from backend.kit.keys import (
    KeyError_,
    KeyRing,
    generate_signing_key,
    load_keyring,
    rotate_encryption_key,
)


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **overrides)  # type: ignore[call-arg, arg-type]


def test_embedded_mode_creates_keys_once_with_private_permissions(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = load_keyring(settings)
    keys_dir = tmp_path / "keys"
    files = [*(keys_dir / "jwt").glob("*.pem"), keys_dir / "encryption.keys"]
    assert len(files) == 2
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    second = load_keyring(settings)
    assert second.active_signing_key == first.active_signing_key
    assert second.fernet_keys == first.fernet_keys


def test_data_encrypted_before_a_restart_still_decrypts_after(tmp_path: Path) -> None:
    token = load_keyring(_settings(tmp_path)).fernet.encrypt(b"s3cret")
    assert load_keyring(_settings(tmp_path)).fernet.decrypt(token) == b"s3cret"


def test_production_mode_refuses_to_start_without_keys(tmp_path: Path) -> None:
    with pytest.raises(KeyError_, match="No JWT signing key"):
        load_keyring(_settings(tmp_path, mode=Mode.PRODUCTION))
    assert not (tmp_path / "keys" / "jwt").exists()


def test_production_mode_refuses_missing_encryption_key(tmp_path: Path) -> None:
    generate_signing_key(tmp_path / "keys")
    with pytest.raises(KeyError_, match="No encryption key"):
        load_keyring(_settings(tmp_path, mode=Mode.PRODUCTION))


def test_invalid_encryption_key_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    settings = _settings(tmp_path, mode=Mode.PRODUCTION, encryption_keys="not-a-key")
    generate_signing_key(tmp_path / "keys")
    with pytest.raises(KeyError_, match="invalid Fernet key"):
        load_keyring(settings)


def test_broken_jwt_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "keys" / "jwt").mkdir(parents=True)
    (tmp_path / "keys" / "jwt" / "20260101000000-abcd.pem").write_text("garbage")
    with pytest.raises(KeyError_, match="not a valid unencrypted PEM"):
        load_keyring(_settings(tmp_path))


def test_production_mode_uses_keys_from_environment(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    generate_signing_key(tmp_path / "keys")
    ring = load_keyring(_settings(tmp_path, mode=Mode.PRODUCTION, encryption_keys=key))
    assert ring.fernet_keys == (key.encode(),)


def test_rotated_signing_key_signs_and_old_key_still_verifies(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    old = load_keyring(settings).active_signing_key
    new = generate_signing_key(tmp_path / "keys")
    ring = load_keyring(settings)
    assert ring.active_signing_key.kid == new.kid
    assert ring.public_key(old.kid) == old.public_pem


def test_rotated_encryption_key_encrypts_and_old_key_still_decrypts(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    old_token = load_keyring(settings).fernet.encrypt(b"before")
    rotate_encryption_key(settings)
    ring = load_keyring(settings)
    assert len(ring.fernet_keys) == 2
    assert ring.fernet.decrypt(old_token) == b"before"
    new_token = ring.fernet.encrypt(b"after")
    assert Fernet(ring.fernet_keys[0]).decrypt(new_token) == b"after"


def test_threads_loading_a_fresh_keys_directory_at_once_all_get_the_same_keys(
    tmp_path: Path,
) -> None:
    # `testable run` asks for the keys from several threads at the start of a run: on a
    # fresh data directory they must agree on one signing key and one encryption key
    # (a thread must never read a key file another one is still writing).
    settings = _settings(tmp_path)
    barrier = threading.Barrier(8)

    def load() -> KeyRing:
        barrier.wait()
        return load_keyring(settings)

    with ThreadPoolExecutor(max_workers=8) as pool:
        rings = list(pool.map(lambda _: load(), range(8)))

    assert len(list((tmp_path / "keys" / "jwt").glob("*.pem"))) == 1
    assert {ring.active_signing_key for ring in rings} == {rings[0].active_signing_key}
    assert {ring.fernet_keys for ring in rings} == {rings[0].fernet_keys}
