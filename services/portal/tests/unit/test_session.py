"""The session cookie: sealed, bounded in age, opened by an older secret during a rotation; CSRF bound to it."""

from __future__ import annotations

import time

from portal.session import Session, SessionCodec, token_expired


def _codec(*secrets: str, max_age: int = 60) -> SessionCodec:
    return SessionCodec(list(secrets), max_age_seconds=max_age)


def test_a_sealed_session_opens_with_its_contents():
    codec = _codec("rahasia")
    session = codec.open(None)
    session["user"] = {"sub": "x", "access_token": "t"}
    opened = codec.open(codec.seal(session))
    assert opened["user"] == {"sub": "x", "access_token": "t"} and opened["sid"] == session["sid"]
    assert not opened.changed


def test_the_cookie_does_not_show_what_it_holds():
    codec = _codec("rahasia")
    session = codec.open(None)
    session["user"] = {"access_token": "eyJ-token-yang-rahasia"}
    assert "eyJ-token" not in codec.seal(session)


def test_a_tampered_or_foreign_cookie_is_a_new_visitor():
    codec = _codec("rahasia")
    session = codec.open(None)
    session["user"] = {"sub": "x"}
    sealed = codec.seal(session)
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    for cookie in (tampered, _codec("lain").seal(session), "sampah"):
        opened = codec.open(cookie)
        assert "user" not in opened and opened["sid"] != session["sid"] and opened.changed


def test_an_old_cookie_is_refused(monkeypatch):
    codec = _codec("rahasia", max_age=60)
    sealed = codec.seal(codec.open(None))
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert codec.open(sealed).changed  # a fresh session, not the old one


def test_a_rotated_secret_still_opens_cookies_sealed_before():
    old = _codec("lama")
    session = old.open(None)
    session["user"] = {"sub": "x"}
    assert _codec("baru", "lama").open(old.seal(session))["user"] == {"sub": "x"}


def test_csrf_tokens_are_bound_to_the_session():
    codec = _codec("rahasia")
    one, two = codec.open(None), codec.open(None)
    assert codec.csrf_valid(one, codec.csrf_token(one))
    assert not codec.csrf_valid(two, codec.csrf_token(one))
    assert not codec.csrf_valid(one, None) and not codec.csrf_valid(one, "")
    token = codec.csrf_token(one)
    one.sign_out()  # signing in or out starts a new sid: forms of before no longer count
    assert not codec.csrf_valid(one, token)


def test_token_expiry_has_leeway():
    assert token_expired({"expires_at": time.time() + 10})
    assert not token_expired({"expires_at": time.time() + 600})
    assert token_expired({})


def test_a_session_knows_when_it_changed():
    session = Session({"sid": "a"})
    assert not session.changed
    session["flash"] = []
    assert session.changed
