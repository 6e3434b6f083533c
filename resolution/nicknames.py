"""Common English given-name nicknames and the formal names they stand for.

Why: the CRM has "Robert Smith", the support desk "Bob Smith". No string
similarity sees that Bob is Robert, so a record is also compared under each
formal name its nickname can stand for. Keys and values are lower case, as
normalised names are. A data team with other names (German, Spanish...) extends
this table.
"""

from __future__ import annotations

__all__ = ["FORMAL"]

FORMAL: dict[str, tuple[str, ...]] = {
    "abby": ("abigail",), "alex": ("alexander", "alexandra"), "andy": ("andrew",), "angie": ("angela",),
    "barb": ("barbara",), "becca": ("rebecca",), "becky": ("rebecca",), "ben": ("benjamin",),
    "beth": ("elizabeth",), "betty": ("elizabeth",), "bill": ("william",), "billy": ("william",),
    "bob": ("robert",), "bobby": ("robert",), "cathy": ("catherine", "kathleen"), "charlie": ("charles", "charlotte"),
    "chris": ("christopher", "christine", "christina"), "chuck": ("charles",), "cindy": ("cynthia",),
    "dan": ("daniel",), "danny": ("daniel",), "dave": ("david",), "deb": ("deborah", "debra"),
    "debbie": ("deborah", "debra"), "dick": ("richard",), "don": ("donald",), "drew": ("andrew",),
    "ed": ("edward",), "eddie": ("edward",), "eliza": ("elizabeth",), "em": ("emily", "emma"),
    "evie": ("evelyn",), "franca": ("francesca",), "greg": ("gregory",), "hank": ("henry",),
    "hannes": ("johannes",), "harry": ("henry", "harold"), "izzy": ("isabella", "isabel"),
    "jack": ("john",), "jake": ("jacob",), "jeff": ("jeffrey",), "jen": ("jennifer",), "jenny": ("jennifer",),
    "jess": ("jessica",), "jim": ("james",), "jimmy": ("james",), "jo": ("johannes", "joanna", "josephine"),
    "joe": ("joseph",), "johnny": ("john",), "jon": ("jonathan",), "josh": ("joshua",),
    "kate": ("katherine", "catherine"), "kath": ("kathleen", "katherine"), "kathy": ("katherine", "kathleen"),
    "katie": ("katherine",), "ken": ("kenneth",), "larry": ("lawrence",), "liam": ("william",),
    "liv": ("olivia",), "liz": ("elizabeth",), "lottie": ("charlotte",), "luke": ("lucas",),
    "maggie": ("margaret",), "mandy": ("amanda",), "matt": ("matthew",), "mel": ("melissa", "melanie"),
    "mick": ("michael",), "mike": ("michael",), "nick": ("nicholas",), "nikki": ("nicole",),
    "ollie": ("oliver",), "pam": ("pamela",), "pat": ("patricia", "patrick"), "peggy": ("margaret",),
    "pete": ("peter",), "ray": ("raymond",), "rick": ("richard",), "rob": ("robert",), "ron": ("ronald",),
    "sam": ("samuel", "samantha"), "sandy": ("sandra",), "sasha": ("alexander", "alexandra"),
    "sofie": ("sofia", "sophie"), "steph": ("stephanie",), "steve": ("steven", "stephen"), "sue": ("susan",),
    "susie": ("susan",), "ted": ("edward", "theodore"), "tim": ("timothy",), "tina": ("christina",),
    "tom": ("thomas",), "tommy": ("thomas",), "tony": ("anthony",), "tori": ("victoria",),
    "trish": ("patricia",), "vicky": ("victoria",), "will": ("william",), "wojtek": ("wojciech",),
    "aga": ("agnieszka",),
}
