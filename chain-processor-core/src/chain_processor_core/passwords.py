"""Password hashing with Argon2id (pwdlib), shared by the API and the database seed."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches; a malformed hash counts as no match."""
    try:
        return _hasher.verify(password, password_hash)
    except (PwdlibError, ValueError):
        return False
