"""Unit checks of the staff services: password hashing and policy, and the rate limiter."""

from __future__ import annotations

import pytest

from registry.errors import Invalid
from registry.services.staff import passwords
from registry.services.staff.throttle import RateLimits, hashed_key


def test_production_hashes_are_argon2id_with_pwdlibs_recommended_cost(monkeypatch):
    monkeypatch.undo()  # this test wants the real parameters, not the suite's fast ones
    passwords._hasher.cache_clear()
    stored = passwords.hash_password("a long enough passphrase")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password("a long enough passphrase", stored) == (True, None)
    assert passwords.verify_password("another passphrase", stored)[0] is False


def test_passwords_are_compared_after_unicode_normalisation():
    stored = passwords.hash_password("ｐａｓｓｐｈｒａｓｅ ｗｉｄｅ")  # full-width letters
    assert passwords.verify_password("passphrase wide", stored)[0] is True


def test_without_a_stored_hash_the_dummy_hash_is_checked(monkeypatch):
    used = []
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: used.append(1) or _dummy())
    assert passwords.verify_password("anything at all", None) == (False, None)
    assert used == [1]
    assert passwords.verify_password("x" * 5000, "$argon2id$whatever") == (False, None)
    assert used == [1, 1]  # an absurdly long password is refused after the same work


def _dummy() -> str:
    return passwords.hash_password("throw-away")


@pytest.mark.parametrize(
    ("password", "kinds"),
    [
        ("short", ["password_too_short"]),
        ("x" * 257, ["password_too_long"]),
        ("Someone@Example.gov", ["password_is_email"]),
        ("a good long passphrase", []),
    ],
)
def test_password_policy(password, kinds):
    found = [d["type"] for d in passwords.password_problems(password, email="someone@example.gov")]
    assert found == kinds


def test_policy_errors_name_the_field():
    with pytest.raises(Invalid) as caught:
        passwords.check_password_policy("short", email="a@b.gov")
    assert caught.value.details == [
        {
            "loc": ["password"],
            "msg": "A password needs at least 12 characters.",
            "type": "password_too_short",
        }
    ]


def test_rate_limits_hit_check_reset_and_retry_after():
    limits = RateLimits("memory://", {"r": "2/minute"})
    assert limits.check("r", "k").allowed
    assert limits.hit("r", "k").allowed and limits.hit("r", "k").allowed
    refused = limits.hit("r", "k")
    assert not refused.allowed and 1 <= refused.retry_after <= 60
    assert not limits.check("r", "k").allowed
    assert limits.check("r", "other").allowed  # keys are independent
    limits.reset("r", "k")
    assert limits.hit("r", "k").allowed


def test_counter_keys_do_not_hold_email_addresses():
    assert "@" not in hashed_key("someone@example.gov")
    assert hashed_key("a@b.gov") == hashed_key("a@b.gov") != hashed_key("c@b.gov")
