"""Telex and VNI keystrokes typed with the input method off, read back as Vietnamese.

"tieengs vieetj" (Telex) and "tie61ng vie65t" (VNI) are what a phone or a keyboard sends
when the Vietnamese input method is off. Each word is decoded on its own from two small
tables (the keys that add a quality mark and the keys that add a tone), and the result
must be one well-formed Vietnamese syllable (:func:`indexer.normalize.is_syllable`),
else the word is not keystrokes. Which decoded words a query is read with is the caller's
choice (:func:`read_keystrokes`' ``accept``; search takes a word only where the index
knows the syllable and not the word as typed). The decoder works on strings: microseconds.

Telex: ``aa ee oo`` → â ê ô, ``aw ow uw`` (and ``uow``) → ă ơ ư (ươ), a lone ``w`` → ư,
``dd`` → đ, tone keys ``s f r x j``; VNI: ``6`` circumflex, ``7`` horn, ``8`` breve,
``9`` đ, tones ``1 2 3 4 5``. Marks may be typed right after their vowel or later in
the word, as the common input methods accept ("tieengs", "tieensg", "tiengse"; "tie61ng",
"tieng61").
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from indexer.text.normalize import is_syllable, normalize, place_tone

__all__ = ["KeystrokeReading", "decode_telex", "decode_vni", "encode", "read_keystrokes"]

_TELEX_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_VNI_TONES = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
_VOWELS = "aeiouy"
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class KeystrokeReading:
    """A query read as keystrokes: the method, the decoded text, the words changed."""

    method: str  # "telex" or "vni"
    text: str
    words: tuple[tuple[str, str], ...]  # (typed, decoded) of each changed word


class _Letters:
    """A word being decoded: base letters, each with its quality mark, and one tone."""

    def __init__(self) -> None:
        self.bases: list[str] = []
        self.marks: list[str] = []
        self.tone = ""
        self.paired: int | None = None  # the u a "w" after "uo" horned along with the o

    def add(self, ch: str) -> None:
        self.bases.append(ch)
        self.marks.append("")

    def has_vowel(self) -> bool:
        return any(b in _VOWELS for b in self.bases)

    def nucleus(self) -> list[int]:
        """Indexes of the vowel letters that can take a mark (not the u of qu, the i of gi)."""
        idx = [i for i, b in enumerate(self.bases) if b in _VOWELS]
        if len(idx) > 1 and idx[0] == 1 and self.bases[0] in "qg" and self.bases[1] in "ui" \
                and (self.bases[0], self.bases[1]) in (("q", "u"), ("g", "i")):
            idx = idx[1:]
        return idx

    def set_tone(self, tone: str) -> bool:
        if self.tone or not self.has_vowel():
            return False
        self.tone = tone
        return True

    def circumflex(self, vowel: str | None = None) -> bool:
        """â ê ô on the (last) a/e/o of the nucleus, or on ``vowel`` only."""
        for i in reversed(self.nucleus()):
            if self.bases[i] in "aeo" and (vowel is None or self.bases[i] == vowel) and not self.marks[i]:
                self.marks[i] = _CIRCUMFLEX
                return True
        return False

    def horn_or_breve(self, breve: bool = True, horn: bool = True) -> bool:
        """Telex w / VNI 7 and 8: ươ for u+o, else ơ / ư, else ă."""
        nuc = self.nucleus()
        for a, b in itertools.pairwise(nuc):
            if horn and self.bases[a] == "u" and self.bases[b] == "o" and self.marks[b] == "":
                self.paired = a if not self.marks[a] else None
                self.marks[a] = self.marks[b] = _HORN
                return True
        for i in reversed(nuc):
            if horn and self.bases[i] in "ou" and self.marks[i] in ("", _CIRCUMFLEX):  # "toowi": ô -> ơ
                self.marks[i] = _HORN
                return True
            if breve and self.bases[i] == "a" and not self.marks[i]:
                self.marks[i] = _BREVE
                return True
        return False

    def stroke_d(self) -> bool:
        if self.bases[:1] == ["d"] and not self.marks[0]:
            self.bases[0] = "đ"
            return True
        return False

    def text(self) -> str:
        for i in range(len(self.bases) - 1):  # "duwoi": ư + o is always ươ
            if self.marks[i] == _HORN and self.bases[i] == "u" and self.bases[i + 1] == "o" \
                    and not self.marks[i + 1]:
                self.marks[i + 1] = _HORN
        if self.paired is not None and self.paired == len(self.bases) - 2:
            self.marks[-2] = ""  # "thuowr": an open uơ is "thuở", as the input methods type it
        parts = [b + m for b, m in zip(self.bases, self.marks)]
        nuc = self.nucleus()
        if self.tone and nuc:
            parts[nuc[0]] += self.tone
        return place_tone(unicodedata.normalize("NFC", "".join(parts)))


def _recase(typed: str, decoded: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return decoded.upper()
    if typed[:1].isupper():
        return decoded[:1].upper() + decoded[1:]
    return decoded


def _finish(typed: str, letters: _Letters, used_keys: bool) -> str | None:
    if not used_keys:
        return None
    out = letters.text()
    return _recase(typed, out) if is_syllable(out) else None


def decode_telex(word: str) -> str | None:
    """The syllable ``word`` spells as Telex keystrokes, or None when it does not
    decode cleanly (no key used, a key with nothing to act on, not a syllable)."""
    low = word.lower()
    if not low.isascii() or not low.isalpha():
        return None
    letters = _Letters()
    used = False
    i = 0
    while i < len(low):
        c = low[i]
        if c in _TELEX_TONES and letters.has_vowel():
            if not letters.set_tone(_TELEX_TONES[c]):
                return None
            used = True
        elif c == "w":
            if letters.has_vowel():
                if not letters.horn_or_breve():
                    return None
            else:  # "w" alone types ư ("nhwng", "wowf")
                letters.add("u")
                letters.marks[-1] = _HORN
            used = True
        elif c == "d" and letters.bases == ["d"]:
            letters.stroke_d()
            used = True
        elif c in "aeo" and letters.has_vowel() and letters.circumflex(c):
            used = True  # "aa", "ee", "oo", also typed after the final consonant
        else:
            letters.add(c)
        i += 1
    return _finish(word, letters, used)


def decode_vni(word: str) -> str | None:
    """The syllable ``word`` spells as VNI keystrokes (letters and the digits 1-9), or None."""
    low = word.lower()
    if not low.isascii() or not low.isalnum() or low.isdigit() or not low[0].isalpha():
        return None
    letters = _Letters()
    used = False
    for c in low:
        if c.isalpha():
            letters.add(c)
            continue
        used = True
        if c in _VNI_TONES:
            ok = letters.set_tone(_VNI_TONES[c])
        elif c == "6":
            ok = letters.circumflex()
        elif c == "7":
            ok = letters.horn_or_breve(breve=False)
        elif c == "8":
            ok = letters.horn_or_breve(horn=False)
        elif c == "9":
            ok = letters.stroke_d()
        else:
            ok = False
        if not ok:
            return None
    return _finish(word, letters, used)


def read_keystrokes(query: str, accept: Callable[[str, str], bool] | None = None) -> KeystrokeReading | None:
    """``query`` read as Telex or VNI keystrokes, word by word; None when no word is read
    (also for text with marks: it was typed as meant).

    A word that decodes cleanly is read as what it spells where ``accept(typed, decoded)``
    says so (by default always); the others ("U23", "covid19", names such as "Hamas" that
    would spell "Hấm") stay as typed. Of the two methods, the one that reads more words wins.
    """
    text = normalize(query)
    if not all(w.isascii() for w in _WORD.findall(text)):  # letters with marks: typed as meant
        return None
    best: KeystrokeReading | None = None
    for method, decode in (("vni", decode_vni), ("telex", decode_telex)):
        reading = _read_words(text, method, decode, accept)
        if reading is not None and (best is None or len(reading.words) > len(best.words)):
            best = reading
    return best


def _read_words(text: str, method: str, decode: Callable[[str], str | None],
                accept: Callable[[str, str], bool] | None) -> KeystrokeReading | None:
    """``text`` with each word ``decode`` reads (and ``accept`` allows) replaced, or None."""
    changed: list[tuple[str, str]] = []
    pieces: list[str] = []
    pos = 0
    for m in _WORD.finditer(text):
        word = m.group()
        out = decode(word)
        if out is None or (accept is not None and not accept(word, out)):
            continue
        pieces.append(text[pos:m.start()] + out)
        pos = m.end()
        changed.append((word, out))
    if not changed:
        return None
    return KeystrokeReading(method, "".join(pieces) + text[pos:], tuple(changed))


_ENCODE: dict[str, tuple[dict[str, str | None], dict[str, str], str]] = {
    "telex": ({"\u0302": None, "\u0306": "w", "\u031b": "w"}, _TELEX_TONES, "dd"),
    "vni": ({"\u0302": "6", "\u0306": "8", "\u031b": "7"}, _VNI_TONES, "d9"),
}


def encode(word: str, method: str, tone_last: bool = True) -> str:
    """How ``word`` is typed as ``method`` keystrokes ("telex"/"vni"): quality keys right
    after their vowel, the tone key after its vowel or (``tone_last``) at the end. For
    benchmarks and tests: what a user with the input method off sends."""
    quality, tones, stroke = _ENCODE[method]
    tone_key = {mark: key for key, mark in tones.items()}
    out, tone = [], ""
    for ch in word:
        d = unicodedata.normalize("NFD", ch)
        base = (stroke[0].upper() + stroke[1:] if ch == "Đ" else stroke) if ch in "đĐ" else d[0]
        keys = "".join(d[0] if quality[m] is None else str(quality[m]) for m in d[1:] if m in quality)
        here = "".join(tone_key[m] for m in d[1:] if m in tone_key)
        out.append(base + keys + ("" if tone_last else here))
        tone += here
    typed = "".join(out) + (tone if tone_last else "")
    return typed.upper() if word.isupper() and len(word) > 1 else typed
