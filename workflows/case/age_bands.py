"""A child's age band (0-5, 6-10, 11-15, 16-17, unknown): what the statistics count.

A band is not an identity, so a case keeps it in clear next to the encrypted age (`Case.child_age_band`,
set whenever the age is): a year's statistics then count bands in SQL instead of decrypting every age.
"""

from __future__ import annotations

AGE_BANDS: tuple[tuple[str, int, int], ...] = (("0-5", 0, 5), ("6-10", 6, 10), ("11-15", 11, 15), ("16-17", 16, 17))
UNKNOWN = "unknown"
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
