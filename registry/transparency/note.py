"""Signed checkpoints in the signed-note format of Go's sumdb and transparency-dev (C2SP).

A checkpoint is the note text::

    <origin>\\n<tree size, decimal>\\n<base64 root hash>\\n[<extension line>\\n ...]

followed by a blank line and one signature line per key::

    \\u2014 <key name> <base64(key hash (4 bytes, big-endian) || Ed25519 signature (64 bytes))>\\n

The signature is Ed25519 over the note text (every byte before the blank line, final newline
included). The key hash is the first four bytes of ``SHA-256(<key name> || "\\n" || 0x01 ||
<32-byte public key>)`` (0x01: the Ed25519 algorithm byte). Keys are written as Go's
``golang.org/x/mod/sumdb/note`` writes them: the verifier key ``<name>+<hash, 8 hex>+<base64(0x01
|| public key)>``, the signer key ``PRIVATE+KEY+<name>+<hash>+<base64(0x01 || 32-byte seed)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space


class NoteError(ValueError):
    """A key, note or checkpoint that cannot be read, with the reason."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise NoteError(f"{what} is not base64") from exc


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


def key_hash(name: str, public: bytes) -> int:
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class VerifierKey:
    name: str
    public: bytes  # 32 bytes

    @property
    def hash(self) -> int:
        return key_hash(self.name, self.public)

    def text(self) -> str:
        return f"{self.name}+{self.hash:08x}+{_b64(bytes([ALG_ED25519]) + self.public)}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        parts = text.strip().split("+", 2)  # base64 may hold "+" too
        if len(parts) != 3:
            raise NoteError("a verifier key is <name>+<hash>+<base64 key>")
        name, hash_hex, key_b64 = parts
        raw = _unb64(key_b64, "the verifier key")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("the verifier key is not an Ed25519 key (0x01 and 32 bytes)")
        key = cls(_check_name(name), raw[1:])
        if f"{key.hash:08x}" != hash_hex.lower():
            raise NoteError(f"the verifier key's hash {hash_hex} does not match its name and key")
        return key

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    name: str
    seed: bytes  # 32 bytes

    @classmethod
    def generate(cls, name: str) -> SignerKey:
        return cls(_check_name(name), os.urandom(32))

    # Cached on the instance (the key is immutable; ``load_signer`` keeps one instance): each
    # checkpoint then costs one Ed25519 signature, not a key derivation and a hash as well.
    @cached_property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @cached_property
    def _key_id(self) -> bytes:
        return struct.pack(">I", self.verifier.hash)

    @cached_property
    def verifier(self) -> VerifierKey:
        public = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return VerifierKey(self.name, public)

    def text(self) -> str:
        h = self.verifier.hash
        return f"PRIVATE+KEY+{self.name}+{h:08x}+{_b64(bytes([ALG_ED25519]) + self.seed)}"

    @classmethod
    def parse(cls, text: str) -> SignerKey:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signer key is PRIVATE+KEY+<name>+<hash>+<base64 key>")
        raw = _unb64(parts[4], "the signer key")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("the signer key is not an Ed25519 key (0x01 and 32 bytes)")
        key = cls(_check_name(parts[2]), raw[1:])
        if f"{key.verifier.hash:08x}" != parts[3].lower():
            raise NoteError("the signer key's hash does not match its name and key")
        return key

    def sign(self, text: str) -> str:
        """The signature line (with its newline) for the note ``text``."""
        signature = self._private.sign(text.encode("utf-8"))
        blob = self._key_id + signature
        return f"{SIGNATURE_PREFIX}{self.name} {_b64(blob)}\n"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), _b64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)


@dataclass(frozen=True)
class Signature:
    name: str
    key_hash: int
    signature: bytes


@dataclass(frozen=True)
class SignedNote:
    text: str
    signatures: tuple[Signature, ...]

    def checkpoint(self) -> Checkpoint:
        return parse_checkpoint(self.text)

    def verified_by(self, keys: list[VerifierKey]) -> VerifierKey | None:
        """The first of ``keys`` whose signature on this note verifies, or None."""
        message = self.text.encode("utf-8")
        for sig in self.signatures:
            for key in keys:
                known = key.name == sig.name and key.hash == sig.key_hash
                if known and key.verify(message, sig.signature):
                    return key
        return None


def sign_checkpoint(checkpoint: Checkpoint, signer: SignerKey) -> str:
    text = checkpoint.text()
    return text + "\n" + signer.sign(text)


def parse_note(note: str) -> SignedNote:
    """Split a signed note into its text and signatures (not yet verified)."""
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteError("a signed note is text, a blank line, and signature lines")
    text += "\n"
    signatures = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"signature line {line!r} does not start with an em dash")
        try:
            name, blob_b64 = line[len(SIGNATURE_PREFIX) :].split(" ")
        except ValueError:
            raise NoteError(f"signature line {line!r} is not '— <name> <signature>'") from None
        blob = _unb64(blob_b64, "the signature")
        if len(blob) != 4 + 64:
            raise NoteError("an Ed25519 note signature is 4 + 64 bytes")
        signatures.append(Signature(name, struct.unpack(">I", blob[:4])[0], blob[4:]))
    return SignedNote(text, tuple(signatures))


def parse_checkpoint(text: str) -> Checkpoint:
    if not text.endswith("\n"):
        raise NoteError("a checkpoint ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint has an origin, a tree size and a root hash line")
    origin, size_text, root_b64, *extensions = lines
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"the tree size {size_text!r} is not a decimal number")
    root = _unb64(root_b64, "the root hash")
    if len(root) != 32:
        raise NoteError("the root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


# --- key files -------------------------------------------------------------------------------


def write_private_file(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only (0600) and write ``text``; never overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def read_verifier_keys(path: Path) -> list[VerifierKey]:
    """The verifier keys in ``path``, one a line (blank lines and ``#`` comments skipped)."""
    if not path.exists():
        return []
    keys = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keys.append(VerifierKey.parse(line))
    return keys
