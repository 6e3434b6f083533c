"""Normalising person attributes, the same way for loading and for identity resolution.

Why here: loaders store the normalised forms (``name_norm``, ``email_norm``,
``phone_norm``...) and identity resolution compares them, so both must use one
definition. Every function is pure and total on strings: it returns a value or
raises ``ValueError`` with a reason a user can act on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

import phonenumbers

__all__ = [
    "boolean",
    "date",
    "display_name",
    "email",
    "kana_fold",
    "name",
    "number",
    "phone",
    "search_key",
    "text",
    "timestamp",
    "zoned_timestamp",
]

_SPACE = re.compile(r"\s+")
# Punctuation in names (NFKC has already turned full-width brackets into ASCII ones).
_NAME_PUNCTUATION = re.compile("[.,'\"`\\-_()\u2019\u2010\u30fb\uff65]+")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GMAIL = ("gmail.com", "googlemail.com")


def _nfkc(value: str) -> str:
    """NFKC, skipped for plain ASCII (which it leaves unchanged): most values are."""
    return value if value.isascii() else unicodedata.normalize("NFKC", value)


def text(value: str) -> str:
    """Unicode NFKC (full-width → half-width digits and letters), case-folded, one space."""
    return _SPACE.sub(" ", _nfkc(value)).strip().casefold()


def kana_fold(value: str) -> str:
    """Katakana → hiragana, so ヤマダ and やまだ compare equal (NFKC first widens ｶﾅ)."""
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in value)


def name(value: str) -> str:
    """A person's name for comparison: ``text`` + kana folding, without punctuation."""
    folded = kana_fold(text(value))
    return _SPACE.sub(" ", _NAME_PUNCTUATION.sub(" ", folded)).strip()


def display_name(value: str) -> str:
    """One written form per script for a name shown to people: a Latin-script ``Family, Given``
    (as many CRMs export it) becomes ``Given Family``; CJK names keep family name first, as given."""
    if value.count(",") == 1 and not _CJK.search(value):
        family, given = (part.strip() for part in value.split(","))
        if family and given:
            return f"{given} {family}"
    return value


def email(value: str) -> str:
    """Canonical e-mail: lower case, ``+tag`` removed; Gmail's dots and domains folded."""
    address = text(value).replace(" ", "")
    if not _EMAIL.match(address):
        raise ValueError("not an e-mail address")
    local, domain = address.rsplit("@", 1)
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    if not local:
        raise ValueError("not an e-mail address")
    return f"{local}@{domain}"


def phone(value: str, region: str | None = None) -> str:
    """E.164 (``+819012345678``); ``region`` (ISO country) reads national numbers."""
    raw = unicodedata.normalize("NFKC", value).strip()
    try:
        parsed = phonenumbers.parse(raw, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number" + ("" if region else " (no country to read it)")) from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def search_key(value: str) -> str:
    """What a user typed into a customer search, in the form the store keeps: an e-mail in its
    canonical form, a number starting with ``+`` in E.164, anything else as a name
    (``name``: case, width and katakana folded, so ﾔﾏﾀﾞ finds やまだ)."""
    raw = value.strip()
    if "@" in raw:
        try:
            return email(raw)
        except ValueError:
            pass
    if _nfkc(raw).startswith("+"):
        try:
            return phone(raw)
        except ValueError:
            pass
    return name(raw)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%d.%m.%Y", "%Y年%m月%d日")


def date(value: str) -> dt.date:
    """ISO and a few unambiguous forms (2024/03/07, 07.03.2024, 2024年3月7日)."""
    raw = _nfkc(value).strip()
    for form in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, form).date()
        except ValueError:
            continue
    raise ValueError("not a date (use YYYY-MM-DD)")


def zoned_timestamp(value: str, zone: str = "UTC") -> dt.datetime:
    """ISO 8601 date-time with its own offset; one without an offset is read in ``zone``."""
    raw = _nfkc(value).strip().replace(" ", "T", 1)
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("not a timestamp (use ISO 8601, e.g. 2024-03-07T14:05:00+09:00)") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=ZoneInfo(zone))


def timestamp(value: str, zone: str = "UTC") -> dt.datetime:
    """ISO 8601 date-time; one without an offset is read in ``zone``. Returned in UTC."""
    try:
        return zoned_timestamp(value, zone).astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 has no UTC time
        raise ValueError("out of the range of times") from None


def number(value: str) -> float:
    """A plain decimal number; thousands separators are refused as ambiguous (1,234 vs 1.234)."""
    raw = _nfkc(value).strip().replace(" ", "")
    if "," in raw or "_" in raw:
        raise ValueError("not a number (no thousands separators or decimal commas)")
    try:
        result = float(raw)
    except ValueError:
        raise ValueError("not a number") from None
    if result != result or result in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return result


_TRUE = {"true", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "f", "no", "n", "0", "off"}


def boolean(value: str) -> bool:
    word = text(value)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("not a boolean (use true or false)")
