"""A child's age band (0-5, 6-10, 11-15, 16-17, unknown): what the statistics count.

A band is not an identity, so a case keeps it in clear next to the encrypted age (`Case.child_age_band`,
set whenever the age is): a year's statistics then count bands in SQL instead of decrypting every age.
"""

from __future__ import annotations

AGE_BANDS: tuple[tuple[str, int, int], ...] = (("0-5", 0, 5), ("6-10", 6, 10), ("11-15", 11, 15), ("16-17", 16, 17))
UNKNOWN = "unknown"
OVER_16 = "16-17"  # not a child under the Child Law 2016 (Art. 1): its procedure (NĐ 56/2017) is for under-16s
# What the console and the API say of a report about a 16- or 17-year-old (Vietnamese first, English second).
OVER_16_NOTICE: tuple[str, str] = (
    "Trẻ 16 hoặc 17 tuổi: quy trình bảo vệ trẻ em của Luật Trẻ em 2016 (Nghị định 56/2017) dành cho trẻ dưới "
    "16 tuổi. Tư vấn viên tổng đài quyết định cách xử lý ca này.",
    "A 16- or 17-year-old: the Child Law 2016's procedure (Decree 56/2017) is for children under 16. The hotline "
    "operator decides how this case is handled.",
)
BAND_NAMES: tuple[str, ...] = (*(name for name, _lo, _hi in AGE_BANDS), UNKNOWN)


def age_band(age: str | None) -> str:
    """The band of a stored age ("7", "7 tuổi", "khoảng 12"); anything unreadable is unknown."""
    digits = "".join(ch if ch.isdecimal() else " " for ch in (age or "")).split()  # "²" is no age int() reads
    if not digits:
        return UNKNOWN
    years = int(digits[0])
    for name, lo, hi in AGE_BANDS:
        if lo <= years <= hi:
            return name
    return UNKNOWN


def over_16(age: str | int | None) -> bool:
    """Whether an age puts the child outside the Child Law's procedure (16 or 17)."""
    return age_band(None if age is None else str(age)) == OVER_16
