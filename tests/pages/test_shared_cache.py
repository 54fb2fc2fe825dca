"""Pages a shared cache can hold (issue 16, item 1; docs/pages.md "Caching").

- the language is in the URL: an address without ``lang`` redirects by the ``lang`` cookie, then
  ``Accept-Language``; the redirect itself is private and varies on both; a page with ``lang``
  varies on neither;
- every link the pages generate carries the language, so a reader never meets the redirect;
- public pages and twins say ``public, max-age, stale-while-revalidate, stale-if-error`` (from the
  settings), with a strong ETag and Last-Modified, and answer revalidations with 304;
- nothing private is cacheable: staff (session cookie, API token), POSTs, pages with a CSRF token;
- language-neutral machine endpoints never redirect.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.console.conftest import (  # noqa: F401  (fast_password_hashing: a fixture)
    SESSION_COOKIE,
    fast_password_hashing,
    make_staff,
    signed_in,
)
from tests.pages.conftest import parse
from tests.registry.factories import make_account, make_token

pytestmark = pytest.mark.db

PRIVATE = "private, no-store"


def _vary(response) -> str:  # type: ignore[no-untyped-def]
    return response.headers.get("vary", "").lower()


# -- the language in the URL ---------------------------------------------------------------------


def test_an_address_without_lang_redirects_by_the_cookie_first(client, world):
    client.cookies.set("lang", "zh-CN")
    response = client.get(
        f"/algorithms/{world.main.public_id}",
        headers={"Accept-Language": "en"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/algorithms/{world.main.public_id}?lang=zh-CN"
    assert response.headers["cache-control"] == PRIVATE
    assert "accept-language" in _vary(response) and "cookie" in _vary(response)


def test_an_address_without_lang_redirects_by_accept_language_and_keeps_its_query(client, world):
    response = client.get(
        "/audits?verdict=fail&verdict=pass",
        headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/audits?verdict=fail&verdict=pass&lang=zh-CN"
    assert response.headers["cache-control"] == PRIVATE
    assert "accept-language" in _vary(response) and "cookie" in _vary(response)
    # without cookie or a known language: English
    plain = client.get("/index.json", headers={"Accept-Language": "fr"}, follow_redirects=False)
    assert plain.headers["location"] == "/index.json?lang=en"


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ("lang=zh", "lang=zh-CN"),  # understood but not the canonical spelling
        ("lang=zh-cn", "lang=zh-CN"),
        ("lang=fr", "lang=en"),  # not offered: negotiated (here, nothing to go by: English)
        ("lang=en&lang=zh-CN", "lang=zh-CN"),  # twice: one canonical URL only
    ],
)
def test_a_lang_that_is_not_canonical_redirects_to_the_canonical_one(client, world, query, target):
    response = client.get(f"/agencies?{query}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/agencies?{target}"


def test_head_redirects_like_get_and_feeds_and_twins_redirect_too(client, world):
    for path in ("/", "/index.csv", f"/audits/{world.audit_id}.json", "/feed.atom"):
        for method in ("GET", "HEAD"):
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].endswith("lang=en"), (method, path)


def test_a_page_with_lang_varies_on_neither_cookie_nor_accept_language(client, world):
    for path in (
        "/?lang=zh-CN",
        "/index.json?lang=zh-CN",
        "/index.csv?lang=en",
        f"/algorithms/{world.main.public_id}?lang=en",
        f"/audits/{world.audit_id}?lang=zh-CN",
        "/feed.atom?lang=en",
    ):
        response = client.get(path, headers={"Accept-Language": "zh-CN"}, follow_redirects=False)
        assert response.status_code == 200, path
        assert "accept-language" not in _vary(response), path
        assert "cookie" not in _vary(response), path
        assert "set-cookie" not in response.headers, path  # a shared cache must not replay one
        revalidated = client.get(path, headers={"If-None-Match": response.headers["etag"]})
        assert revalidated.status_code == 304
        assert "accept-language" not in _vary(revalidated) and "cookie" not in _vary(revalidated)
    # the language comes from the URL, whatever the cookie says
    client.cookies.set("lang", "en")
    assert parse(client.get("/about?lang=zh-CN")).html["lang"] == "zh-CN"


def _internal_links(soup: BeautifulSoup) -> set[str]:
    links = set()
    for tag in soup.select("a[href], link[href]"):
        if tag.get("hreflang") == "x-default":  # the address without lang, on purpose
            continue
        href = str(tag["href"])
        if href.startswith("http://testserver/"):
            href = href.removeprefix("http://testserver")
        if href.startswith("/"):
            links.add(href.split("#")[0])
    return links


def test_every_link_on_the_main_pages_carries_the_language_and_never_redirects(client, world):
    pages = [
        "/",
        f"/algorithms/{world.main.public_id}",
        f"/audits/{world.audit_id}",
        "/audits",
    ]
    checked: set[str] = set()
    for page in pages:
        soup = parse(client.get(page, params={"lang": "zh-CN"}))
        # GET forms send their fields only: the language rides in a hidden field
        for form in soup.select("form[method=get]"):
            field = form.select_one("input[type=hidden][name=lang]")
            assert field is not None and field["value"] == "zh-CN", (page, form.get("action"))
        for href in sorted(_internal_links(soup) - checked):
            checked.add(href)
            if href.startswith("/static/"):
                continue
            lang = parse_qs(urlsplit(href).query).get("lang")
            # the language switch and hreflang alternates name the other language on purpose
            assert lang in (None, ["zh-CN"], ["en"]), (page, href)
            response = client.get(href, follow_redirects=False)
            assert response.status_code != 303, (page, href)  # not redirected: lang was there
            # (the transparency log has no checkpoint in this world until a key signs one)
            if not href.startswith(("/log/", "/api/")):
                assert response.status_code < 400, (page, href, response.status_code)
        links = {
            str(a["href"])
            for a in soup.select("a[href]")
            if not a.find_parent(class_="lang-switch")
        }
        language_pages = [
            h for h in links if h.startswith(("/algorithms/", "/audits", "/agencies", "/about"))
        ]
        assert language_pages, page
        for href in language_pages:
            if "/export/" in href:  # exports in other registers' formats: language-neutral
                continue
            assert parse_qs(urlsplit(href).query).get("lang") == ["zh-CN"], (page, href)


def test_pages_name_their_canonical_url_and_each_language_with_hreflang(client, world):
    soup = parse(client.get("/audits?verdict=fail&lang=zh-CN"))
    canonical = soup.select_one("link[rel=canonical]")
    assert canonical["href"] == "http://testserver/audits?verdict=fail&lang=zh-CN"
    alternates = {
        link["hreflang"]: link["href"] for link in soup.select("link[rel=alternate][hreflang]")
    }
    assert alternates == {
        "en": "http://testserver/audits?verdict=fail&lang=en",
        "zh-CN": "http://testserver/audits?verdict=fail&lang=zh-CN",
        "x-default": "http://testserver/audits?verdict=fail",
    }


# -- Cache-Control, ETag, Last-Modified, 304 -----------------------------------------------------


def test_public_pages_and_twins_say_how_long_a_shared_cache_may_keep_them(client, world, settings):
    settings.page_max_age = 120
    settings.page_stale_while_revalidate = 600
    settings.page_stale_if_error = 3600
    expected = "public, max-age=120, stale-while-revalidate=600, stale-if-error=3600"
    for path in (
        "/?lang=en",
        "/index.json?lang=en",
        "/index.csv?lang=zh-CN",
        f"/algorithms/{world.main.public_id}?lang=en",
        f"/audits/{world.audit_id}?lang=en",
        f"/audits/{world.audit_id}.csv?lang=en",
        "/audits?lang=en",
        "/feed.atom?lang=en",
        f"/agencies/{world.agency_slug}/participation.csv?lang=en",
        "/downloads/audits.csv?lang=en",
        "/sitemap.xml",
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == expected, path
        assert response.headers["etag"].startswith('"'), path  # strong
        assert response.headers["last-modified"].endswith(" GMT"), path


def test_the_defaults_are_five_minutes_fresh_five_revalidating_a_day_on_errors(client, world):
    response = client.get("/?lang=en")
    assert response.headers["cache-control"] == (
        "public, max-age=300, stale-while-revalidate=300, stale-if-error=86400"
    )


def test_if_none_match_answers_304_also_through_head(client, world):
    path = f"/audits/{world.audit_id}?lang=en"
    first = client.get(path)
    tag = first.headers["etag"]
    for method in ("GET", "HEAD"):
        again = client.request(method, path, headers={"If-None-Match": tag})
        assert again.status_code == 304, method
        assert again.content == b""
        assert again.headers["etag"] == tag
        assert again.headers["cache-control"] == first.headers["cache-control"]
    # another language is another representation: another tag
    other = client.get(f"/audits/{world.audit_id}?lang=zh-CN", headers={"If-None-Match": tag})
    assert other.status_code == 200 and other.headers["etag"] != tag
    # If-Modified-Since, for caches that revalidate by date
    since = client.get(path, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    older = client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert older.status_code == 200


# -- nothing private is cacheable ----------------------------------------------------------------


def test_every_response_to_signed_in_staff_is_private_no_store(app, world, session):
    from fastapi.testclient import TestClient

    staff = make_staff(session)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:
        signed_in(browser, staff)
        assert browser.cookies.get(SESSION_COOKIE)
        for path in (
            "/console",
            "/?lang=en",
            f"/algorithms/{world.main.public_id}?lang=en",
            "/index.json?lang=en",
            "/audits/aud-does-not-exist?lang=en",  # an error page for staff
            "/feed.atom?lang=en",
        ):
            response = browser.get(path)
            assert response.headers["cache-control"] == PRIVATE, path
            assert "etag" not in response.headers, path


def test_a_session_cookie_alone_makes_any_page_private(client, world):
    client.cookies.set(SESSION_COOKIE, "whatever-it-holds")
    response = client.get("/?lang=en")
    assert response.status_code == 200
    assert response.headers["cache-control"] == PRIVATE
    # the language redirect too
    assert client.get("/", follow_redirects=False).headers["cache-control"] == PRIVATE


def test_api_answers_to_a_token_are_private_no_store(client, world, session):
    account = make_account(session)
    token = make_token(session, account)
    session.commit()
    response = client.get("/api/v1/algorithms", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == PRIVATE


def test_post_answers_are_private_no_store(client, world):
    response = client.post(
        f"/algorithms/{world.main.public_id}/participate?lang=en",
        data={"kind": "question", "text": "How often is the model retrained?"},
    )
    assert response.status_code == 201
    assert response.headers["cache-control"] == PRIVATE
    refused = client.post(f"/algorithms/{world.main.public_id}/participate?lang=en", data={})
    assert refused.status_code >= 400 and refused.headers["cache-control"] == PRIVATE


def test_a_page_with_a_csrf_token_is_not_public_cacheable(client, world):
    sign_in = client.get("/console/sign-in", follow_redirects=False)
    assert BeautifulSoup(sign_in.text, "html.parser").select_one("input[name=csrf_token]")
    assert sign_in.headers["cache-control"] == PRIVATE
    assert "public" not in sign_in.headers["cache-control"]


def test_public_pages_with_forms_hold_nothing_per_visitor(client, world):
    """The algorithm page embeds the participation form; it is public because that form carries
    no token and no message for one visitor (cross-site posts are refused by Origin /
    Sec-Fetch-Site instead, registry.api.rate_limits.refuse_cross_site). Two visitors get the
    same bytes."""
    path = f"/algorithms/{world.main.public_id}?lang=en"
    first = client.get(path)
    soup = parse(first)
    assert soup.select("form[method=post]")
    assert not soup.select("input[name=csrf_token]")
    assert first.headers["cache-control"].startswith("public,")
    client.cookies.set("registry_pre", "another-visitor")
    assert client.get(path).content == first.content
    # the separate form page and the private status page stay private
    form = client.get(f"/algorithms/{world.main.public_id}/participate?lang=en")
    assert form.headers["cache-control"] == PRIVATE


# -- language-neutral endpoints are never redirected ---------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/algorithms",
        "/api/v1/log/checkpoint",
        "/log/keys",
        "/health",
        "/health/ready",
        "/robots.txt",
        "/sitemap.xml",
        "/downloads/register.json",
        "/downloads/register.csv",
        "/downloads/history.json",
        "/static/site.css",
    ],
)
def test_language_neutral_endpoints_are_not_redirected(client, world, path):
    response = client.get(path, headers={"Accept-Language": "zh-CN"}, follow_redirects=False)
    assert response.status_code not in (301, 302, 303, 307, 308), path


def test_a_language_neutral_answer_is_the_same_for_every_reader(client, world):
    english = client.get("/sitemap.xml", headers={"Accept-Language": "en"})
    chinese = client.get("/sitemap.xml", headers={"Accept-Language": "zh-CN"})
    assert english.headers["etag"] == chinese.headers["etag"]
    assert english.content == chinese.content
    assert "vary" not in english.headers
    again = client.get("/sitemap.xml", headers={"If-None-Match": english.headers["etag"]})
    assert again.status_code == 304 and "vary" not in again.headers
