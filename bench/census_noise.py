"""A second, independent noise model for the identity benchmark: census-style person records.

Why: the sample generator (``custgraph generate``) and the engine were built side by side,
so quality on its data flatters whatever fits it. This model was written apart from it and is
never used to choose anything in the engine: another name stock (English-speaking census
surnames and given names, drawn with a long tail), households of several people at one
address sharing a family name and a landline, and the errors that census and registration
data show: typos, whole values replaced by another person's, transposed digits in postcodes
and dates, day and month swapped, nicknames, missing fields, people who moved.

    python bench/census_noise.py OUT_DIR --people 20000 [--seed 7]

writes ``OUT_DIR/census/{customers.csv,mapping.toml}`` (one source, loadable as is) and
``OUT_DIR/truth.csv`` (source,source_id,person_id), as ``custgraph generate`` does.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["write_census"]

SURNAMES = [
    "smith", "jones", "williams", "brown", "wilson", "taylor", "johnson", "white", "martin", "anderson",
    "thompson", "nguyen", "thomas", "walker", "harris", "lee", "ryan", "robinson", "kelly", "king", "davis",
    "wright", "evans", "roberts", "green", "hall", "wood", "jackson", "clarke", "patel", "khan", "lewis",
    "james", "phillips", "mitchell", "turner", "hughes", "edwards", "murphy", "cooper", "ward", "morris",
    "campbell", "young", "allen", "scott", "stewart", "baker", "adams", "nelson", "hill", "ross", "carter",
    "morgan", "parker", "collins", "graham", "bell", "watson", "kennedy", "murray", "wilkinson", "palmer",
    "chapman", "harrison", "shaw", "price", "bennett", "grant", "mills", "knight", "elliott", "dixon",
    "sullivan", "burke", "russell", "reid", "fraser", "cameron", "hamilton", "gordon", "ferguson", "hunter",
    "mcdonald", "mackenzie", "douglas", "henderson", "duncan", "marshall", "gibson", "wallace", "fisher",
    "holmes", "lloyd", "webb", "rogers", "barnes", "fletcher", "hart", "cox", "payne", "gray", "lawrence",
    "jenkins", "obrien", "doyle", "byrne", "walsh", "oconnor", "lynch", "quinn", "brennan", "gallagher",
    "farrell", "keane", "flanagan", "kavanagh", "costa", "rossi", "russo", "ferrari", "esposito", "bianchi",
    "romano", "colombo", "ricci", "marino", "greco", "bruno", "gallo", "conti", "mueller", "schmidt",
    "schneider", "fischer", "weber", "meyer", "wagner", "becker", "schulz", "hoffmann", "koch", "richter",
    "klein", "wolf", "tran", "le", "pham", "huynh", "hoang", "phan", "vu", "vo", "dang", "bui", "do", "ho",
    "ngo", "duong", "ly", "chen", "wang", "zhang", "liu", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun",
    "ma", "zhu", "hu", "guo", "he", "lin", "gao", "luo", "zheng", "liang", "xie", "tang", "han", "cao", "deng",
    "feng", "zeng", "peng", "singh", "kumar", "sharma", "gupta", "shah", "mehta", "joshi", "desai", "reddy",
    "rao", "iyer", "nair", "menon", "pillai", "papadopoulos", "nikolaidis", "georgiou", "dimitriou", "novak",
    "kowalski", "nowak", "wisniewski", "horvath", "abbott", "ainsworth", "akers", "aldridge", "ashworth",
    "atherton", "bairstow", "bancroft", "barraclough", "beaumont", "bickerstaff", "blackwood", "bramley",
    "brockbank", "broughton", "buckley", "calderwood", "cartwright", "cheetham", "clegg", "colclough",
    "crabtree", "cresswell", "dewhurst", "drinkwater", "earnshaw", "ecclestone", "fairbairn", "fairclough",
    "greenhalgh", "hargreaves", "haslam", "heseltine", "holroyd", "horsfall", "illingworth", "kershaw",
    "lightfoot", "longbottom", "marsden", "mottram", "ogden", "pickersgill", "priestley", "ramsbottom",
    "rawnsley", "scholefield", "shackleton", "sidebottom", "stansfield", "sutcliffe", "thistlethwaite",
    "tinsley", "townend", "uttley", "wadsworth", "whitworth", "wolstenholme", "wrigley"
]
GIVEN = [
    "jack", "oliver", "william", "thomas", "james", "joshua", "lachlan", "noah", "ethan", "samuel", "daniel",
    "benjamin", "lucas", "liam", "alexander", "matthew", "ryan", "riley", "harrison", "cooper", "max", "henry",
    "charlie", "isaac", "jacob", "oscar", "leo", "hunter", "archie", "charlotte", "olivia", "ruby", "mia",
    "emily", "chloe", "ava", "sophie", "isabella", "grace", "amelia", "zoe", "ella", "lily", "sienna",
    "jessica", "hannah", "sarah", "georgia", "matilda", "isla", "ivy", "evie", "harper", "audrey", "alice",
    "lucy", "madison", "caitlin", "kate", "laura", "michael", "david", "peter", "john", "robert", "paul",
    "andrew", "mark", "stephen", "christopher", "anthony", "richard", "kevin", "brian", "margaret", "patricia",
    "jennifer", "elizabeth", "susan", "karen", "helen", "michelle", "kimberley", "rebecca", "deborah",
    "catherine", "joan", "dorothy", "barbara", "nancy", "judith", "carol", "janet", "maureen", "gwen", "elaine",
    "wendy", "pauline", "gillian"
]
NICKNAMES = {"william": "bill", "robert": "bob", "richard": "dick", "margaret": "peggy", "elizabeth": "liz",
             "james": "jim", "thomas": "tom", "michael": "mike", "christopher": "chris", "anthony": "tony",
             "catherine": "kate", "rebecca": "becky", "jennifer": "jenny", "patricia": "trish",
             "alexander": "alex", "benjamin": "ben", "samuel": "sam", "matthew": "matt", "daniel": "dan",
             "deborah": "debbie", "kimberley": "kim", "joshua": "josh", "stephen": "steve", "peter": "pete"}
STREET_NAMES = [
    "acacia", "albert", "alexandra", "alfred", "anzac", "arthur", "bay", "beach", "bent", "boundary", "bridge",
    "brunswick", "cambridge", "canterbury", "carlton", "chapel", "charles", "church", "clarence", "cliff",
    "collins", "commercial", "coronation", "cross", "elizabeth", "esplanade", "fitzroy", "forest", "george",
    "gladstone", "glebe", "grange", "hawthorn", "high", "hill", "king", "lake", "lansdowne", "lime", "lyons",
    "macquarie", "main", "maple", "market", "marine", "mill", "milton", "nelson", "new", "north", "oak",
    "orange", "park", "pine", "prince", "princes", "queen", "railway", "regent", "river", "rose", "russell",
    "school", "smith", "south", "station", "stirling", "sydney", "union", "victoria", "view", "wattle",
    "wellington", "william", "windsor", "york"
]
STREET_TYPES = ["street", "road", "avenue", "drive", "court", "place", "crescent", "lane", "parade", "terrace"]
TOWNS = [("sydney", "nsw", "2000"), ("newcastle", "nsw", "2300"), ("wollongong", "nsw", "2500"),
         ("melbourne", "vic", "3000"), ("geelong", "vic", "3220"), ("ballarat", "vic", "3350"),
         ("brisbane", "qld", "4000"), ("cairns", "qld", "4870"), ("townsville", "qld", "4810"),
         ("perth", "wa", "6000"), ("bunbury", "wa", "6230"), ("adelaide", "sa", "5000"),
         ("hobart", "tas", "7000"), ("launceston", "tas", "7250"), ("darwin", "nt", "0800"),
         ("canberra", "act", "2600"), ("dubbo", "nsw", "2830"), ("bendigo", "vic", "3550"),
         ("toowoomba", "qld", "4350"), ("mildura", "vic", "3500")]
COLUMNS = ["source_id", "given_name", "family_name", "birth_date", "street", "city", "postal_code", "region",
           "phone", "email", "loyalty_id", "country"]


@dataclass(frozen=True)
class Person:
    person_id: str
    given: str
    family: str
    birth: dt.date
    street: str
    town: tuple[str, str, str]
    postcode: str
    phone: str
    email: str
    member: str


_WEIGHTS: dict[int, list[float]] = {}


def _tail(rng: random.Random, items: list[str]) -> str:
    """Long-tailed draw, weight 1/(rank + 10): the first item about 3% of all, as Smith is
    among surnames, and the last a tenth of that or less."""
    weights = _WEIGHTS.setdefault(len(items), list(itertools.accumulate(1 / (rank + 10) for rank in range(len(items)))))
    return rng.choices(items, cum_weights=weights)[0]


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.choice(("swap", "drop", "double", "change"))
    if kind == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == "drop":
        return text[:i] + text[i + 1:]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeioustrnl") + text[i + 1:]


def _swap_digits(rng: random.Random, digits: str) -> str:
    if len(digits) < 2:
        return digits
    i = rng.randrange(len(digits) - 1)
    return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]


def _address(rng: random.Random) -> tuple[str, tuple[str, str, str], str]:
    town = rng.choice(TOWNS)
    postcode = str(int(town[2]) + rng.randrange(0, 60)).zfill(4)
    return f"{rng.randrange(1, 400)} {_tail(rng, STREET_NAMES)} {rng.choice(STREET_TYPES)}", town, postcode


def _people(rng: random.Random, count: int) -> list[Person]:
    people: list[Person] = []
    while len(people) < count:
        family = _tail(rng, SURNAMES)
        street, town, postcode = _address(rng)
        landline = f"0{rng.randrange(2, 9)}{rng.randrange(10**7, 10**8)}"
        size = rng.choice((1, 1, 1, 2, 2, 3, 4))  # households share an address, a name and a landline
        for _ in range(min(size, count - len(people))):
            given = _tail(rng, GIVEN)
            birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 75))
            phone = landline if rng.random() < 0.4 else f"04{rng.randrange(10**7, 10**8)}"
            email = f"{given}.{family}{rng.randrange(1, 999)}@{rng.choice(('bigpond.com', 'gmail.com', 'optus.net'))}"
            people.append(Person(f"Q{len(people):07d}", given, family, birth, street, town, postcode, phone,
                                 email, f"M{rng.randrange(10**8, 10**9)}"))
    return people


def _record(rng: random.Random, person: Person, others: list[Person], first: bool) -> dict[str, str]:
    """One registration of ``person``: the first clean-ish, later ones with census errors."""
    p = person
    if not first and rng.random() < 0.15:  # moved
        street, town, postcode = _address(rng)
        p = replace(p, street=street, town=town, postcode=postcode)
    given, family, birth = p.given, p.family, p.birth.isoformat()
    street, (city, region, _), postcode, phone = p.street, p.town, p.postcode, p.phone
    errors = 0 if first and rng.random() < 0.5 else rng.choice((0, 1, 1, 2, 2, 3))
    for _ in range(errors):
        kind = rng.choice(("typo_given", "typo_family", "nickname", "substitute", "postcode", "dob_digits",
                           "dob_swap", "typo_street", "phone"))
        if kind == "typo_given":
            given = _typo(rng, given)
        elif kind == "typo_family":
            family = _typo(rng, family)
        elif kind == "nickname" and given in NICKNAMES:
            given = NICKNAMES[given]
        elif kind == "substitute":  # a whole value from another record
            other = rng.choice(others)
            field = rng.choice(("given", "birth", "street", "phone"))
            given = other.given if field == "given" else given
            birth = other.birth.isoformat() if field == "birth" else birth
            street = other.street if field == "street" else street
            phone = other.phone if field == "phone" else phone
        elif kind == "postcode":
            postcode = _swap_digits(rng, postcode)
        elif kind == "dob_digits":
            birth = birth[:2] + _swap_digits(rng, birth[2:4]) + birth[4:]
        elif kind == "dob_swap" and p.birth.day <= 12:
            birth = f"{p.birth.year}-{p.birth.day:02d}-{p.birth.month:02d}"
        elif kind == "typo_street":
            street = _typo(rng, street)
        elif kind == "phone":
            phone = _swap_digits(rng, phone)
    row = {"given_name": given, "family_name": family, "birth_date": birth, "street": street, "city": city,
           "postal_code": postcode, "region": region, "phone": phone, "email": p.email, "loyalty_id": p.member,
           "country": "AU"}
    for field, keep in (("birth_date", 0.85), ("street", 0.9), ("phone", 0.6), ("email", 0.35),
                        ("loyalty_id", 0.2), ("given_name", 0.97), ("postal_code", 0.92)):
        if rng.random() > keep:
            row[field] = ""
    if row["birth_date"]:  # a date that a typo made impossible is left out, as a form would refuse it
        try:
            dt.date.fromisoformat(row["birth_date"])
        except ValueError:
            row["birth_date"] = ""
    return row


def write_census(out: Path, people: int, seed: int = 7) -> int:
    """Write the source and truth.csv; returns the number of records."""
    rng = random.Random(seed)
    persons = _people(rng, people)
    folder = out / "census"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping.toml").write_text('[source]\nname = "census"\ntrust = 50\n', encoding="utf-8")
    records = 0
    with open(folder / "customers.csv", "w", encoding="utf-8", newline="") as customers, \
            open(out / "truth.csv", "w", encoding="utf-8", newline="") as truth:
        rows = csv.DictWriter(customers, fieldnames=COLUMNS)
        rows.writeheader()
        truths = csv.writer(truth)
        truths.writerow(["source", "source_id", "person_id"])
        for person in persons:
            for copy in range(rng.choice((1, 1, 2, 2, 2, 3, 4))):
                records += 1
                source_id = f"R{records:08d}"
                rows.writerow({"source_id": source_id, **_record(rng, person, persons, copy == 0)})
                truths.writerow(["census", source_id, person.person_id])
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"{write_census(args.out, args.people, args.seed):,} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
