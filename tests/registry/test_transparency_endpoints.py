"""The log's public endpoints, and `registry verify URL` reading nothing but them."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.services import transparency
from registry.transparency import merkle
from registry.transparency.note import Checkpoint, parse_note, sign_checkpoint
from registry.transparency.remote import compare_checkpoints, verify_remote
from tests.registry.factories import make_published_algorithm

pytestmark = pytest.mark.db

LOG = "/api/v1/log"


@pytest.fixture
def keyed(settings, session):
    transparency.generate_key(settings, name="test.example/log")
    session.info[transparency.SETTINGS_KEY] = settings
    return settings


def fetcher(client):  # type: ignore[no-untyped-def]
    def fetch(path: str) -> str:
        response = client.get(f"{LOG}/{path}")
        assert response.status_code == 200, response.text
        return response.text  # type: ignore[no-any-return]

    return fetch


def test_before_any_checkpoint_the_checkpoint_is_404_in_the_error_shape(client):
    response = client.get(f"{LOG}/checkpoint")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "The log has no signed checkpoint yet."
    text = client.get("/log/checkpoint")
    assert text.status_code == 404 and text.text == "The log has no signed checkpoint yet.\n"


def test_checkpoint_keys_and_entries_are_public_text_and_json_with_cache_headers(
    client, session, keyed
):
    make_published_algorithm(session, versions=3)
    checkpoint = client.get("/log/checkpoint")
    assert checkpoint.status_code == 200
    assert checkpoint.headers["content-type"].startswith("text/plain")
    assert checkpoint.headers["cache-control"] == "public, max-age=10"
    assert checkpoint.text.startswith("algorithm-registry/log\n3\n")
    as_json = client.get(f"{LOG}/checkpoint")
    assert as_json.headers["cache-control"] == "public, max-age=10"
    body = as_json.json()
    assert body["note"] == checkpoint.text and body["size"] == 3
    assert body["root_hash"] == transparency.root_at(session, 3).hex()
    keys = client.get("/log/keys")
    assert keys.text.startswith("test.example/log+") and keys.text.count("\n") == 1
    assert client.get(f"{LOG}/keys").json() == {"keys": [keys.text.strip()]}
    page = client.get(f"{LOG}/entries", params={"start": 1, "end": 3})
    assert page.headers["cache-control"] == "public, max-age=31536000, immutable"
    body = page.json()
    assert body["tree_size"] == 3
    assert [e["index"] for e in body["entries"]] == [1, 2]
    for entry in body["entries"]:
        assert entry["leaf_hash"] == merkle.leaf_hash(entry["leaf"].encode()).hex()
        assert json.loads(entry["leaf"])["kind"] == "version.published"
    assert client.get(f"{LOG}/entries").headers["cache-control"] == "public, max-age=10"
    empty = client.get(f"{LOG}/entries", params={"start": 3})
    assert empty.status_code == 200 and empty.json() == {"tree_size": 3, "entries": []}


def test_bad_ranges_and_sizes_are_refused_naming_the_parameter(client, session, keyed):
    make_published_algorithm(session, versions=2)
    beyond = client.get(f"{LOG}/entries", params={"start": 1, "end": 5})
    assert beyond.status_code == 422
    assert beyond.json()["error"]["details"][0]["loc"] == ["query", "end"]
    assert "tree size 2" in beyond.json()["error"]["message"]
    index = client.get(f"{LOG}/proof/inclusion", params={"index": 2})
    assert index.status_code == 422
    assert index.json()["error"]["details"][0]["loc"] == ["query", "index"]
    size = client.get(f"{LOG}/proof/inclusion", params={"index": 0, "size": 3})
    assert size.json()["error"]["details"][0]["loc"] == ["query", "size"]
    unknown = client.get(f"{LOG}/proof/inclusion", params={"leaf_hash": "ab" * 32})
    assert unknown.status_code == 404
    bad_hash = client.get(f"{LOG}/proof/inclusion", params={"leaf_hash": "xyz"})
    assert bad_hash.status_code == 422
    consistency = client.get(f"{LOG}/proof/consistency", params={"first": 3, "second": 2})
    assert consistency.json()["error"]["details"][0]["loc"] == ["query", "first"]


def test_proofs_by_index_and_by_leaf_hash_verify_against_the_signed_root(client, session, keyed):
    make_published_algorithm(session, versions=5)
    note = parse_note(client.get("/log/checkpoint").text)
    signed = note.checkpoint()
    entries = client.get(f"{LOG}/entries").json()["entries"]
    for entry in entries:
        by_hash = client.get(f"{LOG}/proof/inclusion", params={"leaf_hash": entry["leaf_hash"]})
        proof = by_hash.json()
        assert proof["index"] == entry["index"] and proof["tree_size"] == 5
        assert merkle.verify_inclusion(
            bytes.fromhex(entry["leaf_hash"]),
            entry["index"],
            5,
            [bytes.fromhex(p) for p in proof["proof"]],
            signed.root,
        )
    old = client.get(f"{LOG}/proof/inclusion", params={"index": 1, "size": 3}).json()
    assert old["root_hash"] == transparency.root_at(session, 3).hex()
    answer = client.get(f"{LOG}/proof/consistency", params={"first": 2, "second": 5}).json()
    assert merkle.verify_consistency(
        2,
        5,
        bytes.fromhex(answer["first_root"]),
        signed.root,
        [bytes.fromhex(p) for p in answer["proof"]],
    )


def test_the_log_is_read_only(client, session, keyed):
    make_published_algorithm(session, versions=1)
    for path in ("checkpoint", "entries", "keys", "proof/inclusion?index=0"):
        assert client.post(f"{LOG}/{path}").status_code in (401, 405)
        assert client.delete(f"{LOG}/{path}").status_code in (401, 405)
    for path in ("/log/checkpoint", "/log/keys"):
        assert client.post(path).status_code in (401, 405)
    assert client.get(f"{LOG}/entries").status_code == 200


# --- the remote verifier ----------------------------------------------------------------------


def test_verify_remote_checks_everything_and_extends_the_saved_checkpoint(client, session, keyed):
    make_published_algorithm(session, versions=3)
    first = verify_remote(fetcher(client))
    assert first.ok, first.problems
    assert first.entries == 3 and first.note is not None
    make_published_algorithm(session, versions=2)
    second = verify_remote(fetcher(client), saved=first.note)
    assert second.ok, second.problems
    assert second.checkpoint is not None and second.checkpoint.size == 5


def test_split_view_two_signed_checkpoints_of_one_size_are_inconsistent(client, session, keyed):
    make_published_algorithm(session, versions=3)
    signer = transparency.load_signer(keyed)
    assert signer is not None
    other_history = Checkpoint("algorithm-registry/log", 3, merkle.leaf_hash(b"another"))
    saved = sign_checkpoint(other_history, signer)
    report = verify_remote(fetcher(client), saved=saved)
    assert len(report.problems) == 1
    assert report.problems[0].startswith(
        "split view: two signed checkpoints of size 3 with different roots"
    )


def test_a_rewritten_saved_history_fails_the_consistency_proof(client, session, keyed):
    make_published_algorithm(session, versions=5)
    signer = transparency.load_signer(keyed)
    assert signer is not None
    rewritten = sign_checkpoint(
        Checkpoint("algorithm-registry/log", 3, merkle.leaf_hash(b"rewritten")), signer
    )
    report = verify_remote(fetcher(client), saved=rewritten)
    assert report.problems[0] == (
        "the consistency proof from size 3 to 5 does not verify: the saved history was rewritten"
    )


def test_compare_checkpoints_names_a_shrunk_log_and_another_log():
    a = Checkpoint("log-a", 5, bytes(32))
    assert compare_checkpoints(a, Checkpoint("log-a", 4, bytes(32)), None, None) == [
        "the log shrank: the saved checkpoint has 5 entries, the new 4"
    ]
    assert compare_checkpoints(a, Checkpoint("log-b", 6, bytes(32)), None, None)[0].startswith(
        "the saved checkpoint is of log 'log-a'"
    )


def test_a_served_entry_that_does_not_hash_to_its_leaf_is_named(client, session, keyed):
    make_published_algorithm(session, versions=3)
    real = fetcher(client)

    def tampering(path: str) -> str:
        text = real(path)
        if path.startswith("entries"):
            body = json.loads(text)
            body["entries"][1]["leaf"] = body["entries"][1]["leaf"].replace(
                '"index":1', '"index":1 '
            )
            text = json.dumps(body)
        return text

    report = verify_remote(tampering)
    assert report.problems == ["entry 1: its leaf hash is not SHA-256(0x00 || leaf)"]


def test_a_checkpoint_by_an_untrusted_key_is_refused(client, session, keyed):
    from registry.transparency.note import SignerKey

    make_published_algorithm(session, versions=1)
    other = SignerKey.generate("test.example/log").verifier
    report = verify_remote(fetcher(client), trusted=[other])
    assert report.problems == [
        "the latest checkpoint has no valid signature by a trusted key (signed as test.example/log)"
    ]


def test_registry_verify_url_saves_the_checkpoint_and_exits_1_on_a_split_view(
    client, session, keyed, tmp_path: Path, monkeypatch
):
    from registry.cli import transparency as cli_transparency

    monkeypatch.setattr(cli_transparency, "http_client", lambda: contextlib.nullcontext(client))
    make_published_algorithm(session, versions=2)
    saved = tmp_path / "checkpoint.txt"
    runner = CliRunner()
    first = runner.invoke(cli_app, ["verify", "http://testserver", "--since", str(saved)])
    assert first.exit_code == 0, first.output
    assert "verified: 2 entries; checkpoint of size 2" in first.output
    assert saved.read_text().startswith("algorithm-registry/log\n2\n")
    signer = transparency.load_signer(keyed)
    assert signer is not None
    saved.write_text(sign_checkpoint(Checkpoint("algorithm-registry/log", 2, bytes(32)), signer))
    split = runner.invoke(cli_app, ["verify", "http://testserver", "--since", str(saved)])
    assert split.exit_code == 1
    assert split.output.splitlines()[-1].startswith("FAILED: split view")


# --- the pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "Recorded in the public log as entry 1, so anyone can check"),
        ("zh-CN", "已作为第 1 条记入公开日志"),
    ],
)
def test_version_and_audit_pages_say_where_they_are_in_the_log(
    client, session, keyed, lang, sentence
):
    from registry.models import Role
    from registry.services.audits import publication
    from tests.registry.factories import T0, make_account
    from tests.registry.stored_audits import stored_audit

    algorithm = make_published_algorithm(session, versions=2)
    page = client.get(f"/algorithms/{algorithm.public_id}?lang={lang}")
    assert sentence in page.text
    assert 'href="/api/v1/log/proof/inclusion?index=1"' in page.text
    first = client.get(f"/algorithms/{algorithm.public_id}/versions/1.json?lang={lang}").json()
    assert first["log_entry"] == {
        "index": 0,
        "proof_url": "/api/v1/log/proof/inclusion?index=0",
        "checkpoint_url": "/log/checkpoint",
    }
    auditor = make_account(session, role=Role.auditor)
    audit = stored_audit(session, algorithm, auditor, "AUD-PAGE-1")
    publication.publish_audit(session, actor=auditor, audit=audit, now=T0)
    audit_json = client.get(f"/audits/{audit.public_id}.json?lang={lang}").json()
    assert audit_json["log_entry"]["index"] == 2
    audit_page = client.get(f"/audits/{audit.public_id}?lang={lang}")
    assert sentence.replace("1", "2") in audit_page.text
    proof = client.get(audit_json["log_entry"]["proof_url"]).json()
    assert proof["index"] == 2 and proof["tree_size"] == 3


def test_a_register_without_a_log_entry_shows_no_log_line(client, session):
    from registry.models.transparency import LogEntry, LogNode

    algorithm = make_published_algorithm(session, versions=1)
    session.execute(sa.delete(LogNode))
    session.execute(sa.delete(LogEntry))
    session.commit()
    page = client.get(f"/algorithms/{algorithm.public_id}")
    assert page.status_code == 200
    assert "Recorded in the public log" not in page.text
    assert client.get(f"/algorithms/{algorithm.public_id}.json").json()["log_entry"] is None
