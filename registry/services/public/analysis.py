"""Text analysis for the public search: the terms a document is indexed under and the match tree a
query asks for.

Documents (:func:`document_terms`):

- every non-Han word, lower-cased (NFKC, casefold), which queries match by prefix;
- its English stem (Snowball, ``snowballstemmer``) as ``=stem``: the ``=`` keeps stems apart from
  words (no word contains it), so ``benefits`` finds "benefit" and "did you mean" offers words only;
- Han text: every character, every overlapping bigram (Chinese has no spaces, so 教育 is found
  inside any longer text) and the words of jieba's search-engine segmentation (``人脸识别``).

Queries (:func:`parse_query`) become an AND of matches, one per query word:

- a non-Han word matches a term starting with it, or its stem;
- a Han run is segmented by jieba; each word (runs of one-character words joined) matches the
  documents holding all its bigrams, so "福利资格" finds "福利申请资格" although 利资 is nowhere;
- a phrase of the synonym table (``synonyms.toml``, English and Chinese together) matches any
  phrase of its group: "face recognition" also finds "face matching" and 人脸识别.

jieba is loaded on first use (about a second the first time a process meets Chinese text), quietly,
with its dictionary cache in a private per-user folder rather than the shared temporary folder
(a cache file is unmarshalled: one in a world-writable folder could be planted by another user).

Changing what documents are indexed under means changing :data:`ANALYZER`: the app's start-up
rebuilds an index built by another analyzer (``search_index.sync_at_start``).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import tomllib
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer

ANALYZER = "words+stems+han-bigrams+jieba/1"  # stored with the index; a change rebuilds it
MAX_TERM_LENGTH = 64
MAX_QUERY_WORDS = 12
STEM_MARK = "="
SYNONYMS_FILE = Path(__file__).with_name("synonyms.toml")

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_stemmer_lock = threading.Lock()
_stemmer = snowballstemmer.stemmer("english")
_jieba_lock = threading.Lock()
_jieba: Any = None


def is_han(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
    )


def _runs(text: str) -> Iterator[tuple[bool, str]]:
    """Split a word into alternating (is_han, run) pieces."""
    current: list[str] = []
    han = False
    for ch in text:
        ch_han = is_han(ch)
        if current and ch_han != han:
            yield han, "".join(current)
            current = []
        han = ch_han
        current.append(ch)
    if current:
        yield han, "".join(current)


def normalise_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def pieces(text: str) -> Iterator[tuple[bool, str]]:
    """(is_han, run) for every word of ``text`` after normalisation, Han and other runs apart."""
    for word in _WORD.findall(normalise_text(text)):
        yield from _runs(word)


@lru_cache(maxsize=65_536)  # pure Python Snowball costs tens of microseconds a word
def stem(word: str) -> str:
    with _stemmer_lock:  # a Snowball stemmer object keeps state between calls
        return str(_stemmer.stemWord(word))


def _cache_dir() -> str:
    """A folder only this user can write: $XDG_CACHE_HOME (or ~/.cache)/algorithm-registry."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "algorithm-registry")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if os.stat(folder).st_uid == os.getuid() and os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="registry-jieba-")  # private (0700); rebuilt next process


def segmenter() -> Any:
    """The process's jieba tokenizer, initialised on first use without printing anything."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                with warnings.catch_warnings():  # jieba 0.42 imports pkg_resources
                    warnings.simplefilter("ignore")
                    import jieba

                logging.getLogger("jieba").setLevel(logging.WARNING)  # no "Building prefix dict"
                tokenizer = jieba.Tokenizer()
                tokenizer.tmp_dir = _cache_dir()
                tokenizer.cache_file = f"jieba-{jieba.__version__}.cache"
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


def han_words(run: str) -> list[str]:
    """jieba's precise segmentation of a Han run, consecutive one-character words joined."""
    if len(run) <= 2:
        return [run]
    out: list[str] = []
    single = ""
    for word in segmenter().cut(run, HMM=False):
        if len(word) == 1:
            single += word
            continue
        if single:
            out.append(single)
            single = ""
        out.append(word)
    if single:
        out.append(single)
    return out


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def document_terms(text: str) -> set[str]:
    """Every term stored for ``text``: words and their stems, Han characters, bigrams, words."""
    terms: set[str] = set()
    for han, run in pieces(text):
        if han:
            terms.update(run)
            terms.update(_bigrams(run))
            if len(run) > 2:
                terms.update(
                    w for w in segmenter().cut_for_search(run, HMM=False) if 2 < len(w) <= 16
                )
        else:
            word = run[:MAX_TERM_LENGTH]
            terms.add(word)
            terms.add((STEM_MARK + stem(word))[:MAX_TERM_LENGTH])
    return terms


# --- queries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One index lookup: ``text`` exactly, or any term starting with it."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class All:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    parts: tuple[Node, ...]


Node = Term | All | Any_


@dataclass(frozen=True)
class Word:
    """A word of the query as the reader wrote it (after normalisation) and its match."""

    text: str
    han: bool
    match: Node


def word_match(han: bool, text: str) -> Node:
    if han:
        grams = tuple(Term(g) for g in _bigrams(text))
        return grams[0] if len(grams) == 1 else All(grams)
    word = text[:MAX_TERM_LENGTH]
    return Any_((Term(word, prefix=True), Term((STEM_MARK + stem(word))[:MAX_TERM_LENGTH])))


def query_words(text: str) -> list[Word]:
    """The query's words in order: non-Han words, and jieba's words of each Han run."""
    words: list[Word] = []
    for han, run in pieces(text):
        for w in han_words(run) if han else [run]:
            words.append(Word(w, han, word_match(han, w)))
    return words


@dataclass(frozen=True)
class _Phrase:
    keys: tuple[str, ...]  # stems of English words, or one Han string
    han: bool
    match: Node


@cache
def synonym_groups() -> tuple[tuple[_Phrase, ...], ...]:
    """The synonym table, each phrase parsed once (the file is part of the package)."""
    data = tomllib.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    groups = []
    for group in data["group"]:
        phrases = []
        for phrase in group["terms"]:
            parts = list(pieces(phrase))
            han = all(h for h, _run in parts)
            if not parts or (not han and any(h for h, _run in parts)):
                raise ValueError(f"synonyms.toml: {phrase!r} mixes Han and other letters")
            if han:  # a fixed phrase: all its bigrams, however jieba would cut it
                run = "".join(run for _h, run in parts)
                words = [word_match(True, run)]
                keys: tuple[str, ...] = (run,)
            else:
                words = [word_match(False, run) for _h, run in parts]
                keys = tuple(stem(run) for _h, run in parts)
            match = words[0] if len(words) == 1 else All(tuple(words))
            phrases.append(_Phrase(keys, han, match))
        groups.append(tuple(phrases))
    return tuple(groups)


def _synonyms_at(words: list[Word], i: int) -> tuple[int, Node] | None:
    """The longest synonym phrase starting at word ``i``: (words it covers, its group's match)."""
    best: tuple[int, Node] | None = None
    for group in synonym_groups():
        for phrase in group:
            if phrase.han:
                covered = _han_cover(words, i, phrase.keys[0])
            else:
                n = len(phrase.keys)
                window = words[i : i + n]
                ok = len(window) == n and all(
                    not w.han and stem(w.text) == k
                    for w, k in zip(window, phrase.keys, strict=True)
                )
                covered = n if ok else 0
            if covered and (best is None or covered > best[0]):
                best = (covered, Any_(tuple(p.match for p in group)))
    if best is None:
        return None
    # the reader's own words stay an alternative: "hous" is the stem of "housing", and must still
    # find "household" by prefix
    covered, group_match = best
    own = [w.match for w in words[i : i + covered]]
    own_match = own[0] if len(own) == 1 else All(tuple(own))
    if own_match in group_match.parts:  # type: ignore[union-attr]
        return best
    return covered, Any_((own_match, *group_match.parts))  # type: ignore[union-attr]


def _han_cover(words: list[Word], i: int, phrase: str) -> int:
    """How many Han words from ``i`` spell exactly ``phrase`` (0: they do not)."""
    text = ""
    for j in range(i, len(words)):
        if not words[j].han:
            return 0
        text += words[j].text
        if text == phrase:
            return j - i + 1
        if not phrase.startswith(text):
            return 0
    return 0


@lru_cache(maxsize=4096)
def parse_query(text: str) -> tuple[Node, ...]:
    """The matches a query asks for, all of which a document must meet (empty: no text).
    Cached: a search parses its text for the counts and again for the page."""
    words = query_words(text)[:MAX_QUERY_WORDS]
    out: list[Node] = []
    seen: set[Node] = set()
    i = 0
    while i < len(words):
        synonyms = _synonyms_at(words, i)
        if synonyms is not None:
            covered, node = synonyms
        else:
            covered, node = 1, words[i].match
        if node not in seen:
            seen.add(node)
            out.append(node)
        i += covered
    return tuple(out)


def terms_of(node: Node) -> Iterable[Term]:
    if isinstance(node, Term):
        yield node
    else:
        for part in node.parts:
            yield from terms_of(part)
