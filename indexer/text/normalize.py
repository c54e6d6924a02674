"""Vietnamese text normalisation: the one definition of "the same text".

Documents and queries pass through :func:`normalize` so that NFC/NFD/Windows-1258-style
mixed text, U+00D0 "Ð" for "Đ" and old/new tone placement all become one form before
pyvi sees them (pyvi segments ``hoà bình`` and ``hòa bình`` differently) and before
offsets are computed (offsets always refer to the normalised text we store).

:func:`clean_text` is the reader-level cleanup for article text (HTML entities, NBSP,
CRLF, control characters, blank lines); :func:`fold` removes diacritics for the
diacritic-free field.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["normalize", "clean_text", "fold", "has_diacritics", "TONE_MARKS"]

# Combining tone marks of Vietnamese: grave, acute, tilde, hook above, dot below.
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_TONE = f"[{TONE_MARKS}]"
# A following letter, digit or combining mark means the syllable goes on.
_NOT_END = r"(?![^\W_]|[\u0300-\u036f])"

# Old placement puts the tone on the last vowel of a syllable-final oa/oe/uy ("hoà",
# "khoẻ", "thuỷ", "uỷ"); the corpus' majority (and pyvi's training text) puts it on
# the first ("hòa", "khỏe", "thủy", "ủy"). "qu" + vowel keeps its placement ("quý").
_OLD_OA_OE = re.compile(rf"(?<![qQ])([oO])([aAeE])({_TONE}){_NOT_END}")
_OLD_UY = re.compile(rf"(?<![qQ])([uU])([yY])({_TONE}){_NOT_END}")

_LOOKALIKES = str.maketrans({
    "\u00d0": "\u0110",  # Ð (Icelandic eth) -> Đ
    "\u00f0": "\u0111",  # ð -> đ
    "\u0189": "\u0110",  # Ɖ (African D) -> Đ
    "\u0256": "\u0111",  # ɖ -> đ
})

# Characters that are whitespace to a reader (NBSP, thin spaces, ideographic space...).
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\x0b\x0c]+")
# Invisible characters that only split words: zero-width, soft hyphen, BOM, bidi marks.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e]")
# C0/C1 controls except newline (tabs were turned into spaces above).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def _fix_tone_placement(nfd: str) -> str:
    nfd = _OLD_OA_OE.sub(r"\1\3\2", nfd)
    return _OLD_UY.sub(r"\1\3\2", nfd)


# Fast paths (the output is the same as without them). One search finds any character
# the character-level steps below would change (a lone surrogate, a look-alike, an
# invisible or control character, a newline other than "\n", a space other than " ",
# or two spaces in a row); text without one passes those steps unchanged.
_NEEDS_CLEANING = re.compile(
    "[\ud800-\udfff\u00d0\u00f0\u0189\u0256\u00ad\u200b-\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e"
    "\r\u2028\u2029\x85\x00-\x08\x0e-\x1f\x7f-\x9f\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\x0b\x0c]|  ")
_SPACES_TO_FIX = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\x0b\x0c]|  ")
_HAS_LOOKALIKE = re.compile("[\u00d0\u00f0\u0189\u0256]")


def _tone_hint() -> re.Pattern[str]:
    """Where an NFC text may hold an old tone placement: "o"/"u" followed by a letter
    that decomposes to a/e/y + a tone mark and no further mark (or by a bare a/e/y + a
    tone mark), not after "q", and not followed by a letter or digit. In NFC text the decomposed "o a <tone>" of ``_OLD_OA_OE`` is
    always "o" + such a letter (o and a never compose; a/e/y compose with every tone
    mark; no other character decomposes to something ending in a/e/y/o/u), and a
    letter or digit decomposes to one that starts with a letter, digit or mark, which
    ends no syllable (checked over all of Unicode in tests/test_build_fastpaths.py).
    So text without a match is left unchanged by :func:`_fix_tone_placement` and by
    NFD -> NFC."""
    letters = []
    for cp in range(0x80, 0x2000):
        d = unicodedata.normalize("NFD", chr(cp))
        if len(d) > 1 and d[0] in "aAeEyY" and d[1] in TONE_MARKS and not "\u0300" <= d[2:3] <= "\u036f":
            letters.append(chr(cp))  # not "ệ": e, dot below, circumflex goes on after the tone
    return re.compile(f"[oOuU](?<![qQ].)(?:[{''.join(letters)}]|[aAeEyY]{_TONE})(?![^\\W_])")


_TONE_HINT = _tone_hint()


def normalize(text: str) -> str:
    """Return ``text`` in vnsearch's canonical form (Unicode-level only, keeps layout).

    NFC, Ð→Đ, one tone placement, lone surrogates replaced, invisible characters
    removed, runs of spaces collapsed. Newlines are kept (paragraph boundaries).
    Idempotent: ``normalize(normalize(x)) == normalize(x)``.
    """
    if not text:
        return ""
    found = _NEEDS_CLEANING.findall(text)
    if found:
        # Only the steps whose characters occur (the others would change nothing).
        found = "".join(set(found))
        if _SURROGATES.search(found) is not None:
            text = _SURROGATES.sub("\ufffd", text)
        if _HAS_LOOKALIKE.search(found) is not None:
            text = text.translate(_LOOKALIKES)
        if _INVISIBLE.search(found) is not None:
            text = _INVISIBLE.sub("", text)
        if "\r" in found:  # the common case of _NEWLINES, without a regex match per line
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if _NEWLINES.search(found.replace("\r", "")) is not None:
            text = _NEWLINES.sub("\n", text)
        if _CONTROLS.search(found) is not None:
            text = _CONTROLS.sub(" ", text)
        if _SPACES_TO_FIX.search(text) is not None:  # else every run is one " " already
            text = _SPACES.sub(" ", text)
    if unicodedata.is_normalized("NFC", text) and _TONE_HINT.search(text) is None:
        return text  # NFC(NFD(text)) is text, and no tone placement to fix
    # NFD first so that mixed (precomposed + combining) text has one shape to match;
    # the tone fix-up works on decomposed letters.
    nfd = unicodedata.normalize("NFD", text)
    nfd = _fix_tone_placement(nfd)
    return unicodedata.normalize("NFC", nfd)


def clean_text(text: str) -> str:
    """Normalise article text and tidy its layout: entities decoded, one paragraph a line.

    Used by the readers. HTML entities (``&quot;``, ``&#7897;``) are decoded first, since
    VNTC and scraped pages carry them, until none is left (metadata escaped twice,
    ``Chi&amp;#7871;n``, is common in CMS exports); then :func:`normalize`; then every
    line is stripped and empty lines dropped.
    """
    if not text:
        return ""
    for _ in range(3):  # "&amp;amp;#7871;" is the worst seen; a literal "&amp;" stays after 1
        if "&" not in text:
            break
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    text = normalize(text)
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii():
            table[cp] = base.lower()
    table[0x0110] = "d"
    table[0x0111] = "d"
    return table


_FOLD_TABLE = _build_fold_table()
_COMBINING = re.compile(r"[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lower-case and strip diacritics ("Đường" → "duong"); expects normalised text.

    Length-preserving on NFC Vietnamese, so offsets computed on the normalised text
    remain valid for the folded text.
    """
    out = text.lower().translate(_FOLD_TABLE)
    if not out.isascii():
        out = _COMBINING.sub("", out)
    return out


def has_combining_marks(text: str) -> bool:
    """True for decomposed text (NFD), where folding changes the length."""
    return not text.isascii() and _COMBINING.search(text) is not None


def folded_letters() -> set[str]:
    """The characters :func:`fold` maps to an ASCII letter (besides ASCII ones)."""
    return {chr(cp) for cp in _FOLD_TABLE}


def has_diacritics(text: str) -> bool:
    """True when folding would change ``text`` beyond case (the user typed marks)."""
    return fold(text) != text.lower()
