"""Regenerate the HTML test pages in this folder from the shared corpus.

Run: ``python tests/data/html/_make_fixtures.py [/work/shared/corpus]``.

Every page is *constructed*: it reproduces one news site's markup (class names,
JSON-LD, meta tags) around the real text of one corpus record, and says so in a
leading HTML comment. URLs, dates and section labels are layout metadata, chosen to
look like the site's; the article text (title, lead, paragraphs, author signature)
is copied from the record unchanged. For each page ``<name>.expected.json`` holds the
values the extractor must produce (the body is the record's text through
``clean_text``), so the tests do not need the corpus.
"""

from __future__ import annotations

import gzip
import html
import json
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from indexer.text.normalize import clean_text  # noqa: E402

FEED = ROOT / "tests/data/feeds/vnexpress-tin-moi-nhat-string1407.xml"

RECORDS = {
    "vnexpress": "vntc:train:XH_VNE_(940)",
    "tuoitre": "vntc:train:VT_TT_(2310)",
    "thanhnien": "vntc:train:KD_TN_(3049)",
    "nld": "vntc:train:XH_NLD_(4031)",
    "dantri": "unc:news_world_170",
    "vietnamnet": "vntc:test:TG_VNE_T_(2733)",
    "congluan": "vntc:test:KH_VNE_T_(387)",
    "laodong": "vntc:train:PL_TT_(2344)",
    "generic": "vntc:test:VH_VNE_T_(1915)",
    "cp1258": "vntc:test:XH_VNE_T_(7182)",
    "utf16": "vntc:train:XH_VNE_(663)",
    "nocharset": "vntc:test:XH_VNE_T_(4380)",
    "broken": "vntc:test:PL_TT_T_(3122)",
    "boilerplate": "vntc:train:TG_TT_(1868)",
}


def load_records(corpus: Path, wanted: set[str] | None = None) -> dict[str, dict]:
    wanted = set(RECORDS.values()) if wanted is None else wanted
    found: dict[str, dict] = {}
    for name in ("sample-500.jsonl.gz", "unc-dantri.jsonl.gz", "vntc.jsonl.gz"):
        with gzip.open(corpus / name, "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                if rec["id"] in wanted and rec["id"] not in found:
                    found[rec["id"]] = rec
        if len(found) == len(wanted):
            break
    missing = wanted - set(found)
    if missing:
        raise SystemExit(f"records not found: {sorted(missing)}")
    return found


def lines_of(rec: dict) -> list[str]:
    return [ln.strip() for ln in rec["body"].replace("\r\n", "\n").split("\n") if ln.strip()]


def e(text: str) -> str:
    return html.escape(text, quote=True)


def header(site: str, rec: dict, extra: str = "") -> str:
    return (f"<!-- Constructed test page reproducing {site}'s article markup around real text from "
            f"corpus record {rec['id']} ({rec['source']}, originally from {rec['outlet']}). URL, date "
            f"and section labels are layout metadata, not from the record.{extra} -->\n")


def ps(lines: list[str], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "\n".join(f"<p{attr}>{e(x)}</p>" for x in lines)


def expected(name: str, rec: dict, *, title: str, body_lines: list[str], **meta) -> None:
    data = {"corpus_id": rec["id"], "title": clean_text(title), "body": clean_text("\n".join(body_lines))}
    data.update({k: clean_text(v) if isinstance(v, str) and k in ("description", "author") else v
                 for k, v in meta.items()})
    (HERE / f"{name}.expected.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8")


def write(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / f"{name}.html").write_bytes(text.encode(encoding))


def feed_titles(n: int) -> list[tuple[str, str]]:
    import feedparser

    parsed = feedparser.parse(FEED.read_bytes())
    return [(en.title.strip(), en.link.strip()) for en in parsed.entries[:n]]


def vnexpress(rec: dict) -> None:
    lines = lines_of(rec)
    lead, paras, author = lines[0], lines[1:-1], lines[-1]
    url = "https://vnexpress.net/gian-cau-do-de-nat-nha-cong-nhan-2106940.html"
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "mainEntityOfPage": {"@type": "WebPage", "@id": url},
          "headline": rec["title"], "description": lead, "datePublished": "2005-08-09T14:20:00+07:00",
          "dateModified": "2005-08-09T14:35:00+07:00", "author": {"@type": "Person", "name": author},
          "publisher": {"@type": "Organization", "name": "VnExpress"}, "articleSection": "Thời sự"}
    page = header("vnexpress.net", rec) + f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{e(rec['title'])} - VnExpress</title>
<meta name="description" content="{e(lead)}">
<meta name="pubdate" content="2005-08-09T14:20:00+07:00">
<meta property="og:type" content="article">
<meta property="og:title" content="{e(rec['title'])}">
<meta property="og:description" content="{e(lead)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="VnExpress">
<link rel="canonical" href="{url}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
<script>window.dataLayer = window.dataLayer || []; var VNE_ADS_MARKER = 1;</script>
</head>
<body>
<header class="header"><nav class="main-nav"><ul class="parent"><li><a href="/thoi-su">Thời sự</a></li><li><a href="/the-gioi">Thế giới</a></li></ul></nav></header>
<section class="section page-detail top-detail">
<div class="container flexbox">
<div class="sidebar-1">
<div class="header-content width_common">
<ul class="breadcrumb" data-campaign="Header"><li><a data-medium="Menu-ThoiSu" href="/thoi-su" title="Thời sự">Thời sự</a></li></ul>
<span class="date">Thứ ba, 9/8/2005, 14:20 (GMT+7)</span>
</div>
<h1 class="title-detail">{e(rec['title'])}</h1>
<p class="description">{e(lead)}</p>
<article class="fck_detail width_common block_ads_connect">
{ps(paras, "Normal")}
<p class="Normal" style="text-align:right;"><strong>{e(author)}</strong></p>
</article>
<div class="footer-content width_common">
<div class="social_share"><a class="btn_facebook" href="#">Facebook</a><a class="btn_twitter" href="#">Twitter</a></div>
</div>
<div id="box_comment_vne" class="box_comment_vne width_common"></div>
</div>
<div class="sidebar-2"><div class="banner-ads" id="sis_ads_right">VNE_ADS_MARKER</div></div>
</div>
</section>
<footer id="footer" class="footer">VnExpress footer VNE_FOOTER_MARKER</footer>
</body>
</html>
"""
    write("vnexpress", page)
    expected("vnexpress", rec, title=rec["title"], body_lines=[lead, *paras], description=lead,
             author=author, published="2005-08-09", category="Thời sự", outlet="vnexpress.net", url=url,
             absent=["VNE_ADS_MARKER", "VNE_FOOTER_MARKER", "Facebook", author])


def tuoitre(rec: dict) -> None:
    lines = lines_of(rec)
    lead, paras = lines[0], lines[1:]
    url = "https://tuoitre.vn/dell-thu-hoi-35000-pin-may-xach-tay-bi-loi-115283.htm"
    ld = {"@context": "http://schema.org", "@graph": [
        {"@type": "WebSite", "name": "TUOI TRE ONLINE", "url": "https://tuoitre.vn"},
        {"@type": "NewsArticle", "mainEntityOfPage": url, "headline": rec["title"], "description": lead,
         "datePublished": "2005-10-18T08:40:00+07:00", "articleSection": ["Nhịp sống số"],
         "author": [{"@type": "Person", "name": "Tuổi Trẻ Online"}],
         "publisher": {"@type": "Organization", "name": "TUOI TRE ONLINE"}}]}
    page = header("tuoitre.vn", rec) + f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{e(rec['title'])} - Tuổi Trẻ Online</title>
<meta property="og:title" content="{e(rec['title'])}" />
<meta property="og:url" content="{url}" />
<meta property="article:published_time" content="2005-10-18T08:40:00+07:00" />
<link rel="canonical" href="{url}" />
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head>
<body>
<div id="admzone480455" class="adm-mainsection">TT_ADS_MARKER</div>
<div class="detail-container">
<div class="detail-top"><div class="detail-cate"><a href="/nhip-song-so.htm" title="Nhịp sống số">Nhịp sống số</a></div>
<div class="detail-time"><div data-role="publishdate">18/10/2005 08:40 GMT+7</div></div></div>
<h1 class="detail-title article-title" data-role="title">{e(rec['title'])}</h1>
<div class="detail-cmain">
<h2 class="detail-sapo" data-role="sapo">{e(lead)}</h2>
<div class="detail-content afcbc-body" data-role="content" itemprop="articleBody">
{ps(paras)}
<div class="VCSortableInPreviewMode" type="RelatedNewsBox"><div class="kbwscwl-relatedbox"><a href="/x.htm">TT_RELATED_MARKER</a></div></div>
</div>
<div class="detail-author"><a class="name" href="#">Tuổi Trẻ Online</a></div>
</div>
</div>
</body>
</html>
"""
    write("tuoitre", page)
    expected("tuoitre", rec, title=rec["title"], body_lines=[lead, *paras], description=lead,
             author=None, published="2005-10-18", category="Nhịp sống số",
             outlet="tuoitre.vn", url=url, absent=["TT_ADS_MARKER", "TT_RELATED_MARKER"])


def thanhnien(rec: dict) -> None:
    lines = lines_of(rec)
    lead, paras = lines[0], lines[1:]
    url = "https://thanhnien.vn/ket-thuc-dam-phan-voi-uc-185134049.htm"
    page = header("thanhnien.vn", rec, " No JSON-LD: metadata comes from OpenGraph and the site rule.") + f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="UTF-8">
<title>{e(rec['title'])}</title>
<meta property="og:title" content="{e(rec['title'])}">
<meta property="og:description" content="{e(lead)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="thanhnien.vn">
<meta property="article:section" content="Kinh tế">
</head>
<body>
<div class="header__nav"><nav><a href="/thoi-su.htm">Thời sự</a><a href="/kinh-te.htm">Kinh tế</a></nav></div>
<div class="detail__cmain">
<div class="detail-cate"><a href="/kinh-te.htm">Kinh tế</a></div>
<div class="detail-time"><div data-role="publishdate">03/03/2006 06:30 GMT+7</div></div>
<h1 class="detail-title" data-role="title"><span data-role="title">{e(rec['title'])}</span></h1>
<h2 class="detail-sapo" data-role="sapo">{e(lead)}</h2>
<div class="detail-content afcbc-body" data-role="content" itemprop="articleBody">
{ps(paras)}
</div>
<div class="detail-tags"><a class="tags-item" href="#">WTO</a></div>
</div>
</body>
</html>
"""
    write("thanhnien", page)
    expected("thanhnien", rec, title=rec["title"], body_lines=[lead, *paras], description=lead,
             author=None, published="2006-03-03", category="Kinh tế", outlet="thanhnien.vn", url=url,
             absent=["WTO</a>"])


def nld(rec: dict) -> None:
    lines = lines_of(rec)
    url = "https://nld.com.vn/thoi-su/cang-vu-vung-tau-kien-nghi-dieu-tra-truy-cuu-trach-nhiem-hinh-su-107890.htm"
    page = header("nld.com.vn", rec, " Metadata from <meta name=pubdate> and the site rule.") + f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{e(rec['title'])}</title>
<meta name="pubdate" content="2005-03-24T07:00:00">
<meta name="description" content="{e(rec['title'])}">
<link rel="canonical" href="{url}">
</head>
<body>
<div class="detail-cate"><a href="/thoi-su.htm" title="Thời sự">Thời sự</a></div>
<h1 class="detail-title" data-role="title">{e(rec['title'])}</h1>
<div class="detail-time"><div data-role="publishdate">24/03/2005 07:00</div></div>
<div class="detail-content afcbc-body" data-role="content">
{ps(lines)}
<div class="VCSortableInPreviewMode" type="RelatedOneNews"><a href="#">NLD_RELATED_MARKER</a></div>
</div>
</body>
</html>
"""
    write("nld", page)
    expected("nld", rec, title=rec["title"], body_lines=lines, author=None, published="2005-03-24",
             category="Thời sự", outlet="nld.com.vn", url=url, absent=["NLD_RELATED_MARKER"])


def dantri(rec: dict) -> None:
    lines = lines_of(rec)
    caption, paras, author = lines[0], lines[1:-2], lines[-2]
    credit = lines[-1]
    url = rec["url"]
    ld = [{"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": []},
          {"@context": "https://schema.org", "@type": "NewsArticle", "headline": rec["title"],
           "url": url, "datePublished": "2021-04-29T17:17:23+07:00", "articleSection": "Thế giới",
           "author": {"@type": "Person", "name": author}, "publisher": {"@type": "Organization", "name": "Báo điện tử Dân trí"}}]
    page = header("dantri.com.vn", rec, " The record's first line is a photo caption and is placed in <figcaption>.") + f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{e(rec['title'])} | Báo Dân trí</title>
<link rel="canonical" href="{url}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head>
<body>
<ul class="dt-breadcrumb"><li><a href="/the-gioi.htm">Thế giới</a></li></ul>
<article class="singular-container">
<h1 class="title-page detail">{e(rec['title'])}</h1>
<div class="author-wrap"><div class="author-meta"><div class="author-name"><a href="#"><b>{e(author)}</b></a></div>
<time class="author-time" datetime="2021-04-29 17:17">Thứ năm, 29/04/2021 - 17:17</time></div></div>
<div class="singular-content">
<figure class="image align-center"><img src="https://icdn.dantri.com.vn/x.jpg" alt=""><figcaption><p>{e(caption)}</p></figcaption></figure>
{ps(paras)}
<article class="singular-related"><a href="#">DT_RELATED_MARKER</a></article>
<p style="text-align: right;">{e(credit)}</p>
</div>
</article>
</body>
</html>
"""
    write("dantri", page)
    expected("dantri", rec, title=rec["title"], body_lines=[*paras, credit], author=author,
             published="2021-04-29", category="Thế giới", outlet="dantri.com.vn", url=url,
             absent=[caption, "DT_RELATED_MARKER"])


def vietnamnet(rec: dict) -> None:
    lines = lines_of(rec)
    lead, paras = lines[0], lines[1:]
    url = "https://vietnamnet.vn/dan-so-the-gioi-dang-gia-di-nhanh-chong-27335.html"
    page = header("vietnamnet.vn", rec, " No JSON-LD or OpenGraph: everything comes from the site rule.") + f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{e(rec['title'])}</title>
<link rel="canonical" href="{url}">
</head>
<body>
<div class="bread-crumb-detail sm-show-time"><ul><li><a href="/the-gioi">Thế giới</a></li></ul>
<div class="bread-crumb-detail__time">Thứ Hai, 05/04/2004 - 09:12</div></div>
<div class="content-detail">
<h1 class="content-detail-title">{e(rec['title'])}</h1>
<h2 class="content-detail-sapo sm-sapo-mb-0">{e(lead)}</h2>
<div class="maincontent main-content" id="maincontent">
{ps(paras)}
<div class="article-relate"><a href="#">VNN_RELATED_MARKER</a></div>
</div>
</div>
</body>
</html>
"""
    write("vietnamnet", page)
    expected("vietnamnet", rec, title=rec["title"], body_lines=[lead, *paras], description=lead,
             author=None, published="2004-04-05", category="Thế giới", outlet="vietnamnet.vn", url=url,
             absent=["VNN_RELATED_MARKER"])


def congluan(rec: dict) -> None:
    lines = lines_of(rec)
    lead, paras = lines[0], lines[1:]
    url = "https://www.congluan.vn/thu-co-tui-khong-bi-mu-mau-post3871.html"
    ld = {"@context": "https://schema.org", "@type": ["ReportageNewsArticle"], "headline": rec["title"],
          "datePublished": "2004-10-20T10:00:00+07:00", "mainEntityOfPage": {"@id": url},
          "articleSection": "Khoa học"}
    page = header("congluan.vn", rec) + f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{e(rec['title'])}</title>
<meta property="og:url" content="{url}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head>
<body>
<div class="article">
<h1 class="article__title cms-title">{e(rec['title'])}</h1>
<div class="article__meta"><time class="time" datetime="2004-10-20T10:00:00+0700">20/10/2004 10:00</time></div>
<div class="article__sapo cms-desc">{e(lead)}</div>
<div class="article__body cms-body">
{ps(paras)}
<div class="related-news"><a href="#">CL_RELATED_MARKER</a></div>
</div>
<div class="article__tag"><a href="#">CL_TAG_MARKER</a></div>
</div>
</body>
</html>
"""
    write("congluan", page)
    expected("congluan", rec, title=rec["title"], body_lines=[lead, *paras], description=lead,
             author=None, published="2004-10-20", category="Khoa học", outlet="congluan.vn", url=url,
             absent=["CL_RELATED_MARKER", "CL_TAG_MARKER"])


def laodong(rec: dict) -> None:
    lines = lines_of(rec)
    lead, paras = lines[0], lines[1:]
    url = "https://laodong.vn/phap-luat/bao-hiem-xa-hoi-lam-dong-thua-kien-23441.ldo"
    page = header("laodong.vn", rec, " Metadata from OpenGraph article:* tags.") + f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{e(rec['title'])} | Báo Lao Động</title>
<meta property="og:title" content="{e(rec['title'])}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="2005-06-02T16:05:00+07:00">
<meta property="article:section" content="Pháp luật">
<meta property="article:author" content="https://www.facebook.com/laodongonline">
</head>
<body>
<article class="detail">
<h1 class="title">{e(rec['title'])}</h1>
<div class="chappeau"><p>{e(lead)}</p></div>
<div class="art-body">
{ps(paras)}
<div class="box-related"><a href="#">LD_RELATED_MARKER</a></div>
</div>
</article>
</body>
</html>
"""
    write("laodong", page)
    expected("laodong", rec, title=rec["title"], body_lines=[lead, *paras], description=lead,
             author=None, published="2005-06-02", category="Pháp luật", outlet="laodong.vn", url=url,
             absent=["LD_RELATED_MARKER"])


def generic(rec: dict) -> None:
    lines = lines_of(rec)
    url = "https://tin.example.org/van-hoa/u2-tim-duoc-cac-bai-hat-1915.html"
    page = header("a generic news site (no site rule)", rec, " Plain <div> layout, no <article>, so the densest block is used.") + f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{e(rec['title'])} | Tin Example</title>
<meta name="description" content="{e(lines[0])}">
<meta name="author" content="Ban Văn hóa">
<meta name="pubdate" content="2004-08-15">
<link rel="canonical" href="{url}">
</head>
<body>
<div id="menu"><a href="/">Trang chủ</a> | <a href="/van-hoa">Văn hóa</a></div>
<div id="main">
<div class="left">
<h1>{e(rec['title'])}</h1>
<div class="story">
{ps(lines)}
</div>
</div>
<div class="right"><ul><li><a href="/a">GEN_LINK_MARKER một</a></li><li><a href="/b">GEN_LINK_MARKER hai</a></li></ul></div>
</div>
<div id="copyright">GEN_COPYRIGHT_MARKER</div>
</body>
</html>
"""
    write("generic", page)
    expected("generic", rec, title=rec["title"], body_lines=lines, description=lines[0], author="Ban Văn hóa",
             published="2004-08-15", category=None, outlet="tin.example.org", url=url,
             absent=["GEN_LINK_MARKER", "GEN_COPYRIGHT_MARKER"])


def cp1258_encode(text: str) -> bytes:
    """Windows-1258 the way Vietnamese Windows text is: base letter (â, ơ, ...) + tone mark."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        shape = "".join(m for m in d[1:] if m in "\u0302\u0306\u031b")  # circumflex, breve, horn
        tone = "".join(m for m in d[1:] if m not in shape)
        out += unicodedata.normalize("NFC", d[0] + shape).encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def cp1258(rec: dict) -> None:
    lines = lines_of(rec)
    page = header("an old table-layout news page in Windows-1258", rec) + f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">
<title>{e(rec['title'])}</title>
</head>
<body>
<table width="100%"><tr><td class="menu"><a href="/">Trang chủ</a></td></tr>
<tr><td class="content">
<h1>{e(rec['title'])}</h1>
{ps(lines)}
</td></tr></table>
</body>
</html>
"""
    (HERE / "cp1258.html").write_bytes(cp1258_encode(page))
    expected("cp1258", rec, title=rec["title"], body_lines=lines, encoding="cp1258")


def utf16(rec: dict) -> None:
    lines = lines_of(rec)
    page = header("a UTF-16 news page", rec) + f"""<!DOCTYPE html>
<html><head><meta charset="utf-16"><title>{e(rec['title'])}</title></head>
<body><article><h1>{e(rec['title'])}</h1>
{ps(lines)}
</article></body></html>
"""
    write("utf16", page, "utf-16")
    expected("utf16", rec, title=rec["title"], body_lines=lines, encoding="utf-16-le")


def nocharset(rec: dict) -> None:
    lines = lines_of(rec)
    page = header("a UTF-8 news page with no charset declared anywhere", rec) + f"""<html><head><title>{e(rec['title'])}</title></head>
<body><div class="content"><h1>{e(rec['title'])}</h1>
{ps(lines)}
</div></body></html>
"""
    write("nocharset", page)
    expected("nocharset", rec, title=rec["title"], body_lines=lines)


def broken(rec: dict) -> None:
    lines = lines_of(rec)
    # Unclosed <p>/<b>/<div>, a stray </span>, and the file cut off inside a tag.
    body = "\n".join(f"<p>{e(x)}" for x in lines)
    page = header("a broken, truncated page (unclosed tags, cut off mid-tag)", rec) + f"""<html><head><meta charset="utf-8"><title>{e(rec['title'])}</title>
<body><div id="content"><h1>{e(rec['title'])}</span></h1>
<div class="text"><b>
{body}
</b></div><div class="more"><a hre"""
    write("broken", page)
    expected("broken", rec, title=rec["title"], body_lines=lines)


def boilerplate(rec: dict) -> None:
    lines = lines_of(rec)
    related = feed_titles(3)
    rel = "\n".join(f'<li><a href="{e(link)}">{e(t)}</a></li>' for t, link in related)
    page = header("a page full of boilerplate (scripts, ads, nav, share bar, related box)", rec,
                  " Related-link titles are real VnExpress feed titles (tests/data/feeds).") + f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{e(rec['title'])}</title>
<style>.BOILER_STYLE_MARKER {{ color: red; }}</style>
<script>var BOILER_SCRIPT_MARKER = "document.write('x')";</script>
</head>
<body>
<header><div class="logo">BOILER_HEADER_MARKER</div></header>
<nav class="menu"><a href="/">Trang chủ</a><a href="/the-gioi">Thế giới</a> BOILER_NAV_MARKER</nav>
<div class="ads-top" id="banner-top">Quảng cáo BOILER_AD_MARKER</div>
<main>
<article>
<h1>{e(rec['title'])}</h1>
<div class="social-share"><a href="#">Chia sẻ BOILER_SHARE_MARKER</a></div>
{ps(lines[:3])}
<script>googletag.cmd.push(function() {{ BOILER_INLINE_SCRIPT_MARKER(); }});</script>
<div class="qc-inread">BOILER_INREAD_AD_MARKER</div>
<noscript>BOILER_NOSCRIPT_MARKER</noscript>
<iframe src="https://ads.example/x">BOILER_IFRAME_MARKER</iframe>
{ps(lines[3:])}
<div style="display:none">BOILER_HIDDEN_MARKER</div>
<div class="box"><h3>Tin liên quan</h3><ul>
{rel}
</ul></div>
<form class="newsletter"><input name="email"> BOILER_FORM_MARKER</form>
</article>
<aside class="sidebar"><p>BOILER_ASIDE_MARKER paragraph text that is long enough to look like content maybe.</p></aside>
</main>
<footer><p>BOILER_FOOTER_MARKER</p></footer>
</body>
</html>
"""
    write("boilerplate", page)
    markers = ["STYLE", "SCRIPT", "HEADER", "NAV", "AD", "SHARE", "INLINE_SCRIPT", "INREAD_AD", "NOSCRIPT",
               "IFRAME", "HIDDEN", "FORM", "ASIDE", "FOOTER"]
    absent = [f"BOILER_{m}_MARKER" for m in markers] + [t for t, _ in related] + ["Quảng cáo", "Chia sẻ",
                                                                                  "Tin liên quan"]
    expected("boilerplate", rec, title=rec["title"], body_lines=lines, absent=absent)


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/corpus")
    records = load_records(corpus)
    for name, rec_id in RECORDS.items():
        globals()[name](records[rec_id])
        print("wrote", name)


if __name__ == "__main__":
    main()
