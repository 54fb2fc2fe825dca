"""Signed notes and checkpoints, byte for byte as Go's golang.org/x/mod/sumdb/note writes them."""

from __future__ import annotations

import pytest

from registry.transparency.note import (
    Checkpoint,
    NoteError,
    SignerKey,
    VerifierKey,
    parse_checkpoint,
    parse_note,
    sign_checkpoint,
)

# The example in the package documentation of golang.org/x/mod/sumdb/note (Ed25519 is
# deterministic, so signing the text with the key gives exactly this signature line).
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdn"
    "gotpRZb6KE6RyyBwJnAM=\n"
)


def test_keys_and_signature_match_gos_note_package():
    signer = SignerKey.parse(GO_SIGNER)
    assert signer.text() == GO_SIGNER
    assert signer.verifier.text() == GO_VERIFIER
    assert signer.sign(GO_TEXT) == GO_SIGNATURE
    note = parse_note(GO_TEXT + "\n" + GO_SIGNATURE)
    assert note.text == GO_TEXT
    assert note.verified_by([VerifierKey.parse(GO_VERIFIER)]) is not None


def test_a_changed_text_or_another_key_does_not_verify():
    key = VerifierKey.parse(GO_VERIFIER)
    changed = parse_note(GO_TEXT.replace("answer", "question") + "\n" + GO_SIGNATURE)
    assert changed.verified_by([key]) is None
    other = SignerKey.generate("PeterNeumann")
    forged = parse_note(GO_TEXT + "\n" + other.sign(GO_TEXT))
    assert forged.verified_by([key]) is None
    assert forged.verified_by([other.verifier]) is not None


def test_a_checkpoint_round_trips_and_names_its_parts():
    signer = SignerKey.generate("example.org/log")
    checkpoint = Checkpoint("example.org/log", 12, bytes(range(32)), ("time 2026-12-01T10:00:00Z",))
    text = sign_checkpoint(checkpoint, signer)
    lines = text.split("\n")
    assert lines[:5] == [
        "example.org/log",
        "12",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "time 2026-12-01T10:00:00Z",
        "",
    ]
    assert lines[5].startswith("\u2014 example.org/log ")
    note = parse_note(text)
    assert note.checkpoint() == checkpoint
    assert note.verified_by([signer.verifier]) is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("origin\n012\nAAAA\n", "tree size '012' is not a decimal number"),
        ("origin\n1\nAAAA\n", "root hash is not 32 bytes"),
        ("origin\n1\n", "has an origin, a tree size and a root hash line"),
        ("origin\n1\n!!\n", "root hash is not base64"),
    ],
)
def test_bad_checkpoints_are_refused_with_the_reason(text, message):
    with pytest.raises(NoteError, match=message):
        parse_checkpoint(text)


def test_bad_keys_are_refused_with_the_reason():
    with pytest.raises(NoteError, match="hash c74f20a4 does not match"):
        VerifierKey.parse(GO_VERIFIER.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(NoteError, match="without spaces"):
        SignerKey.generate("two words")
    with pytest.raises(NoteError, match="blank line"):
        parse_note(GO_TEXT)
