"""Names, places and products that ``custgraph generate`` draws from.

Japanese names carry kanji, hiragana reading and romaji; western given names
carry the nicknames people use in less formal systems (Robert → Bob).
"""

from __future__ import annotations

# Name frequencies follow a heavy tail, as in real populations: a few names
# are common (Smith, 佐藤) and most are rare. The tables below are ranked; the
# generator draws from them with Zipf-Mandelbrot weights (generate.py,
# ``NAME_SHAPE``). Family names past the common ones are compounds of real
# name parts (Ash + ford, 山 + 崎), which gives the long tail of rare names
# every real customer base has without shipping a census.

# (given name, nicknames), most common first
WESTERN_GIVEN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("James", ("Jim", "Jimmy")), ("Mary", ()), ("Robert", ("Bob", "Rob", "Bobby")), ("Patricia", ("Pat", "Trish")),
    ("John", ("Johnny", "Jack")), ("Jennifer", ("Jen", "Jenny")), ("Michael", ("Mike", "Mick")),
    ("Linda", ()), ("David", ("Dave",)), ("Elizabeth", ("Liz", "Beth", "Eliza")), ("William", ("Bill", "Will", "Liam")),
    ("Barbara", ("Barb",)), ("Richard", ("Rick", "Dick")), ("Susan", ("Sue", "Susie")), ("Joseph", ("Joe",)),
    ("Jessica", ("Jess",)), ("Thomas", ("Tom", "Tommy")), ("Sarah", ()), ("Christopher", ("Chris",)),
    ("Karen", ()), ("Charles", ("Charlie", "Chuck")), ("Lisa", ()), ("Daniel", ("Dan", "Danny")), ("Nancy", ()),
    ("Matthew", ("Matt",)), ("Margaret", ("Maggie", "Peggy")), ("Anthony", ("Tony",)), ("Sandra", ("Sandy",)),
    ("Mark", ()), ("Ashley", ()), ("Donald", ("Don",)), ("Emily", ("Em",)), ("Steven", ("Steve",)),
    ("Michelle", ()), ("Andrew", ("Andy", "Drew")), ("Amanda", ("Mandy",)), ("Joshua", ("Josh",)),
    ("Melissa", ("Mel",)), ("Kenneth", ("Ken",)), ("Deborah", ("Debbie", "Deb")), ("Kevin", ()),
    ("Stephanie", ("Steph",)), ("Brian", ()), ("Rebecca", ("Becky", "Becca")), ("George", ()),
    ("Laura", ()), ("Timothy", ("Tim",)), ("Sharon", ()), ("Ronald", ("Ron",)), ("Cynthia", ("Cindy",)),
    ("Edward", ("Ed", "Ted", "Eddie")), ("Kathleen", ("Kathy", "Kath")), ("Jason", ()), ("Amy", ()),
    ("Jeffrey", ("Jeff",)), ("Angela", ("Angie",)), ("Ryan", ()), ("Helen", ()), ("Jacob", ("Jake",)),
    ("Anna", ()), ("Gary", ()), ("Brenda", ()), ("Nicholas", ("Nick",)), ("Pamela", ("Pam",)),
    ("Eric", ()), ("Nicole", ("Nikki",)), ("Jonathan", ("Jon",)), ("Emma", ()), ("Stephen", ("Steve",)),
    ("Samantha", ("Sam",)), ("Larry", ()), ("Katherine", ("Kate", "Katie", "Kathy")), ("Justin", ()),
    ("Christine", ("Chris",)), ("Scott", ()), ("Debra", ("Deb",)), ("Brandon", ()), ("Rachel", ()),
    ("Benjamin", ("Ben",)), ("Carolyn", ()), ("Samuel", ("Sam",)), ("Janet", ()), ("Gregory", ("Greg",)),
    ("Catherine", ("Cathy", "Kate")), ("Alexander", ("Alex", "Sasha")), ("Maria", ()), ("Patrick", ("Pat",)),
    ("Heather", ()), ("Frank", ()), ("Diane", ()), ("Raymond", ("Ray",)), ("Olivia", ("Liv",)), ("Jack", ()),
    ("Julie", ()), ("Dennis", ()), ("Joyce", ()), ("Jerry", ()), ("Victoria", ("Vicky", "Tori")),
    ("Tyler", ()), ("Kelly", ()), ("Aaron", ()), ("Christina", ("Tina",)), ("Henry", ("Harry", "Hank")),
    ("Lauren", ()), ("Peter", ("Pete",)), ("Joan", ()), ("Lucas", ("Luke",)), ("Evelyn", ("Evie",)),
    ("Noah", ()), ("Charlotte", ("Lottie", "Charlie")), ("Isabella", ("Bella", "Izzy")), ("Oliver", ("Ollie",)),
    ("Sofia", ("Sofie",)), ("Lars", ()), ("Ingrid", ()), ("Erik", ()), ("Astrid", ()), ("Nils", ()),
    ("Karin", ()), ("Anders", ()), ("Elin", ()), ("Johannes", ("Hannes", "Jo")), ("Lena", ()), ("Lukas", ()),
    ("Hannah", ()), ("Felix", ()), ("Greta", ()), ("Jonas", ()), ("Pierre", ()), ("Marie", ()),
    ("Camille", ()), ("Louis", ()), ("Chloé", ()), ("Hugo", ()), ("Giulia", ()), ("Marco", ()),
    ("Francesca", ("Franca",)), ("Luca", ()), ("Chiara", ()), ("Matteo", ()), ("Siobhan", ()),
    ("Declan", ()), ("Aoife", ()), ("Wojciech", ("Wojtek",)), ("Agnieszka", ("Aga",)), ("Minh", ()),
)

# Common western family names, most common first; the generator adds compounds below them.
WESTERN_FAMILY: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
    "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans",
    "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson",
    "Johansson", "Andersson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Berg",
    "Lindqvist", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Laurent", "Bernard", "Dubois", "Simon", "Robert", "Richard", "Petit", "Durand", "Lefèvre",
    "Moreau", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "O'Brien",
    "McCarthy", "O'Sullivan", "Kelly", "Walsh", "Nguyen", "Tran", "Kowalski", "Nowak", "Novak", "Wiśniewski",
)

# English place-name parts (Ash + ford = Ashford) and Nordic / German ones (Lind + berg).
WESTERN_ROOTS_EN: tuple[str, ...] = (
    "Ash", "Black", "Brad", "Brook", "Burn", "Chester", "Clay", "Cole", "Crane", "Dun", "East", "Elm", "Fair",
    "Fen", "Glen", "Gold", "Hal", "Ham", "Har", "Haw", "Hay", "Hol", "Horn", "Kent", "Kings", "Lang", "Lock",
    "Mar", "Mid", "Mor", "New", "North", "Oak", "Pem", "Ray", "Red", "Ring", "Rock", "Rose", "Rut", "Sand",
    "Shel", "Stan", "Stock", "Stone", "Strat", "Sut", "Thorn", "Wal", "Wes", "Whit", "Wick", "Win", "Wood",
    "Wyn", "Bram", "Cald", "Dray", "Ever", "Gar",
)
WESTERN_SUFFIXES_EN: tuple[str, ...] = (
    "ton", "ley", "ford", "field", "wood", "well", "by", "worth", "ham", "ridge", "more", "dale", "wick",
    "brook", "stead", "bury",
)
WESTERN_ROOTS_NORDIC: tuple[str, ...] = (
    "Lind", "Berg", "Dahl", "Holm", "Lund", "Sand", "Sten", "Ek", "Nord", "Sjö", "Ström", "Hag", "Ros",
    "Kirch", "Wald", "Linden", "Eich", "Hof", "Stein", "Feld", "Fal", "Ahl", "Bergh", "Gran",
)
WESTERN_SUFFIXES_NORDIC: tuple[str, ...] = (
    "berg", "gren", "qvist", "ström", "lund", "mann", "stein", "feld", "hoff", "dahl", "man", "bäck",
)

# Japanese names: (kanji, hiragana reading); romaji comes from the reading.
# Family names, most common first; compounds of the parts below follow them.
JAPANESE_FAMILY: tuple[tuple[str, str], ...] = (
    ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"), ("伊藤", "いとう"),
    ("渡辺", "わたなべ"), ("山本", "やまもと"), ("中村", "なかむら"), ("小林", "こばやし"), ("加藤", "かとう"),
    ("吉田", "よしだ"), ("山田", "やまだ"), ("佐々木", "ささき"), ("山口", "やまぐち"), ("松本", "まつもと"),
    ("井上", "いのうえ"), ("木村", "きむら"), ("林", "はやし"), ("斎藤", "さいとう"), ("清水", "しみず"),
    ("山崎", "やまざき"), ("森", "もり"), ("池田", "いけだ"), ("橋本", "はしもと"), ("阿部", "あべ"),
    ("石川", "いしかわ"), ("山下", "やました"), ("中島", "なかじま"), ("石井", "いしい"), ("小川", "おがわ"),
    ("前田", "まえだ"), ("岡田", "おかだ"), ("長谷川", "はせがわ"), ("藤田", "ふじた"), ("後藤", "ごとう"),
    ("近藤", "こんどう"), ("村上", "むらかみ"), ("遠藤", "えんどう"), ("青木", "あおき"), ("坂本", "さかもと"),
)
JAPANESE_FAMILY_FIRST: tuple[tuple[str, str], ...] = (
    ("山", "やま"), ("中", "なか"), ("小", "こ"), ("大", "おお"), ("高", "たか"), ("石", "いし"), ("松", "まつ"),
    ("木", "き"), ("村", "むら"), ("竹", "たけ"), ("西", "にし"), ("東", "ひがし"), ("北", "きた"),
    ("南", "みなみ"), ("上", "うえ"), ("岡", "おか"), ("藤", "ふじ"), ("森", "もり"), ("前", "まえ"),
    ("宮", "みや"), ("長", "なが"), ("平", "ひら"), ("原", "はら"), ("青", "あお"), ("黒", "くろ"),
    ("金", "かね"), ("今", "いま"), ("古", "ふる"), ("桜", "さくら"), ("梅", "うめ"), ("杉", "すぎ"),
    ("柳", "やなぎ"), ("浅", "あさ"), ("若", "わか"), ("菊", "きく"), ("堀", "ほり"), ("福", "ふく"),
    ("吉", "よし"), ("野", "の"), ("川", "かわ"), ("島", "しま"), ("新", "にい"), ("白", "しら"),
    ("岩", "いわ"), ("秋", "あき"), ("春", "はる"), ("久", "く"), ("安", "やす"), ("千", "ち"), ("永", "なが"),
)
JAPANESE_FAMILY_SECOND: tuple[tuple[str, str], ...] = (
    ("田", "た"), ("川", "かわ"), ("山", "やま"), ("本", "もと"), ("村", "むら"), ("野", "の"), ("井", "い"),
    ("原", "はら"), ("島", "しま"), ("沢", "さわ"), ("谷", "たに"), ("口", "ぐち"), ("崎", "さき"),
    ("木", "き"), ("林", "ばやし"), ("橋", "はし"), ("岡", "おか"), ("部", "べ"), ("内", "うち"),
    ("瀬", "せ"), ("浦", "うら"), ("池", "いけ"), ("尾", "お"), ("坂", "さか"), ("森", "もり"), ("江", "え"),
    ("畑", "はた"), ("城", "しろ"), ("宮", "みや"), ("住", "ずみ"),
)
# Given names, most common first; compounds of the parts below follow them.
JAPANESE_GIVEN: tuple[tuple[str, str], ...] = (
    ("花子", "はなこ"), ("太郎", "たろう"), ("翔太", "しょうた"), ("陽菜", "ひな"), ("結衣", "ゆい"),
    ("大輔", "だいすけ"), ("美咲", "みさき"), ("健太", "けんた"), ("さくら", "さくら"), ("拓也", "たくや"),
    ("愛", "あい"), ("直樹", "なおき"), ("由美", "ゆみ"), ("誠", "まこと"), ("恵", "めぐみ"), ("蓮", "れん"),
    ("葵", "あおい"), ("悠真", "ゆうま"), ("彩", "あや"), ("浩", "ひろし"), ("明美", "あけみ"), ("隆", "たかし"),
    ("真由美", "まゆみ"), ("亮", "りょう"),
)
JAPANESE_GIVEN_FIRST: tuple[tuple[str, str], ...] = (
    ("健", "けん"), ("大", "だい"), ("翔", "しょう"), ("美", "み"), ("陽", "はる"), ("優", "ゆう"),
    ("真", "ま"), ("愛", "あい"), ("結", "ゆ"), ("拓", "たく"), ("直", "なお"), ("和", "かず"), ("智", "とも"),
    ("浩", "ひろ"), ("恵", "え"), ("裕", "ゆう"), ("光", "みつ"), ("秀", "ひで"), ("千", "ち"), ("沙", "さ"),
    ("奈", "な"), ("理", "り"), ("亜", "あ"), ("香", "か"), ("莉", "り"), ("悠", "ゆう"), ("颯", "はや"),
    ("航", "こう"), ("友", "とも"), ("正", "まさ"),
)
JAPANESE_GIVEN_SECOND: tuple[tuple[str, str], ...] = (
    ("太", "た"), ("介", "すけ"), ("輔", "すけ"), ("子", "こ"), ("菜", "な"), ("斗", "と"), ("也", "や"),
    ("樹", "き"), ("香", "か"), ("美", "み"), ("奈", "な"), ("希", "き"), ("人", "と"), ("平", "へい"),
    ("司", "じ"), ("郎", "ろう"), ("彦", "ひこ"), ("花", "か"), ("里", "り"), ("代", "よ"), ("恵", "え"),
    ("穂", "ほ"), ("輝", "き"), ("志", "し"),
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
