"""People, places and organisations named in an article, found at index time.

From what the analysis already has (pyvi runs once per text; nothing here runs it
again): the normalised text, pyvi's word boundaries, and capitalisation. A name is a
run of capitalised syllables that is not capitalised only because it starts a
sentence, and it is kept only when something says what it is:

* a place: in the shipped list of Vietnam's provinces, their old names, major cities
  and countries (``indexer/data/places.tsv``, sources named there), or after "tỉnh",
  "huyện", "xã"...;
* an organisation: it starts with "Bộ", "Sở", "Công ty", "Ngân hàng", "Đại học"...
  followed by a capitalised name ("Bộ Y tế"; pyvi's word boundary ends it), or it is
  one of a few bodies named alone ("Quốc hội") or known acronyms ("FIFA");
* a person: after "ông", "bà", "Thủ tướng", "cầu thủ"..., or two to four syllables
  starting with a common Vietnamese family name ("Nguyễn Xuân Phúc").

Anything else capitalised is left out: precision first (see the README for the figures).
Entities are stored as ``kind:Name`` terms (``per:``, ``loc:``, ``org:``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache
from pathlib import Path

from indexer.text.normalize import normalize

__all__ = ["KINDS", "entity_terms", "extract_entities", "places", "split_term"]

KINDS = {"per": "person", "loc": "place", "org": "organisation"}
MAX_PER_ARTICLE = 40

_PIECE = re.compile(r"[^\W_]+|[^\w\s]|_")
_END = frozenset(".!?:;…\"“”'‘’()[]-–—•*")

SURNAMES = frozenset("""Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn
Trịnh Lâm Mai Trương Cao Hà Tạ Lương Thái Quách Kiều Tô Đàm Triệu Lưu Vương Phùng Chu Lục Mạc Khổng
Hứa Tăng Thân Doãn Nông Giáp Âu Diệp Lại Quan La Ninh Tôn Phí Khúc Kim Lò Mông Thạch Tiêu""".split())

# Lower-cased words right before a name that say it is a person's ("|" separates).
PERSON_MARKERS = frozenset(m.strip() for m in """ông|bà|anh|chị|em|cô|chú|bác|cụ|thầy|cậu|cháu|bé|vợ|chồng
ca sĩ|nhạc sĩ|diễn viên|cầu thủ|tiền vệ|tiền đạo|hậu vệ|trung vệ|thủ môn|thủ thành|hlv|huấn luyện viên
tổng thống|thủ tướng|chủ tịch|bộ trưởng|thứ trưởng|giám đốc|tổng giám đốc|bí thư|tổng bí thư|đại tá|thượng tá
trung tá|thiếu tá|đại úy|thượng úy|trung úy|thiếu úy|thiếu tướng|trung tướng|thượng tướng|đại tướng|giáo sư
gs|pgs|ts|ths|bs|bác sĩ|luật sư|nhà văn|nhà thơ|họa sĩ|nghệ sĩ|vận động viên|vđv|tay vợt|võ sĩ|phóng viên
đạo diễn|nữ sinh|sinh viên|học sinh|bị can|bị cáo|nghi phạm|nạn nhân|hoàng tử|công chúa|vua|nữ hoàng|danh thủ
tỷ phú|tỉ phú|ứng viên|đại sứ|người mẫu|hoa hậu|á hậu|nghệ nhân|kỳ thủ|chủ nhiệm|phó giám đốc|trưởng phòng
trưởng ban|viện trưởng|hiệu trưởng|phó chủ tịch|phó thủ tướng|chánh án|thẩm phán|thượng nghị sĩ|nghị sĩ
đại biểu|ngoại trưởng|tổng thư ký|siêu mẫu|ngài|thống đốc|thị trưởng|linh mục|hòa thượng|thượng tọa
đồng chí|nhà báo|kiến trúc sư|kỹ sư|tiến sĩ|thạc sĩ|nhà khoa học|doanh nhân|chủ tọa""".replace("\n", "|").split("|"))

# ... a place's ("đường", "bản", "nước" are left out: "dẫn đường", "phiên bản" precede other names).
PLACE_MARKERS = frozenset("""tỉnh|thành phố|tp|huyện|quận|xã|phường|thị xã|thị trấn|thôn|ấp|làng
sông|núi|đảo|vịnh|đèo|hồ|cảng|sân bay|thủ đô|phố|chợ|khu vực|vùng|bang|miền
""".replace("\n", "|").split("|")) - {""}

ORG_HEADS = tuple(h.split() for h in """Bộ|Sở|Cục|Tổng cục|Ban|Ủy ban|Viện|Hội|Liên đoàn|Công ty|Tổng công ty
Tập đoàn|Ngân hàng|Trường|Đại học|Học viện|Bệnh viện|Tòa án|Viện kiểm sát|Công an|Câu lạc bộ|CLB|Đài|Báo
Hãng|Quỹ|Trung tâm|Văn phòng|Đảng|Hiệp hội|Nhà máy|Nhà xuất bản|Thông tấn xã|Cảng vụ|Kho bạc|Quân khu
Bộ Tư lệnh|Bộ Chỉ huy|Sư đoàn|Lữ đoàn|Tổng cục|Liên minh|Tổ chức|Ủy ban nhân dân|Hội đồng nhân dân""".replace(
    "\n", "|").split("|"))
ORG_ALONE = frozenset("""Quốc hội|Chính phủ|Bộ Chính trị|Ban Bí thư|Liên Hợp Quốc|Liên hợp quốc|Mặt trận Tổ quốc
Nhà Trắng|Lầu Năm Góc|Điện Kremlin|Quốc vụ viện|Liên minh châu Âu|Hội đồng Bảo an""".replace("\n", "|").split("|"))
ORG_ACRONYMS = frozenset("""WHO FIFA UEFA AFF AFC NATO ASEAN EU IMF WTO UNESCO UNICEF FBI CIA VFF VPF EVN APEC
OPEC IOC NASA BBC CNN AFP VTV VOV VTC FPT VNPT Viettel Vietcombank Vietnam Airlines HAGL SHB BIDV
Agribank Samsung Apple Google Microsoft Facebook Toyota Honda Intel Sony Nokia Vingroup Vinamilk Vietsovpetro
Petrolimex PetroVietnam Vinashin Vinacomin Mobifone MobiFone Vinaphone VinaPhone Sabeco Habeco""".split())
ORG_ACRONYMS = ORG_ACRONYMS - {"Vietnam", "Airlines"}


# Lower-case words that may follow a complete organisation's name: the verbs and function
# words a sentence goes on with ("Bộ Y tế cho biết", "... của Sở Y tế tỉnh"). Any other
# lower-case word after a name found by its head ("Cục Cảnh sát điều tra", "Trung tâm Y tế
# dự phòng") says the name goes on in lower case: it was cut, and is left out there.
_FUNCTION_WORDS = frozenset("""cho đã đang sẽ vừa mới cũng và là có không chưa được bị với về của tại ở trong
trên dưới để thì mà nên phải cần vẫn lại đều chỉ gồm thuộc từ đến theo sau trước khi vào ra nay hiện giữa hay
hoặc cùng như này đó nói nhằm vì do bởi rằng còn""".split())
ORG_FOLLOWERS = _FUNCTION_WORDS | frozenset(m.strip() for m in """cho biết|đề nghị|yêu cầu|quyết định|công bố
ban hành|đưa ra|tiếp tục|thông báo|phối hợp|chủ trì|kiểm tra|tiến hành|xác nhận|khẳng định|ký|cấp|làm|giao
tổ chức|trao|nhận|gửi|trả lời|tỉnh|thành phố|tp|huyện|quận|xã|phường|thị xã|khu vực|lần|vượt|đạt|mất|tăng
giảm|chi|tặng|mở|xử lý|xem xét|phê duyệt|chấp thuận|đồng ý|triển khai|thực hiện|kiến nghị|báo cáo|hôm qua
hôm nay|năm|ngày|tháng|hiện nay|vừa qua|cho hay|khởi tố|bắt|bắt giữ|phát hiện|cử|chỉ đạo|ra quyết định
""".replace("\n", "|").split("|")) - {""}

# Lower-case words (or a house number) right before a run that say it names a street, a
# school, a bridge or a market, not the person it is named after ("đường Trần Phú",
# "230 Kim Mã", "trường Lê Quý Đôn").
STREET_MARKERS = frozenset(m.strip() for m in """đường|phố|ngõ|ngách|hẻm|kiệt|đại lộ|số|trường|cầu|chợ|bến
bến xe|ngã tư|ngã ba|giao lộ|khu|nút|góc|dọc|cư xá|chung cư|công viên""".replace("\n", "|").split("|"))
LEGAL_FORMS = frozenset("TNHH CP Cổ phần Liên doanh TNHH MTV".split())


def _data_path(name: str = "places.tsv") -> Path:
    return Path(__file__).resolve().parent.parent / "data" / name


_CONNECTOR = re.compile(r"\s*(?:[-–&,]|\bvà\b)\s*")


@lru_cache(maxsize=1)
def organisations() -> list[tuple[re.Pattern, str]]:
    """``(pattern, stored name)`` for each body of ``organisations.tsv``, longest first:
    "Bộ GD-ĐT", "Bộ GD&ĐT" and "Bộ Giáo dục và đào tạo" are one ministry."""
    spellings: list[tuple[str, str]] = []
    for line in _data_path("organisations.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        name = normalize(cols[1]).strip()
        others = [normalize(a).strip() for a in (cols[2].split(",") if len(cols) > 2 else []) if a.strip()]
        for head in cols[0].split("|"):
            for spelling in [name, *others]:
                spellings.append((f"{head} {spelling}", f"{head} {name}"))
    out = []
    for spelling, name in sorted(spellings, key=lambda sn: -len(sn[0])):
        parts = [r"\s+".join(map(re.escape, p.split())) for p in _CONNECTOR.split(spelling) if p]
        rest = r"(?:\s*[-–&,]\s*|\s+và\s+|\s*)".join(parts)[len(re.escape(spelling[0])):]
        # The head's first letter as written (a capital), the rest in any case.
        out.append((re.compile(r"(?<![^\W_])" + re.escape(spelling[0]) + "(?i:" + rest + r")(?![^\W_])"), name))
    return out


@lru_cache(maxsize=1)
def _organisation_pattern() -> re.Pattern:
    """All spellings of :func:`organisations` in one pattern (one pass over a text)."""
    return re.compile("|".join(p.pattern for p, _n in organisations()))


def _organisation_name(found: str) -> str:
    return next(name for p, name in organisations() if p.fullmatch(found))


@lru_cache(maxsize=1)
def places() -> dict[str, str]:
    """Every spelling in ``places.tsv`` -> the name an entity is stored under."""
    out: dict[str, str] = {}
    for line in _data_path("places.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        name = normalize(cols[0]).strip()
        out[name] = name
        for alias in (cols[3].split(",") if len(cols) > 3 else []):
            if alias.strip():
                out[normalize(alias).strip()] = name
    return out


@lru_cache(maxsize=1)
def _place_pattern() -> re.Pattern:
    names = sorted(places(), key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(n) for n in names) + r")(?![^\W_])")


def _capital(s: str) -> bool:
    return s[0].isupper() and not s[0].isdigit()


def _titlecase_text(syls: list[str]) -> bool:
    """A headline written in Title Case says nothing about names: skip it."""
    return len(syls) >= 5 and sum(map(_capital, syls)) > 0.6 * len(syls)


class _Text:
    """A text's syllables, which follow each other directly, which start a sentence,
    and which pyvi word each belongs to."""

    def __init__(self, text: str, spans: Iterable[tuple[int, int]]):
        self.syl: list[str] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.sentence: list[bool] = []
        self.joined: list[bool] = []  # syllable i follows i-1 with only spaces between
        prev_end = 0
        prev_punct = True
        for m in _PIECE.finditer(text):
            piece = m.group()
            if not piece[0].isalnum():
                if piece in _END or piece == ",":
                    prev_punct = True
                    if piece != ",":
                        self._mark_stop()
                continue
            gap = text[prev_end:m.start()]
            self.joined.append(bool(self.syl) and not prev_punct and "\n" not in gap)
            self.sentence.append(not self.syl or "\n" in gap or self._stopped)
            self._stopped = False
            self.syl.append(piece)
            self.start.append(m.start())
            self.end.append(m.end())
            prev_end = m.end()
            prev_punct = False
        self.word_end = list(range(1, len(self.syl) + 1))
        self.word_start = list(range(len(self.syl)))
        for first, count in spans:
            if first + count <= len(self.syl):
                for i in range(first, first + count):
                    self.word_end[i] = first + count
                    self.word_start[i] = first

    _stopped = False

    def _mark_stop(self) -> None:
        self._stopped = True

    def lower_before(self, i: int, n: int) -> str:
        """The ``n`` syllables before ``i`` (adjacent ones), lower-cased, or ""."""
        if i - n < 0 or any(not self.joined[k] for k in range(i - n + 1, i + 1)):
            return ""
        return " ".join(self.syl[i - n:i]).lower()


def _person_marked(t: _Text, i: int) -> bool:
    return any(t.lower_before(i, n) in PERSON_MARKERS for n in (1, 2, 3))


def _place_marked(t: _Text, i: int) -> bool:
    return any(t.lower_before(i, n) in PLACE_MARKERS for n in (1, 2))


def _acronym(syl: str) -> bool:
    return len(syl) > 1 and syl.isupper()


def _org_head_at(t: _Text, i: int) -> bool:
    return any(len(h) == 1 and t.syl[i] == h[0] for h in ORG_HEADS) or t.syl[i] in ("Ủy", "Công", "Ngân")


def _org_at(t: _Text, i: int, stops: Collection[int] = ()) -> int:
    """End (exclusive) of an organisation name starting at syllable ``i``, or 0; it ends
    before a syllable of ``stops`` (where a place's name starts: "Công an | TP.HCM")."""
    for head in sorted(ORG_HEADS, key=len, reverse=True):
        j = i + len(head)
        if j >= len(t.syl) or any(t.syl[i + k].lower() != head[k].lower() for k in range(len(head))):
            continue
        if any(not t.joined[k] for k in range(i + 1, j + 1)) or not _capital(t.syl[j]):
            continue
        if t.word_end[i] > i + len(head) and t.word_end[i] > j:
            continue  # pyvi reads the head as part of another word ("Bộ trưởng")
        end = j
        while end < len(t.syl) and (end == j or t.joined[end]):
            syl = t.syl[end]
            if end in stops or syl == "TP":
                break
            if end > j and (_acronym(syl) or syl in SURNAMES or _org_head_at(t, end)):
                break  # "Hội Luật gia VN", "Văn phòng Quốc hội Trần ...": another name starts
            if _capital(syl):
                end = max(end + 1, t.word_end[end])
            elif syl == "và" and end + 1 < len(t.syl) and t.joined[end + 1] and _capital(t.syl[end + 1]) \
                    and not _org_head_at(t, end + 1):
                end += 1
            else:
                break
        return end
    return 0


def _runs(t: _Text) -> Iterable[tuple[int, int]]:
    """Maximal runs of adjacent capitalised syllables."""
    i, n = 0, len(t.syl)
    while i < n:
        if not _capital(t.syl[i]):
            i += 1
            continue
        j = i + 1
        while j < n and t.joined[j] and _capital(t.syl[j]):
            j += 1
        yield i, j
        i = j


def _classify(t: _Text, a: int, b: int) -> str | None:
    name = " ".join(t.syl[a:b])
    if b - a == 1 and name in ORG_ACRONYMS:
        return "org"
    if name in ORG_ALONE:
        return "org"
    if any(_acronym(x) for x in t.syl[a:b]) or b - a > 4 or len(name) < 2:
        return None  # "THCS", "Trần Phú ĐT", "H": abbreviations are not names of people or places
    if t.word_end[b - 1] > b:
        return None  # pyvi reads the last syllable with the lower-case words after it
    if name in places():
        # "cầu thủ Việt Nam" is a place; "ông Vinh" (a kinship word before it) a person
        return "per" if b - a == 1 and t.lower_before(a, 1) in _KIN else "loc"
    if _person_marked(t, a):
        return "per"
    if _place_marked(t, a) and (b - a <= 2 or not all(x.isascii() for x in t.syl[a:b])):
        return "loc"
    if t.syl[a] in SURNAMES and b - a >= 2 and not _holds_place(t.syl[a:b]):
        return "per"  # not "Hoàng Anh Gia Lai" (a club named after a province)
    return None


def _holds_place(syls: list[str]) -> bool:
    table = places()
    return any(" ".join(syls[i:j]) in table for i in range(len(syls)) for j in range(i + 2, len(syls) + 1))


# Capitalised words stripped from the front of a run: they say what follows.
_KIN = frozenset("ông bà anh chị cô chú bác cụ em".split())
_LEADING = _KIN | frozenset("tỉnh huyện quận xã phường thôn ấp".split())


def extract_entities(text: str, spans: Iterable[tuple[int, int]] = ()) -> list[tuple[str, str]]:
    """``(kind, name)`` pairs named in one normalised text, in order, each once.

    ``spans`` are pyvi's multi-syllable words as ``(first syllable, count)`` (what the
    token cache holds for the text).
    """
    if not text:
        return []
    t = _Text(text, spans)
    if _titlecase_text(t.syl):
        return []
    found: dict[tuple[str, str], None] = {}
    taken = [False] * len(t.syl)
    index_of = {s: k for k, s in enumerate(t.start)}
    gazetteer = places()
    place_at: dict[int, tuple[int, str]] = {}  # first syllable -> (end, stored name)
    for m in _place_pattern().finditer(text):
        a = index_of.get(m.start())
        if a is not None:
            place_at[a] = (_syllable_after(t, a, m.end()), gazetteer[m.group()])
    for m in _organisation_pattern().finditer(text):
        a = index_of.get(m.start())
        if a is None:
            continue
        end = _syllable_after(t, a, m.end())
        _b, where = _qualified(t, end, place_at)
        found[("org", _organisation_name(m.group()) + where)] = None
        if where:
            found[("loc", where.strip())] = None  # the article names the place too
        for k in range(a, end):
            taken[k] = True
    for m in _place_pattern().finditer(text):
        a = index_of.get(m.start())
        if a is None or taken[a]:
            continue
        b = _syllable_after(t, a, m.end())
        before_cap = a > 0 and t.joined[a] and _capital(t.syl[a - 1]) and t.syl[a - 1] not in ("TP", "Thành", "Tỉnh")
        after_cap = b < len(t.syl) and t.joined[b] and _capital(t.syl[b])
        if before_cap or after_cap or _person_marked(t, a):
            continue  # part of a longer name ("Nguyễn Thái Bình"), or a person ("ông Vinh")
        found[("loc", gazetteer[m.group()])] = None
        for k in range(a, b):
            taken[k] = True
    i = 0
    while i < len(t.syl):
        end = _org_at(t, i, place_at.keys()) if _capital(t.syl[i]) and not taken[i] else 0
        if end:
            _b, where = _qualified(t, end, place_at)
            head_only = " ".join(t.syl[i:end]) in _HEAD_NAMES
            if (where or not head_only) and _complete_org(t, text, i, end, bool(where)):
                found[("org", " ".join(t.syl[i:end]) + where)] = None
            for k in range(i, end):
                taken[k] = True
            i = end
        else:
            i += 1
    streets = _street_names(t)
    for a, b in _runs(t):
        while a < b and taken[a]:
            a += 1
        if a >= b or any(taken[a:b]):
            continue
        while a < b - 1 and t.syl[a].lower() in _LEADING:
            a += 1  # "Ông Nguyễn Văn A", "Tỉnh Quảng Nam": the marker, not the name
        if t.sentence[a] and t.syl[a] not in SURNAMES and not (t.word_end[a] > a + 1 and t.word_end[a] <= b) \
                and not _person_marked(t, a):
            a += 1  # capitalised because it starts a sentence ("Theo", "Hôm")
        if a >= b:
            continue
        kind = _classify(t, a, b)
        name = " ".join(t.syl[a:b])
        if kind == "per" and (name in streets or _place_tail(name) and not _person_marked(t, a)):
            continue  # "Trần Phú" of "đường Trần Phú" anywhere in the text; "TP. Hồ Chí Minh"
        if kind == "per" and b - a == 1 and name in SURNAMES and not _person_marked(t, a):
            continue  # a family name alone ("Trần") names nobody
        if kind:
            found[(kind, name)] = None
    return list(found)[:MAX_PER_ARTICLE]


_PLACE_QUALIFIERS = ("tỉnh", "thành phố", "tp", "huyện", "quận", "thị xã")


def _qualified(t: _Text, end: int, place_at: dict[int, tuple[int, str]]) -> tuple[int, str]:
    """A place right after an organisation's name that says which one it is ("Sở Y tế
    tỉnh Quảng Nam", "Công an TP.HCM"): the end past it and " Place", or ``(end, "")``."""
    for skip in (0, 1, 2):
        at = end + skip
        if at not in place_at or any(not t.joined[k] and not _abbreviation_dot(t, k) for k in range(end + 1, at + 1)):
            continue
        if skip and " ".join(t.syl[end:at]).lower() not in _PLACE_QUALIFIERS:
            continue
        if at < len(t.syl) and (skip or t.joined[at] or t.syl[at] != t.syl[end]):
            b, name = place_at[at]
            return b, " " + name
    return end, ""


def _abbreviation_dot(t: _Text, k: int) -> bool:
    """Syllable ``k`` follows "TP." ("Công an TP. Lào Cai"): the dot abbreviates, it ends nothing."""
    return k > 0 and t.syl[k - 1] == "TP" and t.start[k] - t.end[k - 1] <= 2


def _syllable_after(t: _Text, a: int, end: int) -> int:
    """The first syllable from ``a`` on that starts at or after character ``end``."""
    b = a
    while b < len(t.end) and t.end[b] <= end:
        b += 1
    return b


_HEAD_NAMES = frozenset(" ".join(h) for h in ORG_HEADS)


def _complete_org(t: _Text, text: str, i: int, end: int, placed: bool = False) -> bool:
    """Whether the organisation name ``i..end`` found by its head is whole: not only a
    head and a legal form ("Công ty TNHH"), not cut at an abbreviation's "-" or "&"
    ("Bộ GD" of "Bộ GD-ĐT") nor before the lower-case rest of the name (``placed``: a
    place follows it, which ends it)."""
    if placed:
        return True
    if all(x in LEGAL_FORMS or _org_head_at(t, k) or x.lower() in ("ty", "hàng", "ban")
           for k, x in enumerate(t.syl[i + 1:end], i + 1)):
        return False
    after = text[t.end[end - 1]:t.end[end - 1] + 2]
    if after[:1] in "-&" and after[1:2].isupper():
        return False
    if end >= len(t.syl) or not t.joined[end] or _capital(t.syl[end]):
        return True  # punctuation, the end, or another name after it
    nxt = t.syl[end].lower()
    # The next pyvi word as a whole: "ký" signs, "ký sinh" (a parasite) is the name going on.
    word = " ".join(t.syl[end:t.word_end[end]]).lower()
    if t.word_end[end] > end + 1:
        return word in ORG_FOLLOWERS or nxt in _FUNCTION_WORDS
    if nxt == "và":  # "và các ...": the sentence goes on; "và môi trường": the name does
        return end + 1 >= len(t.syl) or not t.joined[end + 1] or _capital(t.syl[end + 1]) \
            or t.syl[end + 1].lower() in ORG_FOLLOWERS or t.syl[end + 1].lower() in _DETERMINERS
    return nxt in ORG_FOLLOWERS


_DETERMINERS = frozenset("các những mọi nhiều một hai ba một số".split())


def _street_names(t: _Text) -> set[str]:
    """Runs of capitals this text uses as the name of a street, school, bridge or market."""
    out = set()
    for a, b in _runs(t):
        before = t.lower_before(a, 1)
        marked = any(t.lower_before(a, n) in STREET_MARKERS for n in (1, 2)) \
            or (a > 0 and t.joined[a] and t.syl[a - 1].isdigit()) or before in ("thpt", "thcs")
        if marked or (a > 0 and t.syl[a - 1] in ("THPT", "THCS", "PTTH")):
            out.add(" ".join(t.syl[a:b]))
    return out


@lru_cache(maxsize=1)
def _place_tails() -> frozenset[str]:
    """The ends of place names after their "Thành phố" / "TP" ("Hồ Chí Minh")."""
    out = set()
    for spelling in places():
        words = spelling.replace(".", " ").split()
        for k in range(1, len(words) - 1):
            if words[k - 1] in ("phố", "TP", "Tỉnh", "tỉnh"):
                out.add(" ".join(words[k:]))
    return frozenset(out)


def _place_tail(name: str) -> bool:
    return name in _place_tails()


def entity_terms(title: str, body: str, spans: tuple | None) -> list[str]:
    """The ``kind:Name`` terms of one article (title and body), each once."""
    tw, bw = spans if spans is not None else ((), ())
    pairs = dict.fromkeys(extract_entities(title, tw) + extract_entities(body, bw))
    return [f"{k}:{n}" for k, n in pairs][:MAX_PER_ARTICLE]


def split_term(term: str) -> tuple[str, str]:
    """``"loc:Hà Nội"`` -> ``("loc", "Hà Nội")``."""
    kind, _, name = term.partition(":")
    return kind, name
