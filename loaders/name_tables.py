"""Names, places and products that ``custgraph generate`` draws from.

Japanese names carry kanji, hiragana reading and romaji; western given names
carry the nicknames people use in less formal systems (Robert → Bob).
"""

from __future__ import annotations

# (given name, nicknames)
WESTERN_GIVEN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Robert", ("Bob", "Rob", "Bobby")), ("William", ("Bill", "Will", "Liam")), ("Elizabeth", ("Liz", "Beth", "Eliza")),
    ("Katherine", ("Kate", "Katie", "Kathy")), ("Michael", ("Mike", "Mick")), ("Jennifer", ("Jen", "Jenny")),
    ("James", ("Jim", "Jimmy")), ("Margaret", ("Maggie", "Peggy")), ("Thomas", ("Tom", "Tommy")),
    ("Alexander", ("Alex", "Sasha")), ("Susan", ("Sue", "Susie")), ("Richard", ("Rick", "Dick")),
    ("Patricia", ("Pat", "Trish")), ("Daniel", ("Dan", "Danny")), ("Anna", ()), ("Lars", ()), ("Sofia", ("Sofie",)),
    ("Johannes", ("Hannes", "Jo")), ("Emma", ()), ("Olivia", ("Liv",)), ("Noah", ()), ("Lucas", ("Luke",)),
    ("Charlotte", ("Lottie", "Charlie")), ("Benjamin", ("Ben",)), ("Isabella", ("Bella", "Izzy")),
    ("Matthew", ("Matt",)), ("Samantha", ("Sam",)), ("Christopher", ("Chris",)), ("Nicole", ("Nikki",)),
    ("Joseph", ("Joe",)), ("Laura", ()), ("Erik", ()), ("Ingrid", ()), ("Pierre", ()), ("Marie", ()),
    ("Giulia", ()), ("Marco", ()), ("Hannah", ()), ("David", ("Dave",)), ("Sarah", ()),
)

WESTERN_FAMILY: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Berg", "Lindqvist", "Johansson", "Nilsson", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker",
    "Dubois", "Lefèvre", "Rossi", "Russo", "Ferrari", "O'Brien", "McCarthy", "Nguyen", "Kowalski", "Novak",
)

# (kanji, hiragana reading, romaji)
JAPANESE_FAMILY: tuple[tuple[str, str, str], ...] = (
    ("佐藤", "さとう", "Sato"), ("鈴木", "すずき", "Suzuki"), ("高橋", "たかはし", "Takahashi"),
    ("田中", "たなか", "Tanaka"), ("伊藤", "いとう", "Ito"), ("渡辺", "わたなべ", "Watanabe"),
    ("山本", "やまもと", "Yamamoto"), ("中村", "なかむら", "Nakamura"), ("小林", "こばやし", "Kobayashi"),
    ("加藤", "かとう", "Kato"), ("吉田", "よしだ", "Yoshida"), ("山田", "やまだ", "Yamada"),
    ("佐々木", "ささき", "Sasaki"), ("山口", "やまぐち", "Yamaguchi"), ("松本", "まつもと", "Matsumoto"),
    ("井上", "いのうえ", "Inoue"), ("木村", "きむら", "Kimura"), ("林", "はやし", "Hayashi"),
    ("斎藤", "さいとう", "Saito"), ("清水", "しみず", "Shimizu"), ("森", "もり", "Mori"),
    ("池田", "いけだ", "Ikeda"), ("橋本", "はしもと", "Hashimoto"), ("石川", "いしかわ", "Ishikawa"),
)

JAPANESE_GIVEN: tuple[tuple[str, str, str], ...] = (
    ("花子", "はなこ", "Hanako"), ("太郎", "たろう", "Taro"), ("翔太", "しょうた", "Shota"),
    ("陽菜", "ひな", "Hina"), ("結衣", "ゆい", "Yui"), ("大輔", "だいすけ", "Daisuke"),
    ("美咲", "みさき", "Misaki"), ("健太", "けんた", "Kenta"), ("さくら", "さくら", "Sakura"),
    ("拓也", "たくや", "Takuya"), ("愛", "あい", "Ai"), ("直樹", "なおき", "Naoki"),
    ("由美", "ゆみ", "Yumi"), ("誠", "まこと", "Makoto"), ("恵", "めぐみ", "Megumi"),
    ("蓮", "れん", "Ren"), ("葵", "あおい", "Aoi"), ("悠真", "ゆうま", "Yuma"),
    ("彩", "あや", "Aya"), ("浩", "ひろし", "Hiroshi"), ("明美", "あけみ", "Akemi"),
    ("隆", "たかし", "Takashi"), ("真由美", "まゆみ", "Mayumi"), ("亮", "りょう", "Ryo"),
)

# (city, region, country, postal code pattern, street names)
JAPANESE_PLACES: tuple[tuple[str, str, str], ...] = (
    ("東京都", "渋谷区", "150"), ("東京都", "新宿区", "160"), ("大阪府", "大阪市北区", "530"),
    ("神奈川県", "横浜市中区", "231"), ("愛知県", "名古屋市中区", "460"), ("福岡県", "福岡市中央区", "810"),
    ("北海道", "札幌市中央区", "060"), ("京都府", "京都市中京区", "604"),
)

WESTERN_PLACES: tuple[tuple[str, str, str], ...] = (
    ("London", "GB", "SW1A"), ("Manchester", "GB", "M1"), ("New York", "US", "100"), ("Chicago", "US", "606"),
    ("Seattle", "US", "981"), ("Stockholm", "SE", "111"), ("Gothenburg", "SE", "411"), ("Berlin", "DE", "101"),
    ("Munich", "DE", "803"), ("Paris", "FR", "750"), ("Milan", "IT", "201"),
)

STREETS: tuple[str, ...] = (
    "Oak Street", "Maple Avenue", "High Street", "Station Road", "Park Lane", "Church Street", "Mill Road",
    "Kungsgatan", "Hauptstraße", "Rue de la Paix", "Via Roma", "Elm Street", "Cedar Road", "King Street",
)

PHONE_PREFIX = {"JP": "+81", "GB": "+44", "US": "+1", "SE": "+46", "DE": "+49", "FR": "+33", "IT": "+39"}

EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "outlook.com", "yahoo.co.jp", "icloud.com", "proton.me", "web.de", "live.se", "example.org",
)

# category → (brands, base price, product nouns)
CATALOGUE: dict[str, tuple[tuple[str, ...], float, tuple[str, ...]]] = {
    "tea": (("Uji Garden", "Kyoto Leaf"), 12.0, ("Sencha", "Gyokuro", "Matcha", "Hojicha", "Genmaicha", "Bancha")),
    "teaware": (("Tokoname", "Arita"), 45.0, ("Kyusu teapot", "Yunomi cup", "Matcha bowl", "Chasen whisk", "Tea tray")),
    "coffee": (("Nordic Roast", "Blue Hill"), 14.0, ("Espresso beans", "Filter roast", "Decaf", "Cold brew pack")),
    "coffee_gear": (("Hario", "Kalita"), 38.0, ("Pour-over dripper", "Grinder", "Kettle", "Scale", "Paper filters")),
    "kitchen": (("Kai", "Global"), 60.0, ("Chef knife", "Cutting board", "Rice cooker", "Knife sharpener")),
    "snacks": (("Calbee", "Meiji"), 5.0, ("Rice crackers", "Chocolate", "Mochi", "Senbei mix", "Dried mango")),
    "skincare": (("Shiseido", "Hada Labo"), 28.0, ("Lotion", "Serum", "Sunscreen", "Cleansing oil", "Face mask")),
    "books": (("Kodansha", "Penguin"), 18.0, ("Cookbook", "Tea guide", "Travel guide", "Novel", "Manga box")),
    "stationery": (("Midori", "Pilot"), 9.0, ("Notebook", "Fountain pen", "Ink bottle", "Washi tape")),
    "home": (("Muji", "Nitori"), 35.0, ("Linen cushion", "Incense set", "Ceramic vase", "Bamboo tray")),
}

# Categories whose buyers tend to buy the other next: the cross-sell signal.
COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "tea": ("teaware", "snacks"), "teaware": ("tea",), "coffee": ("coffee_gear", "snacks"),
    "coffee_gear": ("coffee",), "kitchen": ("books",), "snacks": ("tea", "coffee"), "skincare": ("home",),
    "books": ("stationery",), "stationery": ("books",), "home": ("skincare", "kitchen"),
}
