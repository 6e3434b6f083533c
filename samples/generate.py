"""``custgraph generate``: realistic multi-source sample data in the input contract.

Why: identity resolution, cross-sell and journey analytics can only be judged
on data whose truth is known. Each generated person appears in several of four
source systems (crm, webshop, support, survey) with the noise real exports
have: e-mail case and plus-tags, phone formats (E.164, national, full-width
digits), nicknames, typos, moved addresses, missing fields, Japanese names in
kanji, hiragana, katakana (also half-width) and romaji, and duplicate records
within one system. ``truth.csv`` names each record's person.

Purchases follow latent category preferences and complements (tea → teaware),
so cross-sell has real signal; journeys run visit → cart → purchase → support →
survey with drop-offs, and surveys carry NPS / CSAT scores that fall after a
bad support experience. The same seed gives the same files, byte for byte.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import random
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from custgraph.graph.romaji import fold, romaji

from .name_tables import (
    CATALOGUE,
    COMPLEMENTS,
    EMAIL_DOMAINS,
    JAPANESE_FAMILY,
    JAPANESE_FAMILY_FIRST,
    JAPANESE_FAMILY_SECOND,
    JAPANESE_GIVEN,
    JAPANESE_GIVEN_FIRST,
    JAPANESE_GIVEN_SECOND,
    JAPANESE_PLACES,
    PHONE_PREFIX,
    STREETS,
    WESTERN_FAMILY,
    WESTERN_GIVEN,
    WESTERN_PLACES,
    WESTERN_ROOTS_EN,
    WESTERN_ROOTS_NORDIC,
    WESTERN_SUFFIXES_EN,
    WESTERN_SUFFIXES_NORDIC,
)

__all__ = ["GenerateReport", "generate"]

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
DAYS = 1035  # to the end of October 2026

SOURCES = ("crm", "webshop", "support", "survey")
MEMBERSHIP = {"crm": 0.75, "webshop": 0.65, "support": 0.35, "survey": 0.35}
TRUST = {"crm": 90, "webshop": 70, "support": 60, "survey": 40}

CHANNELS = (
    ("web", "Web shop", "web"), ("app", "Mobile app", "app"), ("store-tokyo", "Tokyo store", "store"),
    ("store-osaka", "Osaka store", "store"), ("store-london", "London store", "store"),
    ("store-nyc", "New York store", "store"), ("phone", "Support line", "phone"), ("email", "E-mail", "email"),
    ("chat", "Web chat", "chat"), ("social", "Social media", "social"),
)

# Zipf-Mandelbrot weights 1 / (rank + q) ** s over each ranked name table.
# With q = 20, s = 1 the most common family name is held by ~1.1% of people,
# the ten most common by ~9% and the hundred most common by ~41% (Japan: 佐藤
# ~1.5%, top ten ~10%; the US: Smith ~0.8%, top hundred ~17%, so western
# names here are, if anything, more crowded than real ones).
NAME_SHAPE = (20.0, 1.0)

T = TypeVar("T")


class NamePool(Generic[T]):
    """A ranked name table that draws common names often and rare names rarely."""

    def __init__(self, ranked: list[T]) -> None:
        q, s = NAME_SHAPE
        self.names = ranked
        self.cumulative = list(itertools.accumulate(1.0 / (rank + q) ** s for rank in range(1, len(ranked) + 1)))

    def draw(self, rng: random.Random) -> T:
        return rng.choices(self.names, cum_weights=self.cumulative)[0]


def _compounds(first: Sequence[tuple[str, str]], second: Sequence[tuple[str, str]],
               common: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Common (kanji, reading) names, then every compound of the parts in a fixed shuffled order."""
    known = {kanji for kanji, _ in common}
    rest = [(a + b, ra + rb) for a, ra in first for b, rb in second if a + b not in known and a != b]
    random.Random(0).shuffle(rest)
    return list(dict.fromkeys(list(common) + rest))


def _western_family() -> list[str]:
    rest = [a + b for a in WESTERN_ROOTS_EN for b in WESTERN_SUFFIXES_EN]
    rest += [a + b for a in WESTERN_ROOTS_NORDIC for b in WESTERN_SUFFIXES_NORDIC if a.lower() != b]
    random.Random(0).shuffle(rest)
    return list(dict.fromkeys(list(WESTERN_FAMILY) + rest))


def _latin(reading: str) -> str:
    """The romaji a person writes for a kana reading: Hepburn without long vowels (さとう → Sato)."""
    return fold(romaji(reading)).capitalize()


_HALF_WIDTH_KANA = {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF66, 0xFF9E)}


def katakana(hiragana: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in hiragana)


def half_width(kana: str) -> str:
    """Katakana → half-width katakana (ｶﾀｶﾅ), as old POS and CRM systems store it."""
    out = []
    for ch in kana:
        base = unicodedata.normalize("NFD", ch)
        if base[0] in _HALF_WIDTH_KANA:
            out.append(_HALF_WIDTH_KANA[base[0]] + ("ﾞ" if "\u3099" in base else "ﾟ" if "\u309a" in base else ""))
        else:
            out.append(ch)
    return "".join(out)


def full_width_digits(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789+-"})


@dataclass
class Person:
    person_id: str
    japanese: bool
    given: str  # romaji or western
    family: str
    given_kanji: str = ""
    family_kanji: str = ""
    given_kana: str = ""
    family_kana: str = ""
    nicknames: tuple[str, ...] = ()
    email: str = ""
    old_email: str = ""
    country: str = ""
    nsn: str = ""  # national significant number
    birth_date: dt.date = dt.date(1980, 1, 1)
    address: tuple[str, str, str, str] = ("", "", "", "")  # street, city, postal code, region
    old_address: tuple[str, str, str, str] | None = None
    loyalty_id: str | None = None
    favourites: list[str] = field(default_factory=list)
    activity: float = 1.0
    satisfaction: float = 8.0
    sources: dict[str, list[str]] = field(default_factory=dict)  # source → its record ids


@dataclass
class GenerateReport:
    persons: int = 0
    records: dict[str, int] = field(default_factory=dict)
    interactions: dict[str, int] = field(default_factory=dict)

    @property
    def total_interactions(self) -> int:
        return sum(self.interactions.values())


class _Writers:
    """One open file per (source, entity); CSV or JSONL by the source's habit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[tuple[str, str], tuple[IO[str], Callable[[dict[str, Any]], None]]] = {}

    def open(self, source: str, entity: str, columns: list[str], jsonl: bool = False) -> None:
        folder = self.root / source
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{entity}.{'jsonl' if jsonl else 'csv'}"
        handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed in close()
        if jsonl:
            def write(row: dict[str, Any]) -> None:
                handle.write(json.dumps({k: v for k, v in row.items() if v not in (None, "")},
                                        ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="raise")
            writer.writeheader()

            def write(row: dict[str, Any]) -> None:
                writer.writerow(row)
        self._files[(source, entity)] = (handle, write)

    def write(self, source: str, entity: str, row: dict[str, Any]) -> None:
        self._files[(source, entity)][1](row)

    def close(self) -> None:
        for handle, _ in self._files.values():
            handle.close()


# Column names of the crm export differ from the canonical ones; its mapping.toml renames them.
CRM_COLUMNS = {
    "source_id": "CustomerNo", "name": "FullName", "name_kana": "NameKana", "email": "EMail", "phone": "Tel",
    "birth_date": "DOB", "street": "Street", "city": "City", "postal_code": "Zip", "region": "Region",
    "country": "Country", "loyalty_id": "LoyaltyNo", "email_opt_in": "NewsletterOK", "updated_at": "LastModified",
}


class _Generator:
    def __init__(self, out: Path, customers: int, seed: int, interactions_per_customer: float) -> None:
        self.rng = random.Random(seed)
        self.out = out
        self.count = customers
        self.rate = interactions_per_customer
        self.report = GenerateReport(persons=customers)
        self.products = self._catalogue()
        self.by_category: dict[str, list[str]] = {}
        for sku, category, *_ in self.products:
            self.by_category.setdefault(category, []).append(sku)
        self.category_of = {p[0]: p[1] for p in self.products}
        self.price_of = {p[0]: p[4] for p in self.products}
        self.reps = [(f"R-{n:03d}", team, region) for n, (team, region) in enumerate(
            [(t, r) for t in ("support", "sales", "store") for r in ("JP", "EU", "US")] * 4, start=1)]
        self.ids: dict[str, int] = dict.fromkeys(SOURCES, 0)
        self.western_given = NamePool(list(WESTERN_GIVEN))
        self.western_family = NamePool(_western_family())
        self.japanese_given = NamePool(_compounds(JAPANESE_GIVEN_FIRST, JAPANESE_GIVEN_SECOND, JAPANESE_GIVEN))
        self.japanese_family = NamePool(_compounds(JAPANESE_FAMILY_FIRST, JAPANESE_FAMILY_SECOND, JAPANESE_FAMILY))

    # --- reference data -------------------------------------------------------------

    def _catalogue(self) -> list[tuple[str, str, str, str, float]]:
        products = []
        for category, (brands, base, nouns) in CATALOGUE.items():
            for n, (noun, brand) in enumerate(((noun, brand) for noun in nouns for brand in brands), start=1):
                price = round(base * (0.6 + 0.8 * ((n * 7919) % 100) / 100), 2)
                products.append((f"{category.upper()}-{n:03d}", category, f"{brand} {noun}", brand, price))
        return products

    # --- people -----------------------------------------------------------------------

    def person(self, index: int) -> Person:
        rng = self.rng
        japanese = rng.random() < 0.35
        if japanese:
            fk, fh = self.japanese_family.draw(rng)
            gk, gh = self.japanese_given.draw(rng)
            person = Person(f"P{index:07d}", True, _latin(gh), _latin(fh), gk, fk, gh, fh, country="JP")
            city, region, postal = rng.choice(JAPANESE_PLACES)
            street = f"{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
            person.address = (street, region, f"{postal}-{rng.randint(0, 9999):04d}", city)
            person.nsn = f"{rng.choice('987')}0{rng.randint(0, 99_999_999):08d}"
        else:
            given, nicknames = self.western_given.draw(rng)
            family = self.western_family.draw(rng)
            city, country, postal = rng.choice(WESTERN_PLACES)
            person = Person(f"P{index:07d}", False, given, family, nicknames=nicknames, country=country)
            person.address = (f"{rng.randint(1, 250)} {rng.choice(STREETS)}", city,
                              self._western_postal(postal, country), "")
            person.nsn = self._western_nsn(country)
        ascii_family = unicodedata.normalize("NFKD", person.family).encode("ascii", "ignore").decode()
        local = rng.choice([f"{person.given}.{ascii_family}", f"{person.given[0]}{ascii_family}",
                            f"{ascii_family}.{person.given}"]).lower().replace("'", "")
        person.email = f"{local}{rng.randint(1, 9999)}@{rng.choice(EMAIL_DOMAINS)}"
        if rng.random() < 0.15:
            person.old_email = f"{local}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
        person.birth_date = START.date() - dt.timedelta(days=rng.randint(18 * 365, 80 * 365))
        if rng.random() < 0.12:
            old_street = f"{rng.randint(1, 250)} {rng.choice(STREETS)}" if not japanese else \
                f"{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
            person.old_address = (old_street, person.address[1], person.address[2][:-1] + str(rng.randint(0, 9)),
                                  person.address[3])
        if rng.random() < 0.4:
            person.loyalty_id = f"L{rng.randint(10_000_000, 99_999_999)}"
        categories = list(CATALOGUE)
        person.favourites = rng.sample(categories, rng.choice((1, 2, 2, 3)))
        person.activity = rng.lognormvariate(0, 0.6)
        person.satisfaction = min(10.0, max(2.0, rng.gauss(7.8, 1.6)))
        for source in SOURCES:
            if rng.random() < MEMBERSHIP[source]:
                person.sources[source] = [self._record_id(source)]
                if rng.random() < 0.02:  # a duplicate record in the same system
                    person.sources[source].append(self._record_id(source))
        if not person.sources:
            person.sources["webshop"] = [self._record_id("webshop")]
        return person

    def _western_nsn(self, country: str) -> str:
        """A national significant number of a plausible length for ``country`` (mobile ranges)."""
        rng = self.rng
        if country == "US":
            return f"{rng.choice(('206', '312', '212', '415'))}{rng.randint(2, 9)}{rng.randint(0, 999_999):06d}"
        if country == "GB":
            return f"7{rng.randint(100, 999)}{rng.randint(0, 999_999):06d}"
        if country == "SE":
            return f"7{rng.choice('0236')}{rng.randint(0, 9_999_999):07d}"
        if country == "DE":
            return f"15{rng.randint(1, 9)}{rng.randint(0, 99_999_999):08d}"
        if country == "FR":
            return f"{rng.choice('67')}{rng.randint(0, 99_999_999):08d}"
        return f"3{rng.randint(10, 99)}{rng.randint(0, 9_999_999):07d}"

    def _western_postal(self, prefix: str, country: str) -> str:
        rng = self.rng
        if country == "GB":
            return f"{prefix} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"
        if country == "SE":
            return f"{prefix} {rng.randint(10, 99)}"
        return f"{prefix}{rng.randint(0, 99):02d}"

    def _record_id(self, source: str) -> str:
        self.ids[source] += 1
        prefix = {"crm": "C-", "webshop": "u", "support": "S", "survey": "R"}[source]
        return f"{prefix}{self.ids[source]:07d}"

    # --- noisy views of a person, per source ------------------------------------------

    def phone(self, person: Person) -> str:
        rng, nsn = self.rng, person.nsn
        trunk = "" if person.country in ("US", "IT") else "0"
        japanese = person.country == "JP"
        grouped = f"{nsn[:2]}-{nsn[2:6]}-{nsn[6:]}" if japanese else f"{nsn[:3]} {nsn[3:6]} {nsn[6:]}"
        form = rng.random()
        if form < 0.3:
            return f"{PHONE_PREFIX[person.country]} {grouped}"
        if form < 0.6:
            return f"{trunk}{grouped}"
        if form < 0.8:
            return f"{trunk}{nsn}"
        if person.country == "JP":
            return full_width_digits(f"{trunk}{grouped}")
        return f"{PHONE_PREFIX[person.country]}{nsn}"

    def email(self, person: Person, plus_tag: bool = False) -> str:
        rng = self.rng
        address = person.old_email if person.old_email and rng.random() < 0.35 else person.email
        if plus_tag and rng.random() < 0.08:
            local, domain = address.split("@")
            address = f"{local}+shop@{domain}"
        roll = rng.random()
        if roll < 0.15:
            return address.upper()
        if roll < 0.35:
            local, domain = address.split("@")
            return f"{local.title()}@{domain.capitalize()}"
        return address

    def typo(self, text: str) -> str:
        rng = self.rng
        if len(text) < 4 or rng.random() > 0.04:
            return text
        i = rng.randint(1, len(text) - 2)
        return text[:i] + text[i + 1] + text[i] + text[i + 2:] if rng.random() < 0.5 else text[:i] + text[i + 1:]

    def given(self, person: Person, informal: float) -> str:
        if person.nicknames and self.rng.random() < informal:
            return self.rng.choice(person.nicknames)
        return person.given

    def japanese_name(self, person: Person, style: str) -> str:
        rng = self.rng
        if style == "kanji":
            family, given = person.family_kanji, person.given_kanji
            return rng.choice([f"{family} {given}", f"{family}\u3000{given}", f"{family}{given}"])
        if style == "katakana":
            kana = f"{katakana(person.family_kana)} {katakana(person.given_kana)}"
            return half_width(kana) if rng.random() < 0.25 else kana
        if style == "hiragana":
            return f"{person.family_kana} {person.given_kana}"
        return rng.choice([f"{person.given} {person.family}", f"{person.family} {person.given}",
                           f"{person.family.upper()} {person.given}"])

    def address(self, person: Person) -> tuple[str, str, str, str]:
        if person.old_address and self.rng.random() < 0.5:
            return person.old_address
        return person.address

    def customer_rows(self, person: Person, source: str, record_id: str) -> dict[str, Any]:
        rng = self.rng
        street, city, postal, region = self.address(person)

        def maybe(value: str, p: float) -> str:
            """``value`` with probability ``p``, else missing."""
            return value if rng.random() < p else ""

        if source == "crm":
            if person.japanese:
                name = self.japanese_name(person, "kanji")
                kana = self.japanese_name(person, "katakana")
            else:
                given = person.given
                name = rng.choice([f"{given} {person.family}", f"{person.family}, {given}",
                                   f"{given} {person.family.upper()}"])
                kana = ""
            dob = person.birth_date
            local_form = f"{dob.year}年{dob.month}月{dob.day}日" if person.japanese else dob.strftime("%d.%m.%Y")
            dob_text = rng.choice([dob.isoformat(), dob.strftime("%Y/%m/%d"), local_form])
            row = {"source_id": record_id, "name": self.typo(name), "name_kana": kana,
                   "email": maybe(self.email(person), 0.85), "phone": maybe(self.phone(person), 0.8),
                   "birth_date": maybe(dob_text, 0.7), "street": street, "city": city, "postal_code": postal,
                   "region": region, "country": person.country, "loyalty_id": person.loyalty_id or "",
                   "email_opt_in": rng.choice(("yes", "no", "true", "false", "")),
                   "updated_at": self.moment(rng.uniform(0, DAYS)).isoformat()}
            return {CRM_COLUMNS[k]: v for k, v in row.items()}
        if source == "webshop":
            if person.japanese:
                name_parts = (person.given, person.family) if rng.random() < 0.6 else \
                    (person.given_kanji, person.family_kanji)
            else:
                name_parts = (self.given(person, 0.15), self.typo(person.family))
            return {"source_id": record_id, "given_name": name_parts[0], "family_name": name_parts[1],
                    "email": self.email(person, plus_tag=True), "phone": maybe(self.phone(person), 0.5),
                    "street": maybe(street, 0.8), "city": maybe(city, 0.8), "postal_code": maybe(postal, 0.8),
                    "country": person.country, "loyalty_id": maybe(person.loyalty_id or "", 0.8),
                    "email_opt_in": rng.random() < 0.6,
                    "created_at": self.moment(rng.uniform(0, DAYS / 2)).isoformat()}
        if source == "support":
            name = self.japanese_name(person, rng.choice(("katakana", "kanji"))) if person.japanese else \
                f"{self.given(person, 0.3)} {self.typo(person.family)}"
            return {"source_id": record_id, "name": name, "email": maybe(self.email(person), 0.75),
                    "phone": maybe(self.phone(person), 0.85), "country": maybe(person.country, 0.6)}
        name = self.japanese_name(person, rng.choice(("romaji", "hiragana"))) if person.japanese else \
            f"{self.given(person, 0.2)} {person.family}"
        return {"source_id": record_id, "name": maybe(name, 0.6), "email": self.email(person),
                "birth_date": maybe(person.birth_date.isoformat(), 0.3), "country": maybe(person.country, 0.5)}

    # --- journeys ---------------------------------------------------------------------

    def moment(self, day: float) -> dt.datetime:
        return (START + dt.timedelta(days=day)).replace(microsecond=0)

    def pick_product(self, person: Person, bought: list[str]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.65 or not bought:
            category = rng.choice(person.favourites)
        elif roll < 0.9:
            category = rng.choice(COMPLEMENTS[rng.choice(bought)])
        else:
            category = rng.choice(list(CATALOGUE))
        skus = self.by_category[category]
        # Popularity falls with position: the first products of a category sell most.
        return skus[min(int(rng.expovariate(0.35)), len(skus) - 1)]

    def journeys(self, person: Person) -> Iterator[tuple[str, dict[str, Any]]]:
        """(source, interaction row) in time order for one person."""
        rng = self.rng
        categories_bought: list[str] = []
        episodes = max(1, round(rng.expovariate(1.0) * person.activity * self.rate / 2.45))
        days = sorted(rng.uniform(0, DAYS - 20) for _ in range(episodes))
        stores = {"JP": rng.choice(("store-tokyo", "store-osaka")), "GB": "store-london"}
        store = stores.get(person.country, "store-nyc")
        for day in days:
            t = day
            if "webshop" in person.sources and (rng.random() < 0.7 or "crm" not in person.sources):
                channel = "app" if rng.random() < 0.3 else "web"
                customer = rng.choice(person.sources["webshop"])
                sku = self.pick_product(person, categories_bought)
                for _ in range(rng.choice((1, 1, 2, 3))):
                    t += rng.uniform(0.001, 0.02)
                    yield "webshop", self.interaction(customer, "web_visit", t, channel=channel, sku=sku)
                if rng.random() >= 0.45:
                    continue  # left without a cart
                t += rng.uniform(0.001, 0.01)
                yield "webshop", self.interaction(customer, "add_to_cart", t, channel=channel, sku=sku)
                if rng.random() >= 0.6:
                    continue  # abandoned cart
                skus = [sku] + ([self.pick_product(person, categories_bought)] if rng.random() < 0.3 else [])
                t += rng.uniform(0.001, 0.01)
                yield "webshop", self.purchase(customer, t, channel, skus)
            elif "crm" in person.sources:
                customer = rng.choice(person.sources["crm"])
                if rng.random() < 0.35:
                    yield "crm", self.interaction(customer, "email_sent", t, channel="email")
                    if rng.random() >= 0.4:
                        continue
                    t += rng.uniform(0.01, 2)
                    yield "crm", self.interaction(customer, "email_open", t, channel="email")
                    if rng.random() >= 0.35:
                        continue
                    t += rng.uniform(0.001, 0.01)
                    yield "crm", self.interaction(customer, "email_click", t, channel="email")
                    t += rng.uniform(0.5, 5)
                skus = [self.pick_product(person, categories_bought) for _ in range(rng.choice((1, 1, 2)))]
                yield "crm", self.purchase(customer, t, store, skus, rep=self.rep("store", person))
            else:
                continue
            categories_bought.extend(self.category_of[sku] for sku in skus)
            ticket_went_badly = False
            if "support" in person.sources and rng.random() < 0.18:
                t += rng.uniform(1, 14)
                ticket_went_badly = rng.random() < 0.3
                yield "support", self.interaction(
                    rng.choice(person.sources["support"]), "support_ticket", t,
                    channel=rng.choice(("phone", "chat", "email")), rep=self.rep("support", person), sku=skus[0],
                    sentiment=round(rng.uniform(-0.9, -0.2) if ticket_went_badly else rng.uniform(-0.3, 0.6), 2),
                    text=rng.choice(("Where is my order?", "Item arrived damaged", "How do I use this?",
                                     "Wrong size", "Refund please", "Great help, thanks")))
            if "survey" in person.sources and rng.random() < (0.6 if ticket_went_badly else 0.25):
                t += rng.uniform(0.5, 7)
                score = person.satisfaction - (4 if ticket_went_badly else 0) + rng.gauss(0, 1)
                kind = "csat" if rng.random() < 0.25 else "nps"
                value = round(min(5, max(1, score / 2))) if kind == "csat" else round(min(10, max(0, score)))
                yield "survey", self.interaction(rng.choice(person.sources["survey"]), "survey_response", t,
                                                 channel="email", score=value, score_kind=kind)

    def rep(self, team: str, person: Person) -> str:
        region = "JP" if person.country == "JP" else "US" if person.country == "US" else "EU"
        candidates = [rep for rep, t, r in self.reps if t == team and r == region]
        return self.rng.choice(candidates)

    def interaction(self, customer: str, kind: str, day: float, **fields: Any) -> dict[str, Any]:
        return {"customer_id": customer, "type": kind, "at": self.moment(day).isoformat(), **fields}

    def purchase(
        self, customer: str, day: float, channel: str, skus: list[str], rep: str | None = None
    ) -> dict[str, Any]:
        quantity = self.rng.choice((1, 1, 1, 2, 3))
        amount = round(sum(self.price_of[sku] for sku in skus) * quantity, 2)
        return self.interaction(customer, "purchase", day, channel=channel, sku=skus, quantity=quantity,
                                amount=amount, rep=rep)


CUSTOMER_COLUMNS = {
    "crm": list(CRM_COLUMNS.values()),
    "support": ["source_id", "name", "email", "phone", "country"],
    "survey": ["source_id", "name", "email", "birth_date", "country"],
}
INTERACTION_PREFIX = {"crm": "CR", "webshop": "WS", "support": "TK", "survey": "SV"}
INTERACTION_COLUMNS = ["interaction_id", "customer_id", "type", "at", "channel_id", "rep_id", "sku", "amount",
                       "quantity", "score", "score_kind", "sentiment", "text"]


def generate(out: Path, customers: int, seed: int, interactions_per_customer: float = 10.0) -> GenerateReport:
    """Write the four sources and ``truth.csv`` under ``out``; returns what was written."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    gen = _Generator(out, customers, seed, interactions_per_customer)
    out.mkdir(parents=True, exist_ok=True)
    writers = _Writers(out)
    try:
        _write_reference_data(out, gen, writers)
        for source in SOURCES:
            writers.open(source, "customers", CUSTOMER_COLUMNS.get(source, []), jsonl=source == "webshop")
            writers.open(source, "interactions", INTERACTION_COLUMNS, jsonl=source == "webshop")
        with open(out / "truth.csv", "w", encoding="utf-8", newline="") as truth_file:
            truth = csv.writer(truth_file)
            truth.writerow(["source", "source_id", "person_id"])
            counters = dict.fromkeys(SOURCES, 0)
            for index in range(1, customers + 1):
                person = gen.person(index)
                for source, records in person.sources.items():
                    for record_id in records:
                        writers.write(source, "customers", gen.customer_rows(person, source, record_id))
                        truth.writerow([source, record_id, person.person_id])
                        gen.report.records[source] = gen.report.records.get(source, 0) + 1
                for source, row in gen.journeys(person):
                    counters[source] += 1
                    row = {"interaction_id": f"{INTERACTION_PREFIX[source]}{counters[source]:09d}", **row}
                    if source != "webshop":
                        row["sku"] = "|".join(row["sku"]) if isinstance(row.get("sku"), list) else row.get("sku")
                    row["channel_id"] = row.pop("channel", None)
                    row["rep_id"] = row.pop("rep", None)
                    writers.write(source, "interactions", row)
            gen.report.interactions = {s: n for s, n in counters.items() if n}
    finally:
        writers.close()
    return gen.report


def _write_reference_data(out: Path, gen: _Generator, writers: _Writers) -> None:
    writers.open("webshop", "products", ["sku", "name", "category", "brand", "price"])
    for sku, category, name, brand, price in gen.products:
        writers.write("webshop", "products", {"sku": sku, "name": name, "category": category, "brand": brand,
                                               "price": price})
    writers.open("crm", "channels", ["channel_id", "name", "kind"])
    for channel_id, name, kind in CHANNELS:
        writers.write("crm", "channels", {"channel_id": channel_id, "name": name, "kind": kind})
    writers.open("support", "reps", ["rep_id", "name", "team", "region"])
    for n, (rep_id, team, region) in enumerate(gen.reps):
        given, family = WESTERN_GIVEN[n % len(WESTERN_GIVEN)][0], WESTERN_FAMILY[(n * 7) % len(WESTERN_FAMILY)]
        writers.write("support", "reps", {"rep_id": rep_id, "name": f"{given} {family}", "team": team,
                                          "region": region})
    for source in SOURCES:
        (out / source).mkdir(parents=True, exist_ok=True)
        lines = [f'[source]\nname = "{source}"\ntrust = {TRUST[source]}\n']
        if source == "crm":
            lines.append("\n[columns.customers]\n")
            lines += [f'{canonical} = "{column}"\n' for canonical, column in CRM_COLUMNS.items()]
        (out / source / "mapping.toml").write_text("".join(lines), encoding="utf-8")
