"""Login security: no signing key in the source, server-side sessions (logout, password change and
deactivation revoke them), login throttling and lockout, no username enumeration by timing, and the
login cookie's attributes. API tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import stat
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from ipplatform.auth import security
from ipplatform.auth.enums import Role
from ipplatform.auth.models import AuthSession, User
from ipplatform.config import InsecureSecretKey, Settings, get_settings, installation_secret_key
from ipplatform.database import make_engine, utcnow
from ipplatform.main import create_app
from ipplatform.organisations.enums import OrgKind
from ipplatform.search.backends.embedded import EmbeddedBackend
from tests import factories as f

LOCK_MESSAGE = "登录失败次数过多，请 15 分钟后再试"


def _app(engine, tmp_path):
    return create_app(engine, search_backend=EmbeddedBackend(tmp_path / "search.sqlite3"), start_indexer=False)


def _token(client, username, password=f.PASSWORD, **kw):
    resp = client.post("/api/auth/token", data={"username": username, "password": password}, **kw)
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def _me(client, headers) -> int:
    return client.get("/api/auth/me", headers=headers).status_code


@pytest.fixture
def people(db):
    with db.begin():
        org = f.org(db, OrgKind.UNIVERSITY)
        office = f.org(db, OrgKind.IP_OFFICE)
        users = {"alice": f.user(db, org, Role.UNIVERSITY_MEMBER, username="alice"),
                 "bob": f.user(db, org, Role.UNIVERSITY_MEMBER, username="bob"),
                 "root": f.user(db, office, Role.ADMIN, username="root")}
    return users


# ---- 1. the signing key ------------------------------------------------------------------------------

@pytest.fixture
def default_settings(monkeypatch, tmp_path):
    """Settings as a fresh installation has them: no IPP_SECRET_KEY, no IPP_ENV, an empty data dir."""
    monkeypatch.delenv("IPP_SECRET_KEY", raising=False)
    monkeypatch.delenv("IPP_ENV", raising=False)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("IPP_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


@pytest.fixture
def settings_env(monkeypatch):
    """Set IPP_* variables for get_settings() (cache cleared before and after)."""
    def setenv(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"IPP_{name.upper()}", value)
        get_settings.cache_clear()

    yield setenv
    get_settings.cache_clear()


def test_token_signed_with_the_old_source_default_key_is_refused(default_settings, db_engine, tmp_path):
    app = _app(db_engine, tmp_path)
    with app.state.session_factory.begin() as db:
        user = f.user(db, f.org(db, OrgKind.ENTERPRISE), Role.ENTERPRISE_MEMBER)
    with TestClient(app) as client:
        live = _token(client, user.username)
        with app.state.session_factory() as db:
            sid = db.scalar(select(AuthSession.id).where(AuthSession.user_id == user.id))
        old_default = URLSafeTimedSerializer("dev-only-change-me", salt="ipplatform-login")
        for claims in ({"uid": user.id}, {"uid": user.id, "sid": sid}):  # even one naming a live session
            forged = old_default.dumps(claims)
            assert _me(client, {"Authorization": f"Bearer {forged}"}) == 401
            client.cookies.set("ipp_session", forged)
            assert client.get("/api/auth/me").status_code == 401
            client.cookies.clear()
        assert _me(client, live) == 200  # the installation's own key signs real logins


def test_generated_key_file_is_private_and_stable(default_settings, sqlite_engine, tmp_path):
    key_file = default_settings / "secret_key"
    first = get_settings().secret_key
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == first and len(first) >= 80  # 64 random bytes, urlsafe
    assert sorted(p.name for p in default_settings.iterdir()) == ["secret_key"]  # no temp file left

    app = _app(sqlite_engine, tmp_path)
    with app.state.session_factory.begin() as db:
        user = f.user(db, f.org(db, OrgKind.ENTERPRISE), Role.ENTERPRISE_MEMBER)
    with TestClient(app) as client:
        headers = _token(client, user.username)

    get_settings.cache_clear()  # a restart: the same file, the same key, the same logins
    assert get_settings().secret_key == first
    with TestClient(_app(sqlite_engine, tmp_path)) as client:
        assert _me(client, headers) == 200


def test_concurrent_first_starts_agree_on_one_key(tmp_path):
    keys, barrier = [], threading.Barrier(8)

    def start():
        barrier.wait()
        keys.append(installation_secret_key(tmp_path / "fresh"))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert [p.name for p in (tmp_path / "fresh").iterdir()] == ["secret_key"]


@pytest.mark.parametrize("key", ["dev-only-change-me", "changeme", "secret", "CHANGEME", "test-secret-key",
                                 "only-twenty-nine-characters!!"])
def test_known_or_short_key_refuses_to_start(settings_env, key):
    settings_env(secret_key=key, env="production")
    with pytest.raises(InsecureSecretKey, match="IPP_SECRET_KEY"):
        create_app(make_engine("sqlite://"), search_backend=None, start_indexer=False)


def test_production_is_the_default_and_development_accepts_a_weak_key(settings_env, monkeypatch):
    settings_env(secret_key="changeme")
    monkeypatch.delenv("IPP_ENV", raising=False)
    with pytest.raises(InsecureSecretKey):
        Settings()
    for env in ("development", "test"):
        settings_env(env=env)
        assert get_settings().secret_key == "changeme"


def test_a_long_random_key_is_accepted(settings_env):
    settings_env(secret_key="k" * 8 + "Zr4_9qLx-2VbT7mNp3sW8yHcD1fGjK6e", env="production")
    assert get_settings().secret_key.startswith("kkkkkkkk")


# ---- 2. server-side sessions ------------------------------------------------------------------------------

def test_api_logout_revokes_only_that_session(client, people):
    first, second = _token(client, "alice"), _token(client, "alice")
    assert _me(client, first) == 200
    assert client.post("/api/auth/logout", headers=first).status_code == 204
    assert _me(client, first) == 401
    assert client.post("/api/auth/logout", headers=first).status_code == 401
    assert _me(client, second) == 200


def test_page_logout_revokes_the_cookie_session(client, people):
    resp = f.form_post(client, "/login", data={"username": "alice", "password": f.PASSWORD}, follow_redirects=False)
    assert resp.status_code == 303
    cookie = client.cookies.get("ipp_session")
    assert client.get("/api/auth/me").json()["username"] == "alice"
    assert f.form_post(client, "/logout", follow_redirects=False).status_code == 303
    assert client.cookies.get("ipp_session") is None
    # A copy of the cookie kept by whoever stole or saved it no longer works.
    assert _me(client, {"Authorization": f"Bearer {cookie}"}) == 401
    client.cookies.set("ipp_session", cookie)
    assert client.get("/api/auth/me").status_code == 401
    assert 'data-testid="login-link"' in client.get("/").text


def test_session_row_records_the_login(client, db, people):
    _token(client, "alice", headers={"User-Agent": "pytest-agent/1.0"})
    row = db.scalar(select(AuthSession).where(AuthSession.user_id == people["alice"].id))
    assert row.ip == "testclient" and row.user_agent == "pytest-agent/1.0" and row.revoked_at is None
    assert len(row.id) >= 43
    lifetime = row.expires_at - row.created_at
    assert lifetime == timedelta(hours=get_settings().token_ttl_hours)


def test_unknown_expired_and_foreign_sessions_are_refused(client, db, people):
    headers = _token(client, "alice")
    claims = security.read_token(headers["Authorization"].split()[1])
    assert _me(client, {"Authorization": f"Bearer {security.issue_token(claims.user_id, 'no-such-session')}"}) == 401
    # bob's id with alice's session id: a valid signature, but the session is not his
    assert _me(client, {"Authorization": f"Bearer {security.issue_token(people['bob'].id, claims.session_id)}"}) == 401
    with db.begin():
        db.get(AuthSession, claims.session_id).expires_at = utcnow() - timedelta(seconds=1)
    assert _me(client, headers) == 401


def test_own_password_change_keeps_this_session_and_revokes_the_others(client, people):
    here, elsewhere = _token(client, "alice"), _token(client, "alice")
    wrong = client.post("/api/auth/password", headers=here,
                        json={"current_password": "not-my-password", "new_password": "a-new-secret-2026"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "current_password"
    short = client.post("/api/auth/password", headers=here,
                        json={"current_password": f.PASSWORD, "new_password": "short-9ch"})
    assert short.status_code == 422
    assert _me(client, elsewhere) == 200  # failed attempts change nothing
    ok = client.post("/api/auth/password", headers=here,
                     json={"current_password": f.PASSWORD, "new_password": "a-new-secret-2026"})
    assert ok.status_code == 204, ok.text
    assert _me(client, here) == 200 and _me(client, elsewhere) == 401
    assert client.post("/api/auth/token", data={"username": "alice", "password": f.PASSWORD}).status_code == 401
    assert _me(client, _token(client, "alice", "a-new-secret-2026")) == 200


def test_admin_password_change_and_deactivation_revoke_sessions(client, people):
    alice, bob = _token(client, "alice"), _token(client, "bob")
    admin_here, admin_elsewhere = _token(client, "root"), _token(client, "root")
    resp = client.patch(f"/api/users/{people['alice'].id}", headers=admin_here, json={"password": "reset-by-admin-1"})
    assert resp.status_code == 200, resp.text
    assert _me(client, alice) == 401 and _me(client, bob) == 200 and _me(client, admin_here) == 200

    # An admin changing their own password stays signed in here, and only here.
    resp = client.patch(f"/api/users/{people['root'].id}", headers=admin_here, json={"password": "admin-new-pass-1"})
    assert resp.status_code == 200
    assert _me(client, admin_here) == 200 and _me(client, admin_elsewhere) == 401

    # Deactivating signs out everywhere, and reactivating does not bring the old sessions back.
    bob_too = _token(client, "bob")
    assert client.patch(f"/api/users/{people['bob'].id}", headers=admin_here,
                        json={"is_active": False}).status_code == 200
    assert client.patch(f"/api/users/{people['bob'].id}", headers=admin_here,
                        json={"is_active": True}).status_code == 200
    assert _me(client, bob) == 401 and _me(client, bob_too) == 401
    # Changing other fields revokes nothing.
    alice_new = _token(client, "alice", "reset-by-admin-1")
    assert client.patch(f"/api/users/{people['alice'].id}", headers=admin_here,
                        json={"display_name": "新名字"}).status_code == 200
    assert _me(client, alice_new) == 200


def test_account_page_changes_the_password(client, people):
    assert client.get("/account", follow_redirects=False).headers["location"].startswith("/login")
    other_device = _token(client, "alice")
    f.form_post(client, "/login", data={"username": "alice", "password": f.PASSWORD})
    page = client.get("/account")
    assert page.status_code == 200 and "修改密码" in page.text
    assert re.search(r'<form method="post" action="/account/password"[^>]*>\s*<input type="hidden" name="csrf_token"',
                     page.text), "the form carries the CSRF token"
    assert 'href="/account"' in client.get("/").text  # linked from the header

    def post(current, new, confirm=None):
        return f.form_post(client, "/account/password", data={
            "current_password": current, "new_password": new, "new_password_confirm": new if confirm is None else confirm})

    resp = post(f.PASSWORD, "a-new-secret-2026", "a-different-one-2026")
    assert resp.status_code == 422 and "两次输入的新密码不一致" in resp.text
    resp = post(f.PASSWORD, "short")
    assert resp.status_code == 422 and "至少需要 10 个字符" in resp.text
    resp = post("wrong-password", "a-new-secret-2026")
    assert resp.status_code == 422 and "当前密码不正确" in resp.text
    assert _me(client, other_device) == 200

    resp = post(f.PASSWORD, "a-new-secret-2026")
    assert resp.status_code == 200 and "密码已修改" in resp.text
    assert client.get("/api/auth/me").status_code == 200  # this browser stays signed in
    assert _me(client, other_device) == 401


def test_logging_in_over_another_login_ends_it(client, people):
    f.form_post(client, "/login", data={"username": "alice", "password": f.PASSWORD})
    alice_cookie = client.cookies.get("ipp_session")
    f.form_post(client, "/login", data={"username": "bob", "password": f.PASSWORD})
    assert client.get("/api/auth/me").json()["username"] == "bob"
    assert _me(client, {"Authorization": f"Bearer {alice_cookie}"}) == 401


# ---- 3. throttling, lockout and timing ---------------------------------------------------------------------

def test_lockout_after_failures_refuses_even_the_right_password(client, app, people):
    codes = [client.post("/api/auth/token", data={"username": "alice", "password": f"guess-{i}"}).status_code
             for i in range(30)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    locked = client.post("/api/auth/token", data={"username": "alice", "password": f.PASSWORD})
    assert locked.status_code == 429
    assert LOCK_MESSAGE in locked.json()["message_zh"] and "Too many failed logins" in locked.json()["message"]
    assert 840 <= int(locked.headers["Retry-After"]) <= 900
    assert client.post("/api/auth/token", data={"username": "ALICE ", "password": "x"}).status_code == 429

    # Others are unaffected: another user from this IP (5 failures < 20), and from another IP.
    assert _me(client, _token(client, "bob")) == 200
    elsewhere = TestClient(app, client=("198.51.100.7", 40000))
    assert _me(elsewhere, _token(elsewhere, "root")) == 200
    # The page shares the lock (the message in the login form, status 429).
    page = f.form_post(client, "/login", data={"username": "alice", "password": f.PASSWORD})
    assert page.status_code == 429 and LOCK_MESSAGE in page.text and 'action="/login"' in page.text
    assert "Retry-After" in page.headers


def test_page_failures_lock_the_api_too(client, people):
    for _ in range(5):
        assert f.form_post(client, "/login", data={"username": "bob", "password": "nope"}).status_code == 401
    assert f.form_post(client, "/login", data={"username": "bob", "password": f.PASSWORD}).status_code == 429
    assert client.post("/api/auth/token", data={"username": "bob", "password": f.PASSWORD}).status_code == 429


def test_failures_per_ip_lock_that_ip(client, app, people):
    for i in range(20):  # spraying: 4 tries at each of 5 names, none reaching the per-user limit
        name = f"user{i % 5}"
        assert client.post("/api/auth/token", data={"username": name, "password": "x"}).status_code == 401
    resp = client.post("/api/auth/token", data={"username": "alice", "password": f.PASSWORD})
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    other_ip = TestClient(app, client=("203.0.113.9", 40000))
    assert _me(other_ip, _token(other_ip, "alice")) == 200


def test_each_app_starts_with_fresh_counters(db_engine, tmp_path, people):
    first = _app(db_engine, tmp_path)
    with TestClient(first) as client:
        for _ in range(6):
            client.post("/api/auth/token", data={"username": "alice", "password": "x"})
        assert client.post("/api/auth/token", data={"username": "alice", "password": f.PASSWORD}).status_code == 429
    with TestClient(_app(db_engine, tmp_path)) as client:
        assert _me(client, _token(client, "alice")) == 200


def test_password_is_verified_for_unknown_and_inactive_users(client, db, people, monkeypatch):
    with db.begin():
        db.get(User, people["bob"].id).is_active = False
    calls = []
    original = security._hasher.verify
    monkeypatch.setattr(security._hasher, "verify", lambda *a, **kw: calls.append(a[1]) or original(*a, **kw))
    security.dummy_hash()  # (created once; not counted)

    def attempts(username, password, n=4):
        before = len(calls)
        for _ in range(n):
            assert client.post("/api/auth/token", data={"username": username, "password": password}).status_code == 401
        return len(calls) - before

    assert attempts("nobody-by-this-name", "whatever") == 4
    assert attempts("alice", "wrong-password") == 4
    assert attempts("bob", f.PASSWORD) == 4  # inactive, right password: verified, refused
    # Unknown and inactive users are checked against the dummy hash, known ones against their own.
    assert calls[0] == calls[8] == security.dummy_hash() != calls[4]
    assert calls[4].startswith("$argon2") and calls[0].startswith("$argon2")


def test_page_login_of_unknown_user_runs_the_hash(client, people, monkeypatch):
    calls = []
    original = security._hasher.verify
    monkeypatch.setattr(security._hasher, "verify", lambda *a, **kw: calls.append(1) or original(*a, **kw))
    assert f.form_post(client, "/login", data={"username": "ghost", "password": "x"}).status_code == 401
    assert calls == [1]


# ---- 4. the login cookie ---------------------------------------------------------------------------------------

def _login_cookie(resp) -> dict[str, str]:
    """The attributes of the response's Set-Cookie for the login cookie: {name (lower case): value}."""
    cookies = [v for k, v in resp.headers.multi_items() if k == "set-cookie" and v.startswith("ipp_session=")]
    assert len(cookies) == 1, resp.headers
    attributes = {}
    for part in cookies[0].split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


def test_cookie_over_https_is_secure_httponly_lax_and_lives_as_long_as_the_token(app, people):
    ttl = get_settings().token_ttl_hours * 3600
    with TestClient(app, base_url="https://testserver") as client:
        resp = f.form_post(client, "/login", data={"username": "alice", "password": f.PASSWORD},
                           follow_redirects=False)
        assert resp.status_code == 303
        cookie = _login_cookie(resp)
        assert {"secure", "httponly"} <= set(cookie) and cookie["samesite"].lower() == "lax"
        assert cookie["max-age"] == str(ttl) and cookie["path"] == "/"
        assert client.get("/api/auth/me").status_code == 200
        out = _login_cookie(f.form_post(client, "/logout", follow_redirects=False))
        assert "secure" in out and out["max-age"] == "0"


def test_cookie_over_http_is_not_secure_and_a_client_cannot_claim_https(app, people):
    with TestClient(app) as client:
        resp = f.form_post(client, "/login", data={"username": "alice", "password": f.PASSWORD},
                           headers={"X-Forwarded-Proto": "https"}, follow_redirects=False)
        cookie = _login_cookie(resp)
        assert "secure" not in cookie and "httponly" in cookie and cookie["samesite"].lower() == "lax"
        assert cookie["max-age"] == str(get_settings().token_ttl_hours * 3600)
