"""The public search index: tokens, kept by writes, rebuilt by `registry search reindex` and at
start-up after an upgrade, and index use (no table scans)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.services.public import search_index as idx
from registry.services.public.search import SearchQuery, _conditions, search
from tests.postgres import postgres_url


def test_document_terms_index_words_stems_han_characters_bigrams_and_words():
    terms = idx.document_terms("Housing Benefits 住房福利 人脸识别系统")
    assert {"housing", "benefits", "=hous", "=benefit"} <= terms
    assert {"住", "房", "福", "利", "住房", "房福", "福利"} <= terms
    assert "人脸识别" in terms  # jieba's word, next to the bigrams 人脸 脸识 识别


def test_query_words_prefix_or_stem_and_han_words_as_bigrams():
    from registry.services.public.analysis import All, Any_, Term, parse_query

    assert parse_query("Parking") == (Any_((Term("parking", prefix=True), Term("=park"))),)
    # "hous" is the stem of "housing", a synonym group: the prefix stays the first alternative
    assert parse_query("hous")[0].parts[0] == Any_((Term("hous", prefix=True), Term("=hous")))
    assert parse_query("福") == (Term("福"),)
    assert parse_query("  ,;  ") == ()
    # jieba splits 资格审核 into words; each word needs its bigrams, never the bigram across them
    assert parse_query("审核资格")[0] == Term("审核")
    assert All in {type(m) for m in parse_query("人工智能审核")}


@pytest.mark.db
def test_index_follows_publishes_and_retirements(client, world, session):
    from registry.services.cards import algorithms as algorithms
    from registry.services.cards import drafts
    from tests.registry.factories import T0, card

    assert client.get("/index.json", params={"q": "parking"}).json()["total"] == 0
    from registry.models import Account

    accounts = (
        session.exec(sa.select(Account).where(Account.agency_id == world.main.agency_id))
        .scalars()
        .all()
    )
    editor, publisher = accounts[0], accounts[1]
    new = card(name="Parking permit checker", summary="Checks parking permit applications.")
    drafts.save_draft(
        session, actor=editor, algorithm=world.main, card=new, now=T0 + timedelta(days=400)
    )
    drafts.publish_draft(
        session,
        actor=publisher,
        algorithm=world.main,
        change_summary="Renamed.",
        four_eyes=True,
        revision=drafts.current_revision(session, world.main),
        now=T0 + timedelta(days=401),
    )
    assert [
        r["name"] for r in client.get("/index.json", params={"q": "parking"}).json()["results"]
    ] == ["Parking permit checker"]
    algorithms.retire_algorithm(
        session, actor=publisher, algorithm=world.main, reason="Done.", now=T0 + timedelta(days=402)
    )
    data = client.get("/index.json", params={"q": "parking"}).json()
    assert data["results"][0]["state"]["value"] == "retired"
    assert data["counts"]["retired"] == 2


def _page_query(engine):  # type: ignore[no-untyped-def]
    query = SearchQuery(q="福利 hous", filters={"scenario": ("public_services",)})
    stmt = (
        sa.select(idx.search_doc.c.algorithm_id)
        .where(*_conditions(query))
        .order_by(idx.search_doc.c.sort_at.desc())
        .limit(20)
    )
    return str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))


@pytest.fixture
def postgres_engine() -> Iterator[sa.Engine]:
    """A migrated throwaway PostgreSQL database, whatever the suite's own database is."""
    from registry.db import make_engine
    from registry.migrate import upgrade

    with postgres_url() as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path, migrated_sqlite_template: Path) -> Iterator[sa.Engine]:
    """A migrated SQLite database, also when the suite itself runs on PostgreSQL."""
    from registry.db import make_engine

    path = tmp_path / "plans.db"
    shutil.copyfile(migrated_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


def _indexed_world(engine: sa.Engine) -> None:
    from registry.db import session_scope
    from tests.pages.world import build_world

    with session_scope(engine) as session:
        build_world(session)
        search(session, query=SearchQuery(q="housing benefit"))
        session.commit()


@pytest.mark.db
def test_postgresql_search_terms_are_answered_from_the_index(postgres_engine):
    engine = postgres_engine
    _indexed_world(engine)
    with engine.connect() as conn:
        # Tiny test tables make a sequential scan cheapest; forbid it to show the index applies.
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {_page_query(engine)}"))
    assert "pk_search_term" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.db
def test_search_queries_use_indexes_not_table_scans(sqlite_engine):
    engine = sqlite_engine
    _indexed_world(engine)
    query = SearchQuery(q="福利 hous", filters={"scenario": ("public_services",)})
    stmt = (
        sa.select(idx.search_doc.c.algorithm_id)
        .where(*_conditions(query))
        .order_by(idx.search_doc.c.sort_at.desc())
        .limit(20)
    )
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
    scans = [p for p in plan if p.startswith("SCAN") and "USING" not in p and "COVERING" not in p]
    assert not scans, plan
    assert any(
        "search_term" in p
        and ("USING PRIMARY KEY" in p or "USING INDEX" in p or "USING COVERING" in p)
        for p in plan
    ), plan


def _found(session, q: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.public_id for a in search(session, query=SearchQuery(q=q)).algorithms]


@pytest.mark.db
def test_reindex_command_rebuilds_a_damaged_index_through_the_last_public_event(
    world, session, settings, monkeypatch
):
    from typer.testing import CliRunner

    from registry.cli import app as cli_app
    from registry.config import get_settings
    from registry.models import Event
    from registry.services.events import PUBLIC_ACTIONS

    assert _found(session, "housing") == [world.main.public_id]
    session.execute(sa.delete(idx.search_term))
    session.execute(sa.delete(idx.search_doc))
    session.commit()
    assert _found(session, "housing") == []

    monkeypatch.setenv("REGISTRY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["search", "reindex"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    last_public = session.execute(
        sa.select(sa.func.max(Event.id)).where(Event.action.in_(PUBLIC_ACTIONS))  # type: ignore[attr-defined]
    ).scalar_one()
    assert result.output.strip() == f"search index rebuilt through ledger event {last_public}"
    session.expire_all()
    assert _found(session, "housing") == [world.main.public_id]
    assert _found(session, "bus lane") == [world.retired.public_id]
    assert _found(session, "secret") == []  # the draft stays out
    assert idx.public_stamp(session) == last_public


@pytest.mark.db
def test_a_database_upgraded_from_the_clock_watermarks_is_indexed_at_start(
    world, session, engine, settings, app
):
    """Migration 0004 leaves no state row on a database with events; start-up rebuilds."""
    from fastapi.testclient import TestClient

    from registry.migrate import downgrade, upgrade

    session.close()
    engine.dispose()
    url = settings.resolved_database_url
    downgrade(url, "0003_search")
    with engine.begin() as conn:  # what the old index might hold: nothing useful
        conn.execute(sa.delete(idx.search_term))
        conn.execute(sa.delete(idx.search_doc))
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(idx.search_index_state)).all() == []
    with TestClient(app) as client:
        first = client.get("/index.json", params={"q": "housing"})
        assert [r["public_id"] for r in first.json()["results"]] == [world.main.public_id]
        assert "etag" in first.headers
    with engine.connect() as conn:
        assert conn.execute(sa.select(idx.search_index_state.c.event_id)).scalar_one() > 0


@pytest.mark.db
def test_a_new_database_starts_with_an_empty_index_at_stamp_zero(session):
    assert idx.public_stamp(session) == 0
    assert search(session, query=SearchQuery()).total == 0


def test_start_up_on_a_database_without_the_schema_warns_and_builds_nothing(tmp_path, caplog):
    from registry.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with caplog.at_level("WARNING", logger="registry.search_index"):
            assert idx.sync_at_start(engine) is None
        assert "run `registry db upgrade`" in caplog.text
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.db
def test_an_index_built_by_another_analyzer_is_rebuilt_at_start(world, session, engine, app):
    """Migration 0008 leaves existing indexes marked by no analyzer: start-up rebuilds them with
    stems and jieba's words, so an upgraded register finds "claiming" ("claims") at once."""
    from fastapi.testclient import TestClient

    stamp = idx.public_stamp(session)
    with engine.begin() as conn:  # an index of the old analyzer: words and bigrams only
        conn.execute(sa.delete(idx.search_term).where(idx.search_term.c.term.startswith("=")))
        conn.execute(sa.update(idx.search_index_state).values(analyzer=""))
    with engine.connect() as conn:  # (no search here: facet counts are cached under the stamp)
        assert (
            conn.execute(sa.select(idx.search_term).where(idx.search_term.c.term == "=claim")).all()
            == []
        )
    with TestClient(app) as client:
        found = client.get("/index.json", params={"q": "claiming"}).json()["results"]
        assert [r["public_id"] for r in found] == [world.main.public_id]
    with engine.connect() as conn:
        state = conn.execute(sa.select(idx.search_index_state)).one()
    assert state.analyzer == idx.ANALYZER
    assert state.event_id == stamp  # a rebuild, not a new public event
