"""Bytes to text for article files whose encoding nobody declared.

Saved articles are usually UTF-8, sometimes with a BOM; VNTC's raw files are UTF-16LE
with a BOM; older Vietnamese files may be Windows-1258. We trust BOMs, then strict
UTF-8, then charset-normalizer; a file that is none of these (or is binary) is refused
with a reason instead of being indexed as mojibake.
"""

from __future__ import annotations

import codecs

__all__ = ["DecodeError", "decode_bytes"]


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can identify; str(e) says why."""


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    return bad / len(text)


def decode_bytes(data: bytes) -> str:
    """Decode ``data`` to str or raise :class:`DecodeError` with a user-facing reason."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"not valid {encoding.upper()} at byte {exc.start}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = f"not valid UTF-8 at byte {exc.start}"
    if b"\x00" in data[:65536]:
        raise DecodeError(f"binary file, not text ({utf8_error}, contains NUL bytes)")
    from charset_normalizer import from_bytes  # imported lazily: slow to import

    best = from_bytes(data).best()
    if best is None:
        raise DecodeError(f"{utf8_error} and no other text encoding fits")
    text = str(best)
    if _control_ratio(text) > 0.01:
        raise DecodeError(f"binary file, not text ({utf8_error})")
    return text
