"""Hostile input on every HTML page and form never gets a 500 (nor a traceback).

Every page route (`app.routes` outside /api and the webhooks), anonymous and signed in with the role that
uses it, gets a fixed table of bad input: missing, empty, duplicated, huge (100 kB) and non-UTF-8 fields,
invalid percent-encoding, letters and Unicode digits where numbers go, impossible dates, unknown choices,
paths that are not references, wrong, missing and non-ASCII CSRF tokens, stale and garbage cookies, odd
`?lang=`. Deterministic (a seeded choice of bad values per field); the answers may be a page, a redirect,
a 400/403/404/409/422/429 page or problem: never a 5xx.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork
from intake.commune.forms import FORMS, read_form
from intake.people import sessions, users
from workflows.case.facts import AREAS

HUGE = "x" * 100_000
# Bad values for any field, as text (sent percent-encoded) or as raw bytes (sent as they are, not UTF-8).
JUNK: list[str | bytes] = [
    "", HUGE, "é" * 3000, "%ff", b"%ff%c3", b"\xff\xfe\xc3", "-1", str(2**64), "1e309", "abc", "²³", "١٢٣",
    "０９１２３４５６７８", "2026-02-30", "9999-99-99", "0001-01-01", "9999-12-31", "31/12/9999 23:59",
    "01/01/0001 00:00", "30/02/2026", "<script>alert(1)</script>", "{ref}", "../../etc/passwd", "\u202e\u200b",
    "²²²²²",
]
ODD_LANG = ["en", "vi", "EN", "fr", "", "%ff", "é", "x" * 300, "en\r\nX-Evil: 1"]
BAD_REFS = ["%00", "A" * 500, "TE..", "%ff", "%c3", "é", "é" * 10 + "1", "..", "TE%2F..%2F", "1", "²³", quote("ca trẻ")]
# The bad values most likely to pass a form's first checks and reach what comes after them.
DEEP: list[str | bytes] = [
    "", HUGE, "é" * 3000, b"\xff\xfe\xc3", "%ff", "²³", "١٢", "-1", str(2**64), "0001-01-01", "9999-12-31",
    "01/01/0001 00:00", "31/12/9999 23:59", "{ref}",
]
URL_VALUE = 30_000  # a URL is at most 64 kB (httpx's limit; a proxy's is lower)
RAW_BODIES: list[tuple[bytes | str, str]] = [
    (b"%ff%c3=%c3&lang=%e0%80&\xff\xfe=\xc3(&csrf_token=%ff", "application/x-www-form-urlencoded"),
    (b"{", "application/json"), (b"--", "multipart/form-data"), (b"a=b", "text/plain; charset=klingon"),
    ("multipart", "multipart/form-data; boundary=B"),  # fields, a file where text goes, a name not UTF-8
]


@dataclass
class World:
    """What the requests need: a case, a contact, a one-tap link, and a session per role."""

    case: str
    contact: str
    link: str
    link_id: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)


def _session(world: World, who: str, role: str, **scope: str) -> None:
    from workflows.access.models import User

    users.add_user(UnitOfWork(), username=who, role=role, password=None, **scope)
    with UnitOfWork() as uow:
        user_id = uow.session.execute(select(User.id).where(User.username == who)).scalar_one()
    cookie, session = sessions.start(UnitOfWork(), user_id=user_id, client="test")
    world.cookies[who], world.csrf[who] = cookie, session.csrf_token


@pytest.fixture
def fuzz(db: str, redis_conn: object, roster: None) -> Iterator[TestClient]:
    from intake.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def world(fuzz: TestClient) -> World:
    from workflows.case.models import Case
    from workflows.contacts.service import open_contact
    from workflows.team.answer_keys import issue_link, link_token

    case = fuzz.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": "xã Cam Lộ, Quảng Trị"})
    assert case.status_code == 201, case.text
    reference = case.json()["reference"]
    with UnitOfWork() as uow:
        contact, _ = open_contact(uow, channel="voice", external_id="CA-fuzz", caller="+84912345678", now=utcnow(),
                                  state="queued", queued_at=utcnow())
        row = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        link = issue_link(uow.session, row, phone="+84912345678", now=utcnow())
        contact_ref, link_id = contact.reference, link.id
        uow.commit()
    found = World(case=reference, contact=contact_ref, link=link_token(link_id), link_id=link_id)
    _session(found, "op", "operator", line="111")
    _session(found, "out", "operator", line="111")  # signs out: the others' sessions stay
    _session(found, "lead", "shift_lead", line="111")
    _session(found, "gs", "province_supervisor", province="44")
    _session(found, "hoa", "commune_officer", commune="19597")
    _session(found, "binh", "commune_chair", commune="19597")
    _session(found, "admin", "admin")
    _session(found, "ended", "operator", line="111")
    with UnitOfWork() as uow:
        ended = sessions.load(uow, found.cookies["ended"])
    assert ended is not None
    sessions.end(UnitOfWork(), session_id=ended.session_id, by="test")  # a stale session: signed out
    return found


COMMUNE_FIELDS = {
    "risk_level": "high", "harm": "serious", "assessed_on": "01/11/2026", "findings": "x", "child_safe_now": "yes",
    "emergency_needed": "no", "immediate_needs": "x", "needs": "x", "plan": "x", "decision": "x",
    "starts_on": "01/11/2026", "safe_place": "x", "carer": "x", "grounds": "other", "outcome": "return_home",
    "reviewed_on": "01/11/2026", "child_now": "x", "environment_safe": "yes", "goals_met": "all",
    "recommendation": "close", "decision_no": "12/QĐ", "note": "x", "reason": "lý do",
    "conf-held_on": "01/11/2026", "conf-chaired_by": "x", "conf-participants": "x", "conf-conclusions": "x",
    "svc-0-service": "x", "svc-0-starts_on": "01/11/2026", "svc-0-ends_on": "02/11/2026", "svc-0-responsible": "x",
    "svc-0-provider": "x", "svc-0-cost_vnd": "1.500.000",
    **{f"area-{a}-{k}": v for a in AREAS for k, v in (("concern", "some"), ("note", "x"))},
}
FORM01 = {
    "description": "Bé bị đánh", "location": "xã Cam Lộ, Quảng Trị", "commune_code": "19597", "child_name": "A",
    "child_birth_date": "02/03/2015", "child_age": "11", "child_sex": "female", "category": "violence",
    "special": "disability", "received_elsewhere_at": "24/11/2026 08:30", "received_elsewhere_by": "police",
    "consent_to_contact": "on", "reporter_phone": "0912345678", "reporter_name": "B", "reporter_address": "C",
    "immediate_danger": "on", "abuser_is_caregiver": "on", "father_age": "40", "current_condition": "x",
}
REPORT = {"description": "Trẻ bị bỏ đói", "location": "xã Cam Lộ, Quảng Trị", "child_age": "7", "child_sex": "male",
          "category": "other", "reporter_phone": "0912345678", "consent_to_contact": "on", "immediate_danger": "on"}


@dataclass(frozen=True)
class Page:
    """One route: who uses it, its valid form (or query), and how its CSRF token is sent."""

    method: str
    path: str
    users: tuple[str, ...] = ()  # the roles (world's user names) that may use it; always tried anonymously too
    fields: dict[str, str] = field(default_factory=dict)
    csrf: str = "session"  # "session": the staff session's token; "signin", "code", "link": their own cookies; ""
    also: tuple[dict[str, str], ...] = ()  # bad values that need another field bad too, or a field of their own
    depth: str = "full"  # "fields": only its own fields bad (what it shares with another page is tried there);
    # "once": only its valid form (its fields are another page's)


def pages() -> list[Page]:
    board_q = {"tinh": "44", "xa": "19597", "muc": "breached", "dong-ho": "acknowledge", "sap-xep": "due",
               "giam": "1", "da": "giao-lai", "ca": "{case}", "lang": "en"}
    stats_q = {"tu": "2026-01-01", "den": "2026-06-30", "tinh": "44", "xa": "19597"}
    ends = ({"tu": "0001-01-01", "den": "0001-01-01"}, {"tu": "9999-12-31", "den": "9999-12-31"})
    out = [
        Page("GET", "/"), Page("GET", "/", ("op",)), Page("GET", "/bao-cao"), Page("GET", "/docs"),
        Page("GET", "/static/{file}"),
        Page("POST", "/bao-cao", fields=REPORT, csrf="", also=({"location": "thôn ²³, xã ١٢"},)),
        Page("GET", "/dang-nhap", ("op",)),
        Page("POST", "/dang-nhap", fields={"username": "lan", "password": "p", "lang": "vi"}, csrf="signin"),
        Page("POST", "/dang-xuat", ("out",), {"lang": "en"}),
        Page("GET", "/ban-tiep-nhan", ("op", "gs")), Page("GET", "/ban-tiep-nhan/su-kien"),
        Page("GET", "/bang-giam-sat/su-kien"),
        Page("GET", "/ban-tiep-nhan/goi-y-xa", ("op",), {"q": "Cam Lộ", "location": "x", "commune_code": "19597"}),
        Page("GET", "/lien-he/{contact}", ("op", "gs")),
        Page("POST", "/lien-he/{contact}/mo-ca", ("op",), FORM01),
        Page("POST", "/lien-he/{contact}/gop", ("op",), {"case_reference": "{case}"}),
        Page("POST", "/lien-he/{contact}/ket-thuc", ("op",), {"outcome": "counselling", "topic": "x"}),
        Page("POST", "/lien-he/{contact}/nhan", ("op",)),
        Page("POST", "/lien-he/{contact}/goi-lai-khong-duoc", ("op",)),
        Page("POST", "/lien-he/{contact}/tra-loi", ("op",), {"text": "Chào bạn", "saved": "where"}),
        Page("POST", "/ban-tiep-nhan/trang-thai", ("op",), {"presence": "available"}),
        Page("GET", "/lien-he/{contact}/ghi-am/{recording}", ("op",)),
        Page("POST", "/lien-he/{contact}/chuyen-cuoc-goi", ("op",), {"target": "commune", "number": "0912345678",
                                                                     "mode": "warm"}),
        Page("GET", "/ca/{case}", ("op", "hoa"), {"identity": "1"}),
        Page("POST", "/ca/{case}/chuyen", ("op",), {"commune_code": "19597", "reason": "r"}),
        Page("POST", "/ca/{case}/muc-khan", ("op",), {"urgency": "high", "reason": "r"}),
        Page("POST", "/ca/{case}/gop", ("op",), {"case_reference": "{case}", "reason": "r"}),
        Page("GET", "/bang-giam-sat", ("admin", "gs", "lead", "op"), board_q),
        Page("GET", "/bang-giam-sat/ca/{case}", ("gs", "op")),
        Page("POST", "/bang-giam-sat/ca/{case}/giao-lai", ("gs",), {"commune_code": "18880", "reason": "r"}),
        Page("POST", "/bang-giam-sat/ca/{case}/nhan-xu-ly", ("gs",), {"reason": "r"}),
        Page("POST", "/bang-giam-sat/ca/{case}/bao-tiep", ("lead",), {"clock": "acknowledge", "reason": "r"}),
        *(Page("GET", p, ("admin", "gs", "hoa", "op"), stats_q, also=ends)
          for p in ("/thong-ke", "/thong-ke.csv", "/thong-ke.xlsx", "/thong-ke/ca-da-dong.csv")),
        Page("POST", "/thong-ke/da-nop", ("gs", "hoa"), {"han": "2026-06-30"}),
        Page("GET", "/xa/dang-nhap", fields={"next": "/xa/ca/{case}"}),
        Page("POST", "/xa/dang-nhap", fields={"phone": "0912 345 678", "lang": "vi", "next": "/xa"}, csrf="code"),
        Page("POST", "/xa/dang-nhap/ma", fields={"phone": "0912 345 678", "code": "123456", "next": "/xa"},
             csrf="code"),
        Page("GET", "/xa", ("hoa", "op")), Page("GET", "/xa/ca/{case}", ("hoa", "binh"), {"done": "acknowledge"}),
        Page("GET", "/xa/bao-moi", ("hoa", "op")),
        Page("POST", "/xa/bao-moi", ("hoa",), {"description": "Trẻ bị đánh", "location": "xã Cam Lộ, Quảng Trị",
                                               "received_elsewhere_at": "24/11/2026 08:30", "child_age": "8",
                                               "child_sex": "male", "child_name": "x"}),
        Page("GET", "/x/{link}"),
        Page("POST", "/x/{link}", fields={"action": "accept", "reason": "x"}, csrf="link"),
        # Issue 19: a referral's link page (a token it did not make: its not-found page) and the directory.
        Page("GET", "/gt/{link}"),
        Page("POST", "/gt/{link}", fields={"action": "sign_in", "code": "123456", "text": "x"}, csrf=""),
        Page("GET", "/xa/dich-vu", ("hoa", "op")),
    ]
    # The commune's forms share their page, its session and CSRF checks: those are tried on the first one.
    for i, trigger in enumerate([*FORMS, "nope"]):
        fields = _fields_read(trigger) if trigger in FORMS else {"reason": "x"}
        depth = "full" if i == 0 else "fields" if set(fields) != {"reason"} else "once"
        out.append(Page("POST", f"/xa/ca/{{case}}/{trigger}", ("binh",), fields, depth=depth))
    return out


class _Asked(dict[str, str]):
    """A form that remembers which fields were read from it."""

    def get(self, key: str, default: object = None) -> str:
        self[key] = ""
        return ""


def _fields_read(trigger: str) -> dict[str, str]:
    """The fields the trigger's form reads, with valid values."""
    asked = _Asked()
    read_form(trigger, asked)
    return {name: COMMUNE_FIELDS[name] for name in asked if name in COMMUNE_FIELDS}


@dataclass(frozen=True)
class Attempt:
    method: str
    url: str
    who: str  # a user name of the world ("ended": signed out), "" for anonymous, "stale"/"garbage": a bad cookie
    body: list[tuple[str, str | bytes]] | bytes | str | None = None  # form pairs, a raw body, or (str) multipart
    content_type: str = "application/x-www-form-urlencoded"
    csrf: str = "good"  # "good", "none", "wrong" or "odd" (non-ASCII)


def _encode(pairs: list[tuple[str, str | bytes]]) -> bytes:
    def one(v: str | bytes) -> bytes:
        return v if isinstance(v, bytes) else quote(v, safe="").encode()
    return b"&".join(one(k) + b"=" + one(v) for k, v in pairs)


def attempts(page: Page, rng: random.Random) -> Iterator[Attempt]:
    """The table of bad requests for one route: everything for the first role that uses it, the session
    and CSRF cases for the others."""
    base: dict[str, str | bytes] = dict(page.fields)
    signed = page.users or ("",)
    per_field = max(2, min(len(DEEP), 30 // max(1, len(base))))  # about 30 requests a route

    def ask(who: str, values: dict[str, str | bytes], *, path: str = page.path, csrf: str = "good",
            extra: list[tuple[str, str | bytes]] | None = None) -> Attempt:
        pairs = [(k, v[:URL_VALUE] if page.method == "GET" else v) for k, v in values.items()] + (extra or [])
        if page.method == "POST":
            return Attempt("POST", path, who, pairs, csrf=csrf)
        return Attempt("GET", path + ("?" + _encode(pairs).decode("latin-1") if pairs else ""), who)

    if page.depth != "full":
        yield ask(signed[0], base)
        if page.depth == "once":
            return
    for who in ("", "stale", "garbage", "ended") if page.depth == "full" else ():
        yield ask(who, base)
    for who in signed if page.depth == "full" else ():
        first = who == signed[0]
        yield ask(who, base)
        yield ask(who, {})
        yield ask(who, dict.fromkeys(base, ""), path=page.path + "?lang=en")
        yield ask(who, base, extra=[*base.items(), ("lang", "fr"), ("lang", "en")])  # every field twice
        for ref in BAD_REFS if "{" in page.path else ():
            yield ask(who, base, path=re.sub(r"\{\w+\}", ref, page.path))
        if page.method == "POST":
            for csrf in ("none", "wrong", "odd"):
                yield ask(who, base, csrf=csrf)
        if not first:
            continue
        for lang in ODD_LANG:
            yield ask(who, base, path=page.path + "?lang=" + quote(lang, safe="%"))
        if page.method == "GET":
            yield Attempt("GET", page.path + "?%ff=%c3&lang=%c3%28&" + "&".join(f"{k}=%ff" for k in base), who)
        else:
            for body, kind in RAW_BODIES:
                yield Attempt("POST", page.path, who, body, content_type=kind)
    who = signed[0]
    for bad in JUNK if base else ():  # every field bad at once: every check of the form runs
        yield ask(who, dict.fromkeys(base, bad if page.method == "POST" else bad[:300]))
    for values in page.also:
        yield ask(who, {**base, **values})
    for name in base:  # one field bad, the rest valid: the checks behind the first ones
        for bad in rng.sample(DEEP, per_field):
            yield ask(who, {**base, name: bad})


def _multipart(fields: dict[str, str], csrf: str) -> bytes:
    parts = [f'--B\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'.encode())
    parts.append(b'--B\r\nContent-Disposition: form-data; name="description"; filename="a.txt"\r\n'
                 b"Content-Type: text/plain\r\n\r\n\xff\xfe\r\n")
    parts.append(b'--B\r\nContent-Disposition: form-data; name="\xff"\r\n\r\n\xc3\x28\r\n--B--\r\n')
    return b"".join(parts)


def send(client: TestClient, world: World, page: Page, attempt: Attempt) -> tuple[int, str, str]:
    from intake.commune.answer_page import _csrf

    def fill(text: str) -> str:
        return (text.replace("{case}", world.case).replace("{contact}", world.contact).replace("{link}", world.link)
                .replace("{file}", "nope.js").replace("{recording}", "1"))

    url = fill(attempt.url)
    cookies = {"stale": f"{sessions.COOKIE}=" + "A" * 43, "garbage": f"{sessions.COOKIE}=\u00e9\u00ff; x=" + "é" * 4000
               + "y" * 60_000 + '; =; ;;; hl_signin_csrf; x_csrf="\\\xff'}.get(attempt.who)
    if cookies is None and attempt.who:
        cookies = f"{sessions.COOKIE}={world.cookies[attempt.who]}"
    token = {"session": world.csrf.get(attempt.who, ""), "signin": "tok", "code": "tok",
             "link": _csrf(world.link_id, "nonce"), "": ""}[page.csrf]
    own = {"signin": "hl_signin_csrf=tok", "code": "hl_code_csrf=tok", "link": "x_csrf=nonce"}.get(page.csrf)
    cookies = "; ".join(c for c in (cookies, own) if c)
    headers: dict[str, str | bytes] = {"cookie": cookies.encode()} if cookies else {}
    sent = {"good": token, "none": None, "wrong": "wrong-token", "odd": "tökén"}[attempt.csrf]
    name = "csrf" if page.csrf == "link" else "csrf_token"
    content: bytes | None = None
    if isinstance(attempt.body, str):
        content = _multipart(page.fields, token)
    elif isinstance(attempt.body, bytes):
        content = attempt.body
    elif attempt.body is not None:
        pairs = [(k, fill(v) if isinstance(v, str) else v) for k, v in attempt.body]
        content = _encode(pairs + ([(name, sent)] if sent is not None and page.csrf else []))
    if content is not None:
        headers["content-type"] = attempt.content_type
    client.cookies.clear()
    response = client.request(attempt.method, url, content=content, headers=headers, follow_redirects=False)
    return response.status_code, response.headers.get("content-type", ""), response.text


ANSWERS = ("text/html", "application/problem+json", "text/csv", "application/vnd.openxmlformats")


def test_no_page_or_form_answers_hostile_input_with_a_500(world: World, fuzz: TestClient) -> None:
    rng = random.Random(111)
    failures: list[str] = []
    count = 0
    for page in pages():
        for attempt in attempts(page, rng):
            if attempt.who in world.cookies and page.path.endswith("/su-kien"):
                continue  # a live stream runs for minutes; the answer without a session is tried
            count += 1
            status, kind, text = send(fuzz, world, page, attempt)
            readable = kind.startswith(ANSWERS) or 300 <= status < 400 or (status == 404 and not text)
            if status >= 500 or "Traceback" in text or not readable:
                body = attempt.body
                if isinstance(body, list):
                    body = [(k, v[:40]) for k, v in body]
                failures.append(f"{status} {kind} {attempt.method} {attempt.url[:120]} as {attempt.who or 'anonymous'}"
                                f" csrf={attempt.csrf} body={body!s:.300}")
    assert not failures, f"{len(failures)} of {count}:\n" + "\n".join(failures)


def test_the_table_has_every_page() -> None:
    """A page added later is fuzzed too, or this fails: every route but the JSON API, webhooks and probes."""
    from intake.app import create_app

    app = create_app()
    paths = {getattr(route, "path", "") for top in app.routes
             for route in getattr(getattr(top, "original_router", None), "routes", None) or [top]}
    pages_ = {re.sub(r"\{\w+\}", "{}", p) for p in paths
              if not p.startswith(("/api/", "/twilio/", "/jasmin/", "/zalo/", "/healthz", "/readyz", "/metrics",
                                   "/openapi"))}
    tried = {re.sub(r"/xa/ca/\{\}/\w+$", "/xa/ca/{}/{}", re.sub(r"\{\w+\}", "{}", p.path)) for p in pages()}
    assert pages_ - {"/static"} <= tried, pages_ - tried
