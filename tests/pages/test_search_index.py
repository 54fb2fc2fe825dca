"""The public search index: tokens, freshness after writes, and index use (no table scans)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from registry.services.public import search_index as idx
from registry.services.public.search import SearchQuery, _conditions, search


def test_document_terms_index_words_han_characters_and_bigrams():
    terms = idx.document_terms("Housing Benefit 住房福利")
    assert {"housing", "benefit", "住", "房", "福", "利", "住房", "房福", "福利"} <= terms
    assert idx.query_terms("福利 Hous") == [("福利", False), ("hous", True)]
    assert idx.query_terms("福") == [("福", False)]
    assert idx.query_terms("  ,;  ") == []


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


@pytest.mark.db
def test_postgresql_search_terms_are_answered_from_the_index(world, session, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL plan")
    search(session, query=SearchQuery(q="housing benefit"))
    session.commit()
    with engine.connect() as conn:
        # Tiny test tables make a sequential scan cheapest; forbid it to show the index applies.
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {_page_query(engine)}"))
    assert "pk_search_term" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.db
def test_search_queries_use_indexes_not_table_scans(world, session, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; see the PostgreSQL test above")
    search(session, query=SearchQuery(q="housing benefit"))
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
