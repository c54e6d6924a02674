"""Category names as a Vietnamese reader expects to see them.

VNTC labels its topics with ASCII folder names ("Chinh tri Xa hoi") and UNC with
English words ("society"); the search page shows categories to Vietnamese readers and
offers them as facets, so both are mapped to one Vietnamese vocabulary here. Unknown
categories pass through (cleaned), so a user's own labels still work.
"""

from __future__ import annotations

from indexer.text.normalize import clean_text, fold

__all__ = ["CATEGORY_NAMES", "display_category"]

# Keys are folded (lower-case, no diacritics, single spaces): lookup is robust to case
# and to a label that already carries diacritics ("Thể thao" -> "the thao").
CATEGORY_NAMES: dict[str, str] = {
    # VNTC (10 topics)
    "chinh tri xa hoi": "Chính trị – Xã hội",
    "the thao": "Thể thao",
    "the gioi": "Thế giới",
    "van hoa": "Văn hóa",
    "suc khoe": "Sức khỏe",
    "kinh doanh": "Kinh doanh",
    "phap luat": "Pháp luật",
    "vi tinh": "Vi tính",
    "doi song": "Đời sống",
    "khoa hoc": "Khoa học",
    # CP_Vietnamese-UNC (dantri.com.vn), English labels
    "education": "Giáo dục",
    "society": "Xã hội",
    "health": "Sức khỏe",
    "tech": "Công nghệ",
    "world": "Thế giới",
    "science": "Khoa học",
    "sport": "Thể thao",
    "entertainment": "Giải trí",
    "business": "Kinh doanh",
    "travel": "Du lịch",
}


def _key(label: str) -> str:
    return " ".join(fold(label).replace("-", " ").replace("–", " ").replace("_", " ").split())


def display_category(label: object) -> str | None:
    """Return the Vietnamese display name for a category label, or None when empty."""
    if label is None:
        return None
    text = clean_text(str(label)).replace("\n", " ").strip()
    if not text:
        return None
    return CATEGORY_NAMES.get(_key(text), text)
