"""The report a reporter submits (Form 01, minimal), one validator for the API and the web form."""

from __future__ import annotations

from typing import Annotated, Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from workflows.reports import NewReport

Text = Annotated[str, StringConstraints(strip_whitespace=True)]
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
    child_age: int | None = Field(default=None, ge=0, le=17)
    child_sex: Literal["female", "male", "unknown"] = "unknown"
    immediate_danger: bool = False
    category: Category | None = Field(
        default=None, description="Loại xâm hại nếu biết / abuse type if known (sexual abuse and trafficking "
        "bring in the commune police)"
    )
    reporter_name: Annotated[Text, StringConstraints(max_length=120)] | None = None
    reporter_phone: Annotated[Text, StringConstraints(max_length=30)] | None = None
    consent_to_contact: bool = False

    @field_validator("location", "child_home", "child_name", "reporter_name", "reporter_phone", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("reporter_phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return None if value is None else to_e164(value)

    def to_report(self) -> NewReport:
        return NewReport(**self.model_dump())


def to_e164(raw: str) -> str:
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
