"""Form 01 (Mẫu 01) as an operator fills it, checked and turned into a NewReport. Pure: no I/O.

Dates and times are typed as the operator reads them (dd/mm/yyyy, dd/mm/yyyy hh:mm, Vietnam time).
The reporter's identity is kept only with their consent. Every error is (vi, en) per field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import phonenumbers

from core.clock import VIETNAM, as_utc
from workflows.case.reports import NewReport
from workflows.case.taxonomy import load

FAMILY_FIELDS = ("father_name", "father_age", "father_job", "mother_name", "mother_age", "mother_job",
                 "family_situation", "caregiver", "help_given")
RECEIVED_ELSEWHERE_BY = ("police", "commune", "health", "school", "other")
SEXES = ("female", "male", "unknown")
MAX_TEXT = 4000
MAX_SHORT = 200


@dataclass
class Form01:
    report: NewReport | None = None
    errors: dict[str, tuple[str, str]] = field(default_factory=dict)


def _text(values: Mapping[str, str], name: str, limit: int = MAX_SHORT) -> str | None:
    """A field as typed, NUL removed; a one-line field (short limit) with its spaces folded."""
    value = (values.get(name) or "").replace("\x00", "").strip()
    if limit == MAX_SHORT:
        value = " ".join(value.split())
    return value[:limit] or None


def parse_date(raw: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def parse_local_time(raw: str) -> datetime:
    for fmt in ("%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
        try:
            return as_utc(datetime.strptime(raw.strip(), fmt).replace(tzinfo=VIETNAM))
        except ValueError:
            continue
        except OverflowError:  # 01/01/0001 00:00 in Vietnam is before the first day UTC can hold
            break
    raise ValueError(raw)


def _phone(raw: str) -> str:
    number = phonenumbers.parse(raw, "VN")
    if not phonenumbers.is_valid_number(number):
        raise ValueError(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def read_form01(
    values: Mapping[str, str], special: Sequence[str], *, now: datetime, operator: str,
) -> Form01:
    """The operator's Form 01 → a NewReport (or the errors, field by field)."""
    taxonomy = load()
    out = Form01()
    err = out.errors
    description = _text(values, "description", MAX_TEXT)
    if not description:
        err["description"] = ("Cần ghi nội dung sự việc", "Say what happened")
    location = _text(values, "location")
    commune_code = _text(values, "commune_code")
    if commune_code and not (len(commune_code) == 5 and commune_code.isdigit()):
        err["location"] = ("Mã xã không hợp lệ", "Not a commune code")
    today = as_utc(now).astimezone(VIETNAM).date()
    birth: date | None = None
    if raw := _text(values, "child_birth_date"):
        try:
            birth = parse_date(raw)
            if birth > today or age_on(birth, today) > 17:
                raise ValueError(raw)
        except ValueError:
            err["child_birth_date"] = ("Ngày sinh dạng ngày/tháng/năm, không ở tương lai",
                                       "Birth date as dd/mm/yyyy, not in the future")
    age: int | None = age_on(birth, today) if birth else None
    if raw := _text(values, "child_age"):
        if raw.isdecimal() and 0 <= int(raw) <= 17:  # not isdigit: "²" is a digit int() cannot read
            age = int(raw) if age is None else age
        else:
            err["child_age"] = ("Tuổi từ 0 đến 17", "Age 0 to 17")
    sex = values.get("child_sex") or "unknown"
    if sex not in SEXES:
        err["child_sex"] = ("Giới tính không hợp lệ", "Unknown sex")
    category = values.get("category") or None
    if category is not None and category not in taxonomy.codes("categories"):
        err["category"] = ("Loại vụ việc không hợp lệ", "Unknown category")
    groups = tuple(dict.fromkeys(special))
    if any(g not in taxonomy.codes("special_circumstances") for g in groups):
        err["special"] = ("Nhóm hoàn cảnh đặc biệt không hợp lệ", "Unknown special-circumstance group")
    elsewhere_at: datetime | None = None
    if raw := _text(values, "received_elsewhere_at"):
        try:
            elsewhere_at = parse_local_time(raw)
            if elsewhere_at > now:
                raise ValueError(raw)
        except ValueError:
            err["received_elsewhere_at"] = ("Thời điểm dạng ngày/tháng/năm giờ:phút, không ở tương lai",
                                            "Time as dd/mm/yyyy hh:mm, not in the future")
    elsewhere_by = values.get("received_elsewhere_by") or None
    if elsewhere_by is not None and elsewhere_by not in RECEIVED_ELSEWHERE_BY:
        err["received_elsewhere_by"] = ("Nơi tiếp nhận trước không hợp lệ", "Unknown first receiver")
    consent = values.get("consent_to_contact") in ("on", "true", "1")
    phone: str | None = None
    if consent and (raw := _text(values, "reporter_phone")):
        try:
            phone = _phone(raw)
        except (ValueError, phonenumbers.NumberParseException):
            err["reporter_phone"] = ("Số điện thoại không hợp lệ", "Not a phone number")
    if err:
        return out
    long_family = {"family_situation", "help_given"}
    family = {name: v for name in FAMILY_FIELDS
              if (v := _text(values, name, MAX_TEXT if name in long_family else MAX_SHORT))}
    out.report = NewReport(
        description=description or "", location=location, child_home=_text(values, "child_home"),
        child_name=_text(values, "child_name"), child_age=age, child_sex=sex,
        immediate_danger=values.get("immediate_danger") in ("on", "true", "1"),
        reporter_name=_text(values, "reporter_name") if consent else None,
        reporter_phone=phone, consent_to_contact=consent, category=category,
        child_birth_date=birth.isoformat() if birth else None,
        current_condition=_text(values, "current_condition", MAX_TEXT),
        likely_harm=_text(values, "likely_harm", MAX_TEXT), family=family, special_circumstances=groups,
        abuser_is_caregiver=values.get("abuser_is_caregiver") in ("on", "true", "1"),
        received_elsewhere_at=elsewhere_at, received_elsewhere_by=elsewhere_by if elsewhere_at else None,
        commune_code=commune_code, taxonomy_version=taxonomy.version, received_by=operator,
        reporter_address=_text(values, "reporter_address") if consent else None,
    )
    return out
