"""Signing and encryption keys: loaded from the keys directory, created once in embedded mode.

Layout of ``<keys_dir>`` (default ``<data_dir>/keys``, mode 0700, files 0600):

* ``jwt/<kid>.pem`` — RSA private keys. The key whose ``kid`` sorts last signs new tokens;
  every key present verifies, so rotation is "add a new key, wait for the access-token
  lifetime (15 minutes), delete the old one" (refresh tokens are database tokens, not JWTs).
* ``encryption.keys`` — Fernet keys, one per line, the first one encrypts, all decrypt
  (``MultiFernet``). ``TESTABLE_ENCRYPTION_KEYS`` (comma-separated) overrides the file.

Production mode never generates anything: a fresh random key on each start would make
every stored secret undecryptable, so a missing or broken key stops the process with a
message that says how to create it.
"""

from __future__ import annotations

import functools
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backend.config import Mode, Settings
from backend.kit.filemodes import private_dir
from backend.kit.locks import file_lock

ENCRYPTION_FILE = "encryption.keys"


class KeyError_(RuntimeError):
    """A key is missing or unusable; the message says what to do."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: bytes
    public_pem: bytes


@dataclass(frozen=True)
class KeyRing:
    signing_keys: tuple[SigningKey, ...]
    fernet_keys: tuple[bytes, ...]

    @property
    def active_signing_key(self) -> SigningKey:
        return self.signing_keys[-1]

    def public_key(self, kid: str) -> bytes | None:
        for key in self.signing_keys:
            if key.kid == kid:
                return key.public_pem
        return None

    @property
    def fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(k) for k in self.fernet_keys])


def _private_temp(directory: Path, data: bytes) -> Path:
    """``data`` in a new 0600 file of ``directory`` (a name no loader looks at)."""
    private_dir(directory)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".new-", suffix=".tmp")  # 0600
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return Path(name)


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` (0600) whole or not at all: it appears only once written, so a
    reader never sees a half-written key. ``FileExistsError`` when it exists already."""
    temp = _private_temp(path.parent, data)
    try:
        os.link(temp, path)  # atomic and never replaces an existing file
    finally:
        temp.unlink()


def new_kid(existing: list[str] | None = None) -> str:
    """A kid that sorts after every existing one (the last kid signs), even within a second."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    latest = max((kid.split("-", 1)[0] for kid in existing or []), default="")
    if stamp <= latest:
        stamp = str(int(latest) + 1)
    return f"{stamp}-{secrets.token_hex(4)}"


def generate_signing_key(keys_dir: Path) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private_dir(keys_dir)  # before jwt/: mkdir(parents=True) leaves parents at the umask
    existing = [p.stem for p in (keys_dir / "jwt").glob("*.pem")]
    kid = new_kid(existing)
    _write_private(keys_dir / "jwt" / f"{kid}.pem", pem)
    return _load_signing_key(keys_dir / "jwt" / f"{kid}.pem")


def _load_signing_key(path: Path) -> SigningKey:
    return _parse_signing_key(path, path.read_bytes())


# Keyed by the file's bytes: every run and every report loads the keyring again (so a
# rotated key is seen without a restart), and checking an RSA key costs tens of
# milliseconds, while reading the file costs nothing. A changed file is parsed anew.
@functools.lru_cache(maxsize=64)
def _parse_signing_key(path: Path, pem: bytes) -> SigningKey:
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyError_(
            f"JWT key {path} is not a valid unencrypted PEM private key: {exc}"
        ) from exc
    if not isinstance(private, rsa.RSAPrivateKey):
        raise KeyError_(f"JWT key {path} must be an RSA key (RS256)")
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningKey(kid=path.stem, private_pem=pem, public_pem=public)


def _parse_fernet_keys(raw: str, source: str) -> tuple[bytes, ...]:
    keys = tuple(k.strip().encode() for k in raw.replace(",", "\n").splitlines() if k.strip())
    if not keys:
        raise KeyError_(f"{source} holds no encryption key")
    for key in keys:
        try:
            Fernet(key)
        except ValueError as exc:
            raise KeyError_(
                f"{source} holds an invalid Fernet key (32 url-safe base64 bytes expected); "
                "create one with `testable keys generate-encryption-key`"
            ) from exc
    return keys


def _signing_key_files(keys_dir: Path) -> list[Path]:
    return sorted((keys_dir / "jwt").glob("*.pem")) if (keys_dir / "jwt").is_dir() else []


def _create_missing_keys(settings: Settings) -> None:
    """Embedded mode: the first signing key and the encryption key file, made once even
    when threads or processes start together (``testable run`` asks from several threads):
    under a lock, so they agree on one key of each."""
    keys_dir = settings.resolved_keys_dir
    fernet_file = keys_dir / ENCRYPTION_FILE if settings.encryption_keys is None else None

    def missing() -> bool:
        return not _signing_key_files(keys_dir) or (
            fernet_file is not None and not fernet_file.exists()
        )

    if not missing():  # files appear only once complete (_write_private): no lock needed
        return
    private_dir(keys_dir)
    with file_lock(keys_dir / ".lock"):
        if not _signing_key_files(keys_dir):
            generate_signing_key(keys_dir)
        if fernet_file is not None and not fernet_file.exists():
            _write_private(fernet_file, Fernet.generate_key() + b"\n")


def load_keyring(settings: Settings) -> KeyRing:
    """Load keys, creating missing ones only in embedded mode."""
    keys_dir = settings.resolved_keys_dir
    if settings.mode == Mode.EMBEDDED:
        _create_missing_keys(settings)
    pems = _signing_key_files(keys_dir)
    if not pems:
        raise KeyError_(
            f"No JWT signing key in {keys_dir / 'jwt'}. Create one with "
            "`testable keys rotate-jwt` (see SECURITY.md) before starting in production mode."
        )
    signing = tuple(_load_signing_key(p) for p in pems)

    if settings.encryption_keys is not None:
        fernet_keys = _parse_fernet_keys(
            settings.encryption_keys.get_secret_value(), "TESTABLE_ENCRYPTION_KEYS"
        )
    else:
        path = keys_dir / ENCRYPTION_FILE
        if not path.exists():
            raise KeyError_(
                f"No encryption key: set TESTABLE_ENCRYPTION_KEYS or create {path} with "
                "`testable keys rotate-encryption` (see SECURITY.md)."
            )
        fernet_keys = _parse_fernet_keys(path.read_text(), str(path))
    return KeyRing(signing_keys=signing, fernet_keys=fernet_keys)


def rotate_encryption_key(settings: Settings) -> Path:
    """Put a new primary Fernet key in front; old keys stay so existing data still decrypts."""
    path = settings.resolved_keys_dir / ENCRYPTION_FILE
    existing = path.read_text() if path.exists() else ""
    _private_temp(path.parent, Fernet.generate_key() + b"\n" + existing.encode()).replace(path)
    return path
