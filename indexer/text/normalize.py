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

__all__ = ["normalize", "clean_text", "fold", "has_diacritics", "TONE_MARKS", "place_tone",
           "spell_iy", "IY_SYLLABLE", "is_syllable"]

# Combining tone marks of Vietnamese: grave, acute, tilde, hook above, dot below.
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_TONE = f"[{TONE_MARKS}]"


_LOOKALIKES = str.maketrans({
    "\u00d0": "\u0110",  # Ð (Icelandic eth) -> Đ
    "\u00f0": "\u0111",  # ð -> đ
    "\u0189": "\u0110",  # Ɖ (African D) -> Đ
    "\u0256": "\u0111",  # ɖ -> đ
})

# Characters that are whitespace to a reader (NBSP, thin spaces, ideographic space...).
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\x0b\x0c]+")
# Invisible characters that only split words: zero-width, soft hyphen, BOM, bidi marks.
# U+034F (combining grapheme joiner), U+180E, U+2061-2064 and the variation selectors
# are invisible too, and a CGJ between a letter and its tone mark would keep them apart.
_INVISIBLE_CHARS = ("\u00ad\u200b-\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e\u034f\u061c\u180e"
                    "\u2061-\u2064\ufe00-\ufe0f")
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
# C0/C1 controls except newline (tabs were turned into spaces above).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")


# Fast paths (the output is the same as without them). One search finds any character
# the character-level steps below would change (a lone surrogate, a look-alike, an
# invisible or control character, a newline other than "\n", a space other than " ",
# or two spaces in a row); text without one passes those steps unchanged.
_NEEDS_CLEANING = re.compile(
    "[\ud800-\udfff\u00d0\u00f0\u0189\u0256" + _INVISIBLE_CHARS +
    "\r\u2028\u2029\x85\x00-\x08\x0e-\x1f\x7f-\x9f\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\x0b\x0c]|  ")
_SPACES_TO_FIX = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\x0b\x0c]|  ")
_HAS_LOOKALIKE = re.compile("[\u00d0\u00f0\u0189\u0256]")
_COMBINING = re.compile(r"[\u0300-\u036f]")


# Compatibility characters (full-width "２０２４", ligatures, circled digits, math letters)
# become their NFKC form, one character at a time; characters whose NFKC form holds a
# combining mark ("´" -> " " + U+0301) are left alone, since a tone mark cut off its
# letter would be worse than the original, and so is punctuation ("…" stays).
def _compat_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for lo, hi in ((0x00A0, 0x3400), (0xA640, 0xA800), (0xF900, 0x10000), (0x1D400, 0x1D800),
                   (0x1F100, 0x1F250)):
        for cp in range(lo, hi):
            ch = chr(cp)
            if 0xD800 <= cp < 0xE000 or unicodedata.is_normalized("NFKC", ch):
                continue
            mapped = unicodedata.normalize("NFKC", ch)
            if mapped != ch and any(c.isalnum() for c in mapped) \
                    and not any(unicodedata.combining(c) for c in mapped):
                table[cp] = mapped
    return table


_COMPAT = _compat_table()


def _fold_compatibility(text: str) -> str:
    if unicodedata.is_normalized("NFKC", text):
        return text
    return text.translate(_COMPAT)


# In decomposed text a tone mark typed before the circumflex/breve/horn ("e" U+0301
# U+0302) shares their combining class, so NFC keeps the order and composes "é" +
# a stray U+0302. Quality marks go first; then "ế" composes.
_QUALITY_MARKS = "\u0302\u0306\u031b"
_MARK_ORDER = re.compile(f"({_TONE}+)([{_QUALITY_MARKS}]+)")


# A dot above on a soft-dotted i or j is the dot it already has ("i" + U+0307, as a
# lower-cased "İ" gives): dropped, or it would split the word (it composes with nothing).
_SOFT_DOT = re.compile("(?<=[ij])\u0307")


def _compose(text: str) -> str:
    """NFC, with the marks of each letter in Vietnamese order first."""
    nfd = unicodedata.normalize("NFD", text)
    nfd = _SOFT_DOT.sub("", _MARK_ORDER.sub(r"\2\1", nfd))
    return unicodedata.normalize("NFC", nfd)


# ---- one tone placement per syllable ------------------------------------------------
# The orthographic rule: a vowel with a quality mark (â ă ê ô ơ ư; the last one in
# "ươ") takes the tone; else in a closed syllable the last vowel; else the middle one
# of three, the first of two ("hòa", "mùa", "thủy": the corpus' majority placement).
# The "u" of "qu" and the "i" of "gi" + vowel belong to the onset ("quá", "giá").
_ONSETS = ("ngh", "ng", "gh", "gi", "kh", "nh", "ph", "qu", "th", "tr", "ch",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_CODAS = frozenset(("", "c", "ch", "m", "n", "ng", "nh", "p", "t"))
# Vowel groups (letters with their quality marks, "+" for the horn on u/o, "^" for the
# circumflex, "(" for the breve) that may precede a final consonant, or end a syllable.
_CLOSED = frozenset("a a( a^ e e^ i o o^ o+ u u+ y oa oa( oe ua^ ue^ uy ie^ ye^ uo^ u+o+ oo uye^".split())
_OPEN = frozenset(("a a( a^ e e^ i o o^ o+ u u+ y ai ao au ay a^u a^y eo e^u ia iu oa oe oi o^i o+i "
                   "ua ue^ ui uy u+a u+i u+u uo+ u+o+ oai oay oeo ua^y uo^i u+o+i u+o+u uya uyu ie^u ye^u").split())
_VOWEL_BASES = "aeiouy"
_VIETNAMESE_MARKS = frozenset(TONE_MARKS + _QUALITY_MARKS)
_MARK_SIGNS = {"\u0302": "^", "\u0306": "(", "\u031b": "+"}


def _vowel_letters(toned: bool) -> str:
    out = []
    for cp in range(0x41, 0x2000):
        d = unicodedata.normalize("NFD", chr(cp))
        vietnamese = d[0].lower() in _VOWEL_BASES and all(c in TONE_MARKS + _QUALITY_MARKS for c in d[1:])
        if vietnamese and (not toned or any(c in TONE_MARKS for c in d[1:])):
            out.append(chr(cp))
    return "".join(out)


_V = _vowel_letters(False)
_T = _vowel_letters(True)
# A word where a toned vowel touches another vowel: the only kind whose tone may sit on
# the wrong letter.
_TONE_CANDIDATE = re.compile(f"(?<![^\\W_])[^\\W\\d_]*?(?:[{_T}][{_V}]|[{_V}][{_T}])[^\\W\\d_]*")
_placed: dict[str, str] = {}


def _tone_target(bases: str, marks: list[str]) -> int | None:
    """Index of the letter that takes the tone, or None when ``bases`` (lower-case
    letters without marks, đ kept) with quality ``marks`` is not a Vietnamese syllable
    ("Xêút", two syllables run together, is not one)."""
    for onset in _ONSETS:
        if bases.startswith(onset):
            break
    start = len(onset)
    if onset in ("gi", "qu") and (start == len(bases) or bases[start] not in _VOWEL_BASES):
        if onset == "qu":
            return None
        start = 1  # "gì", "gìn": the i is the vowel
    end = start
    while end < len(bases) and bases[end] in _VOWEL_BASES:
        end += 1
    nucleus = end - start
    if not 1 <= nucleus <= 3 or bases[end:] not in _CODAS:
        return None
    group = "".join(bases[i] + marks[i] for i in range(start, end))
    if group not in (_CLOSED if end < len(bases) else _OPEN):
        return None
    marked = [i for i in range(start, end) if marks[i]]
    if marked:
        return marked[-1]
    if end < len(bases) or nucleus == 1:
        return end - 1
    return start + 1 if nucleus == 3 else start


def place_tone(word: str) -> str:
    """``word`` (NFC) with its one tone mark on the letter the orthographic rule names
    ("hòan" -> "hoàn", "gía" -> "giá", "lựơng" -> "lượng", "qúa" -> "quá", "gíá" ->
    "giá"); words that are not one Vietnamese syllable with one tone (maybe typed
    twice) are returned unchanged."""
    letters: list[list[str]] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch):
            if not letters or ch not in _VIETNAMESE_MARKS:  # "Ä": not a Vietnamese letter
                return word
            letters[-1].append(ch)
        else:
            letters.append([ch])
    toned = [i for i, lt in enumerate(letters) if any(c in TONE_MARKS for c in lt[1:])]
    tones = [c for i in toned for c in letters[i][1:] if c in TONE_MARKS]
    if not tones or len(set(tones)) != 1:  # no tone, or two different ones: leave it
        return word
    if any(letters[i][0].lower() not in _VOWEL_BASES for i in toned):  # "Ñ" is no toned vowel
        return word
    bases = "".join(lt[0].lower() for lt in letters)
    target = _tone_target(bases, _marks_of(letters))
    if target is None or toned == [target] and len(tones) == 1:
        return word
    for i in toned:  # "gíá" (the tone typed twice) has one tone too
        letters[i] = [c for c in letters[i] if c not in TONE_MARKS]
    letters[target].append(tones[0])
    return unicodedata.normalize("NFC", "".join("".join(lt) for lt in letters))


def is_syllable(word: str) -> bool:
    """True when ``word`` is one well-formed Vietnamese syllable: onset, a vowel group
    that exists (with its quality marks), a final consonant, at most one tone, and no
    grave/hook/tilde before a final c, ch, p or t ("các", "cạch", never "càc")."""
    letters: list[list[str]] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch):
            if not letters or ch not in _VIETNAMESE_MARKS:
                return False
            letters[-1].append(ch)
        else:
            letters.append([ch])
    tones = [c for lt in letters for c in lt[1:] if c in TONE_MARKS]
    if len(tones) > 1 or any(c in TONE_MARKS and lt[0].lower() not in _VOWEL_BASES for lt in letters for c in lt[1:]):
        return False
    bases = "".join(lt[0].lower() for lt in letters)
    if not bases.isalpha() or _tone_target(bases, _marks_of(letters)) is None:
        return False
    stop = bases.endswith(("c", "ch", "p", "t"))
    return not (stop and tones and tones[0] not in "\u0301\u0323")


def _marks_of(letters: list[list[str]]) -> list[str]:
    return ["".join(_MARK_SIGNS[c] for c in lt[1:] if c in _MARK_SIGNS) for lt in letters]


def _placed_tone(match: re.Match) -> str:
    word = match.group()
    out = _placed.get(word)
    if out is None:
        out = place_tone(word)
        if len(_placed) < 200_000:
            _placed[word] = out
    return out


def _place_tones(text: str) -> str:
    return _TONE_CANDIDATE.sub(_placed_tone, text)


def normalize(text: str) -> str:
    """Return ``text`` in vnsearch's canonical form (Unicode-level only, keeps layout).

    Compatibility characters folded (NFKC, character by character), NFC with the marks
    of a letter in Vietnamese order, Ð→Đ, one tone placement per syllable, lone
    surrogates replaced, invisible characters removed, runs of spaces collapsed.
    Newlines are kept (paragraph boundaries).
    Idempotent: ``normalize(normalize(x)) == normalize(x)``.
    """
    if not text:
        return ""
    text = _fold_compatibility(text)
    found = "".join(set(_NEEDS_CLEANING.findall(text)))
    if found:
        # Only the steps whose characters occur (the others would change nothing).
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
    if not unicodedata.is_normalized("NFC", text) or _COMBINING.search(text) is not None:
        text = _compose(text)
    return _place_tones(text)


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


# Latin letters without a canonical decomposition that still stand for a plain letter
# to a reader typing without marks (the base letters of Lucene's ASCIIFoldingFilter for
# them; tests/test_spelling_variants.py runs its test table): ligatures become two letters.
_LETTER_NAME = re.compile(r"LATIN (?:CAPITAL|SMALL) LETTER ([A-Z])(?: WITH (?!SMALL LETTER).*)?")
_NAMED_LETTERS = {
    "ae": "ae", "oe": "oe", "sharp s": "ss", "thorn": "th", "dotless i": "i", "dotless j": "j",
    "eng": "n", "kra": "q", "long s": "s", "hv": "hv", "dz": "dz", "db digraph": "db",
    "qp digraph": "qp", "lj": "lj", "nj": "nj", "middle-welsh ll": "ll", "middle-welsh v": "v",
    "y with loop": "y", "african d": "d", "schwa": "a", "open e": "e", "reversed e": "e",
    "turned e": "e", "iota": "i", "turned m": "m", "open o": "o", "ou": "ou", "turned v": "v",
    "wynn": "w", "yogh": "z", "u bar": "u", "barred o": "o",
}
_LIGATURE_NAME = re.compile(r"LATIN (?:(?:CAPITAL|SMALL) )?(?:LETTER|LIGATURE) (.+?)(?: WITH .*)?")
# Latin-1, Latin Extended-A and -B (Ơ, Ư), Latin Extended Additional (every Vietnamese letter).
_LATIN_LETTERS = list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00))


def _base_of(ch: str) -> str | None:
    """The plain letters ``ch`` folds to: its canonical base, or the letter its Unicode
    name says it is ("ø": O WITH STROKE, "ł", "ħ"; "æ", "ß" and "þ" are two)."""
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    if base != ch and base.isascii():
        return base.lower()
    name = unicodedata.name(ch, "")
    m = _LETTER_NAME.fullmatch(name)
    if m:
        return m.group(1).lower()
    m = _LIGATURE_NAME.fullmatch(name)
    if m and m.group(1).lower() in _NAMED_LETTERS:
        return _NAMED_LETTERS[m.group(1).lower()]
    return None


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in _LATIN_LETTERS:
        ch = chr(cp)
        for c in {ch, ch.lower()}:  # fold lower-cases first: "Ɓ" is looked up as "ɓ"
            base = _base_of(c)
            if len(c) == 1 and base is not None:
                table[ord(c)] = base
    table[0x0110] = "d"
    table[0x0111] = "d"
    return table


_FOLD_TABLE = _build_fold_table()
# Letters that fold to more than one ("æ" → "ae"): folding them changes the text's length.
_WIDE_FOLDS = re.compile("[" + "".join(c for cp in _LATIN_LETTERS for c in {chr(cp), chr(cp).lower()}
                                       if len(c) == 1 and len(c.lower().translate(_FOLD_TABLE)) > 1) + "]")


def fold(text: str) -> str:
    """Lower-case and strip diacritics ("Đường" → "duong"); expects normalised text.

    Length-preserving on NFC Vietnamese, so offsets computed on the normalised text
    remain valid for the folded text (:func:`has_wide_folds` tells the exceptions:
    "æ", "ß" fold to two letters).
    """
    out = text.lower().translate(_FOLD_TABLE)
    if not out.isascii():
        out = _COMBINING.sub("", out)
    return out


def has_wide_folds(text: str) -> bool:
    """True when ``text`` holds a letter that folds to two ("æ", "œ", "ß", "þ")."""
    return not text.isascii() and _WIDE_FOLDS.search(text) is not None


def has_combining_marks(text: str) -> bool:
    """True for decomposed text (NFD), where folding changes the length."""
    return not text.isascii() and _COMBINING.search(text) is not None


def folded_letters() -> set[str]:
    """The characters :func:`fold` maps to one ASCII letter (besides ASCII ones)."""
    return {chr(cp) for cp in _FOLD_TABLE if len(fold(chr(cp))) == 1}


def has_diacritics(text: str) -> bool:
    """True when folding would change ``text`` beyond case (the user typed marks)."""
    return fold(text) != text.lower()


# ---- i/y spellings ---------------------------------------------------------------------
# After h, k, l, m, qu, s, t a syllable's lone final i and y are two spellings of one
# sound and both are in use ("quy định"/"qui định", "lý"/"lí", "kỹ"/"kĩ", "Mỹ"/"Mĩ",
# "công ty"/"công ti", "hy sinh"/"hi sinh", "ca sĩ"/"ca sỹ"): tokens take the y. Other
# onsets keep their i ("đi", "thi", "chi" are never spelled with y; "vi"/"Vy" differ).
_I_TO_Y = str.maketrans("iíìỉĩị", "yýỳỷỹỵ")
_IY_VARIANT = re.compile(r"(?<![^\W_])(?:h|k|l|m|qu|s|t)[iíìỉĩị](?![^\W_])")
# A folded syllable that stands for both spellings (highlighting matches either).
IY_SYLLABLE = re.compile(r"(?:h|k|l|m|qu|s|t)y")


def spell_iy(lower: str) -> str:
    """``lower`` (lower-cased syllables) with the i/y variants spelled with y; same length."""
    if "i" not in lower and _I_TO_Y_FIRST.search(lower) is None:
        return lower
    return _IY_VARIANT.sub(lambda m: m.group().translate(_I_TO_Y), lower)


_I_TO_Y_FIRST = re.compile("[íìỉĩị]")

