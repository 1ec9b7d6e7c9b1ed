"""The report a reporter submits (Form 01, minimal), one validator for the API and the web form."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Annotated, Literal

import phonenumbers
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from workflows.case.reports import NewReport

_PHONE_CHARS = re.compile(r"[0-9+\-. ()]+")
Text = Annotated[str, StringConstraints(strip_whitespace=True)]
OPTIONAL_TEXT = ("location", "child_home", "child_name", "reporter_name", "reporter_phone")
# The abuse taxonomy of Luật Trẻ em Art. 4 as codes (bạo lực, bóc lột, xâm hại tình dục, mua bán, bỏ rơi...).
Category = Literal["violence", "exploitation", "sexual_abuse", "trafficking", "abandonment_neglect", "other"]


class ReportIn(BaseModel):
    """A report of a child who may need protection. Only `description` is required."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    description: Annotated[Text, StringConstraints(min_length=5, max_length=5000)] = Field(
        description="Chuyện gì đã xảy ra / what happened"
    )
    location: Annotated[Text, StringConstraints(max_length=500)] | None = Field(
        default=None, description="Địa chỉ nơi trẻ đang ở, bản đồ cũ hay mới / where the child is"
    )
    child_home: Annotated[Text, StringConstraints(max_length=500)] | None = Field(
        default=None, description="Nơi trẻ sống, nếu khác nơi xảy ra / where the child lives, if elsewhere"
    )
    child_name: Annotated[Text, StringConstraints(max_length=120)] | None = None
    # Strict: "7", 7.0, 0/1 for a yes/no or "yes" are somebody else's format; the form converts its own.
    child_age: int | None = Field(default=None, ge=0, le=17, strict=True)
    child_sex: Literal["female", "male", "unknown"] = "unknown"
    immediate_danger: bool = Field(default=False, strict=True)
    category: Category | None = Field(
        default=None, description="Loại xâm hại nếu biết / abuse type if known (sexual abuse and trafficking "
        "bring in the commune police)"
    )
    reporter_name: Annotated[Text, StringConstraints(max_length=120)] | None = None
    reporter_phone: Annotated[Text, StringConstraints(max_length=30)] | None = None
    consent_to_contact: bool = Field(default=False, strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: object, info: ValidationInfo) -> object:
        """No NUL; invisible characters (zero-width spaces, BOM, soft hyphens) go; a blank optional box is None."""
        if not isinstance(value, str):
            return value
        if "\x00" in value:
            raise ValueError("nul")
        value = visible(value)
        return None if info.field_name in OPTIONAL_TEXT and not value.strip() else value

    @field_validator("child_age", mode="before")
    @classmethod
    def _an_age(cls, value: object) -> object:
        if isinstance(value, bool):  # JSON true is not 1 year old
            raise ValueError("age")
        return value

    @field_validator("reporter_phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return None if value is None else to_e164(value)

    def to_report(self) -> NewReport:
        return NewReport(**self.model_dump())

    def fingerprint(self) -> str:
        """The request as validated, hashed: what an Idempotency-Key is bound to (no identity is kept)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ApiReportIn(ReportIn):
    """A report through the JSON API: Form 01's earlier receipt (T0) and "the abuser is a parent or
    caregiver" are carried, and a field the API does not know is refused, never dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    received_elsewhere_at: AwareDatetime | None = Field(
        default=None, description="Khi công an, xã hay nơi khác tiếp nhận trước (có múi giờ) / when the police, a "
        "commune or another line received it first (with a time zone): T0, every legal clock counts from it")
    received_elsewhere_by: Annotated[Text, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Nơi tiếp nhận trước / who received it first")
    abuser_is_caregiver: bool = Field(
        default=False, description="Người gây hại là cha, mẹ, người chăm sóc trẻ / the abuser is a parent or "
        "caregiver (emergency, NĐ 56 Art. 31(1))")


def visible(text: str) -> str:
    """Drop format characters (Unicode Cf: zero-width space and joiners, BOM, soft hyphen, bidi marks)."""
    if text.isprintable():  # no Cf character in it (nor a line break): nothing to look at letter by letter
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def to_e164(raw: str) -> str:
    """A Vietnamese number in any usual writing (0912 345 678, +84 912-345-678, (091) 2345678), in ASCII digits
    only: phonenumbers also reads fullwidth or Arabic-Indic digits and letters (vanity numbers); we do not."""
    if not _PHONE_CHARS.fullmatch(raw):
        raise ValueError("phone")
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ReportAccepted(BaseModel):
    reference: str = Field(description="Mã số để tra cứu / the reference to quote")
    status: str
    notice: str | None = Field(default=None, description=(
        "Khi trẻ 16 hoặc 17 tuổi: quy trình của Luật Trẻ em dành cho trẻ dưới 16 tuổi, tổng đài quyết định "
        "/ for a 16- or 17-year-old: the Child Law's procedure is for under-16s, the operator decides"))
    notice_en: str | None = None
