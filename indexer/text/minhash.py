"""One story told by several articles: MinHash signatures over syllable shingles.

Computed at index time from the folded syllables the analysis already has (no pyvi).
Two articles' signatures agree on about as many of their ``NUM_PERM`` values as their
sets of 4-syllable shingles overlap (Jaccard similarity); locality-sensitive hashing
cuts each signature into ``BANDS`` bands whose hashes are indexed as terms, so the
articles likely to tell the same story are those sharing a band term: a posting list
away, whatever the collection's size, and new articles join as they are indexed.
"""

from __future__ import annotations

import base64
import zlib
from functools import lru_cache

import numpy as np

__all__ = ["BANDS", "NUM_PERM", "SHINGLE", "THRESHOLD", "band_terms", "decode", "encode", "signature",
           "similarity"]

NUM_PERM = 64
BANDS = 16  # of NUM_PERM // BANDS rows: pairs at Jaccard 0.5 share a band with p = 0.64, at 0.8 p = 1.0
SHINGLE = 4
# Estimated Jaccard similarity from which two articles are one story (checked on the
# signatures of the candidates the bands give).
THRESHOLD = 0.5
# Fewer syllables than this in the body: the title is shingled with it.
MIN_BODY = 40


@lru_cache(maxsize=1)
def _permutations():
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=18, hashfunc=zlib.crc32)
    return m.permutations, m.scheme


def signature(title_folds: list[str], body_folds: list[str]) -> np.ndarray | None:
    """The MinHash signature of an article's shingles (``None``: too short to compare)."""
    from datasketch import MinHash

    folds = body_folds if len(body_folds) >= MIN_BODY else title_folds + body_folds
    if len(folds) < SHINGLE + 4:
        return None
    shingles = {" ".join(folds[i:i + SHINGLE]).encode("utf-8") for i in range(len(folds) - SHINGLE + 1)}
    perms, scheme = _permutations()
    m = MinHash(num_perm=NUM_PERM, permutations=perms, scheme=scheme, hashfunc=zlib.crc32)
    m.update_batch(list(shingles))
    return m.hashvalues.astype(np.uint32)


def band_terms(sig: np.ndarray) -> list[str]:
    """One term per band: the band's number and the hash of its rows."""
    rows = NUM_PERM // BANDS
    return [f"{b:x}{zlib.crc32(sig[b * rows:(b + 1) * rows].tobytes()):08x}" for b in range(BANDS)]


def encode(sig: np.ndarray) -> str:
    return base64.b64encode(sig.astype("<u4").tobytes()).decode("ascii")


def decode(text: str) -> np.ndarray | None:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return None
    return np.frombuffer(raw, dtype="<u4") if len(raw) == 4 * NUM_PERM else None


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two articles' shingle sets."""
    return float(np.count_nonzero(a == b)) / NUM_PERM
