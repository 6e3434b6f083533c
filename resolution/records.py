"""The comparable view of an ``Identity``: normalised fields, name forms and blocking keys.

Built once per record per run, so that comparing a pair only reads attributes.
The normalised fields come from the loader (``graph.normalise``), which both
sides share; only derived forms (name tokens, family-name candidates) are made here.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from custgraph.graph import normalise
from custgraph.graph.romaji import fold, has_kana, romaji

from .nicknames import FORMAL
from .survivorship import GOLDEN

__all__ = ["MatchRecord", "fingerprint", "forget_name_forms", "match_record"]

# The fields resolution compares: a change in any of them makes the record dirty.
COMPARED = ("name_norm", "name_kana_norm", "given_name", "family_name", "email_norm", "phone_norm", "phone",
            "birth_date", "postal_code_norm", "street", "city", "region", "country", "loyalty_id", "source", "trust")


@dataclass(frozen=True, slots=True)
class MatchRecord:
    identity_id: str
    source: str
    trust: int
    recency: str  # ISO timestamp of the record's last change in its source ('' if unknown)
    email: str | None
    email_local: str | None
    email_stem: str | None  # the local part without trailing digits (smith.susan58 → smith.susan)
    phone: str | None  # the last 9 digits: E.164 and national forms of one number agree on them
    birth_date: dt.date | None
    postal_code: str | None
    street: str | None  # normalised, common suffixes shortened (Avenue = Ave)
    street_number: str | None  # the house number (digits, with a letter or -1-2 as written)
    street_name: str | None  # the street without its number
    city: str | None
    region: str | None
    country: str | None
    loyalty_id: str | None
    names: tuple[str, ...]  # each name form with its tokens sorted, for order-free comparison
    kanji: tuple[bool, ...]  # per name form: written in kanji (comparable only with kanji forms)
    family: frozenset[str]  # family-name candidates (tokens that may be the family name)
    person: str = ""  # the record a visitor signed in as (``known_as``), else the record itself


# The fields survivorship reads besides the compared ones: a new street or a later timestamp
# changes the golden customer even though no score changes.
KEPT = tuple(name for name in (*GOLDEN, "updated_at", "created_at") if name not in COMPARED)


DIGESTED = (*COMPARED, *KEPT)  # the fields a record's digest is made of
# The text json.dumps(values, ensure_ascii=False) makes of a list of strings, which digests stored
# before were made of, written without the encoder's set-up per call (half its 2.5 us per record).
_QUOTED = json.encoder.encode_basestring


def fingerprint(props: dict[str, Any], context: tuple[Any, ...] = ()) -> str:
    """A short digest of the compared fields, the fields the golden customer is made from, and the
    scoring context (``context``: the prior and how common the record's name and e-mail stem are):
    a record whose digest changed is resolved again and its customer rewritten."""
    values = [str(props.get(name)) for name in DIGESTED] + [str(item) for item in context]
    if props.get("known_as"):  # only when there: digests of records without it stay as they were
        values.append(f"known_as={props['known_as']}")
    return hashlib.sha256(("[" + ", ".join(map(_QUOTED, values)) + "]").encode()).hexdigest()[:16]



_CJK = re.compile("[\u3400-\u9fff]")


def _sorted_tokens(name: str) -> str:
    return " ".join(sorted(name.split()))


# Distinct name values a whole read meets: 588,605 at 1,000,000 generated records, where 2^18 entries
# missed 119,062 times more (match_record over them: 1.3 s less, the median of four pairs of fresh
# processes, about this machine's noise).
NAME_FORMS_CACHED = 1 << 20


@functools.lru_cache(maxsize=NAME_FORMS_CACHED)
def _name_forms(value: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """Comparable forms of one normalised name, and its family-name candidates. Cached: names
    repeat (family names most: 4,444 distinct among 32,262 at 100,000 records).

    Latin names with long vowels folded (Satou = Sato) and also under the formal
    name of a nickname (Bob Smith = Robert Smith); kana also spelled in romaji;
    kanji names also without spaces (山田 太郎 = 山田太郎).
    """
    forms: list[str] = []
    family: set[str] = set()
    variants = [value]
    if has_kana(value):
        variants.append(fold(romaji(value)))
    elif value.isascii():
        variants = [fold(value)]
    for variant in variants:
        tokens = variant.split()
        forms.append(_sorted_tokens(variant))
        if len(tokens) > 1:
            family.update((tokens[0], tokens[-1]))
        else:
            family.add(variant)
    if not _CJK.search(value):
        tokens = variants[-1].split()
        forms += [_sorted_tokens(" ".join(formal if t == token else t for t in tokens))
                  for token in tokens for formal in FORMAL.get(token, ())]
    if _CJK.search(value):
        joined = value.replace(" ", "")
        forms.append(joined)
        if " " not in value and len(joined) >= 3:
            family.add(joined[:2])  # most family names in kanji are two characters
    return tuple(forms), frozenset(family)


def _phone_tail(props: dict[str, Any]) -> str | None:
    """The last 9 digits of the number, normalised or as given (national numbers without a country)."""
    raw = props.get("phone_norm") or props.get("phone")
    if not raw:
        return None
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", str(raw)) if ch.isdigit())
    return digits[-9:] if len(digits) >= 7 else None


_SUFFIXES = {"street": "st", "avenue": "ave", "road": "rd", "drive": "dr", "lane": "ln", "boulevard": "blvd",
             "court": "ct", "place": "pl", "crescent": "cres", "terrace": "tce", "highway": "hwy", "parade": "pde",
             "square": "sq", "circuit": "cct", "close": "cl", "north": "n", "south": "s", "east": "e", "west": "w",
             "strasse": "str", "straße": "str"}
_NUMBER = re.compile(r"\d")


@functools.lru_cache(maxsize=1 << 16)
def _street(raw: str | None) -> tuple[str | None, str | None, str | None]:
    """(street, number, name): "221 Maple Avenue" → ("221 maple ave", "221", "maple ave").
    Cached: a household's records and a source's repeats share the street."""
    if not raw:
        return None, None, None
    tokens = [_SUFFIXES.get(token, token) for token in re.split(r"[\s,.#/]+", normalise.text(raw)) if token]
    numbers = [token for token in tokens if _NUMBER.search(token)]
    words = [token for token in tokens if not _NUMBER.search(token)]
    return " ".join(tokens) or None, "-".join(numbers) or None, " ".join(words) or None


@functools.lru_cache(maxsize=1 << 12)
def _place(value: str) -> str:
    """A city or region as compared: few values, each held by thousands of records."""
    return normalise.text(value)


def forget_name_forms() -> None:
    """Drop the name forms a whole read cached: its records keep what they use, and a long-lived
    process (the events settler) would otherwise hold up to ``NAME_FORMS_CACHED`` of them."""
    _name_forms.cache_clear()


def match_record(props: dict[str, Any]) -> MatchRecord:
    """The comparable view of an Identity node's properties."""
    forms: list[str] = []
    family: set[str] = set()
    given, family_name = props.get("given_name"), props.get("family_name")
    names = [props.get("name_norm"), props.get("name_kana_norm")]
    if given and family_name:
        names.append(normalise.name(f"{family_name} {given}"))
    for value in names:
        if value:
            more_forms, more_family = _name_forms(value)
            forms += more_forms
            family |= more_family
    if family_name:
        family |= _name_forms(normalise.name(family_name))[1]
    email = props.get("email_norm")
    postal = props.get("postal_code_norm")
    updated = props.get("updated_at") or props.get("created_at")
    names_tuple = tuple(dict.fromkeys(forms))
    street, street_number, street_name = _street(str(props["street"]) if props.get("street") else None)
    return MatchRecord(
        identity_id=str(props["identity_id"]),
        source=str(props.get("source", "")),
        trust=int(props.get("trust") or 0),
        recency=updated.isoformat() if isinstance(updated, dt.datetime) else str(updated or ""),
        email=email,
        email_local=email.split("@", 1)[0] if email else None,
        email_stem=email.split("@", 1)[0].rstrip("0123456789") or None if email else None,
        phone=_phone_tail(props),
        birth_date=props.get("birth_date"),
        postal_code=postal,
        street=street,
        street_number=street_number,
        street_name=street_name,
        city=_place(props["city"]) if props.get("city") else None,
        region=_place(props["region"]) if props.get("region") else None,
        country=props.get("country"),
        loyalty_id=normalise.text(props["loyalty_id"]) if props.get("loyalty_id") else None,
        names=names_tuple,
        kanji=tuple(bool(_CJK.search(form)) for form in names_tuple),
        family=frozenset(family),
        person=str(props.get("known_as") or props["identity_id"]),
    )


def comparable(record: MatchRecord) -> bool:
    """Whether the record holds anything the model compares (a bare visitor's record does not)."""
    return bool(record.names or record.email or record.phone or record.birth_date or record.postal_code
                or record.street or record.city or record.loyalty_id)
