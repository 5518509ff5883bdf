from __future__ import annotations

from chain_processor_core.passwords import hash_password, verify_password


def test_hash_is_argon2_salted_and_verifies() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password("correct horse", first)
    assert not verify_password("wrong horse", first)


def test_malformed_hash_is_no_match() -> None:
    assert not verify_password("anything", "not-a-hash")
