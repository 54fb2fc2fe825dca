"""The transparency log's pure parts: RFC 9162 Merkle hashing and proofs (``merkle``), signed-note
checkpoints and Ed25519 keys (``note``), the leaf encoding (``leaves``). No database, no web."""
