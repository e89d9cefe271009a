"""Generate registries, noisy queries and decoys deterministically, as a held-out check.

The labelled CSV pins down cases a person wrote; this generator checks that the matcher is not
tuned to them. Its word pools are disjoint from the fixture registry's, and each query applies
one or two random noise operations of the kinds people produce (another script, legal form
dropped or added, a typo, words merged or split, apostrophe variants, case, quotes, filler).
Decoys replace the distinctive word of a registered name with a word the registry lacks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from hotline.agencies.matching import RegistryName

# Invented, plainly fictional name parts (none taken from any real registry).
KG_HEADS = (
    "Асыл Бектур Дөөлөт Жаркын Кутман Мирлан Сезим Талант Үлгү Ырыс Элдос Айбек Бийик Чүйкен "
    "Көкжар Сарыөзөн Тунук Жылуу Байчечекей Карагат Кундуз Мөлтүр Нурдөөлөт Алмаз Темирбек "
    "Жеңиш Токтогул Кыргызбай Бирлик Ынтымак Ак-Терек Кок-Таш Сары-Булак Ала-Бука Кара-Суу "
    "Орозбек Суусамыр Чоң-Таш Улан Аруу Дилбар Жумабек Кенеш Сыймык Таалай Азамат Эрлан "
    "Күмүшбек Шайыр Бермек Чынар Жусуп Маадыр Элнура Тилек Жолборс Кайыңды Кең-Суу"
).split()
KG_SECONDS = "Жол Булак Нур Таш Кен Ай Суу Тоо Көл Жер Эл Куш Чолпон Мурас Кут Шоола".split()
KG_GENERICS = (
    "Тревел Сервис Групп Ворк Кадр Экспресс Консалтинг Инвест Джоб Интернешнл Плюс".split()
)
KG_LEGAL = ("ОсОО", "ООО", "ЖЧК", "ИП", "LLC", "Ltd")

UZ_HEADS = (
    "Bogʻishamol Chinor Doʻstlik Ezgu Gulshan Ilhom Javohir Lochin Mehrigiyo Nilufar Oqtosh "
    "Pahlavon Quyosh Rohat Saxovat Tongotar Umid Vatan Xumo Yoʻldosh Zumrad Shaffof Gʻuncha "
    "Bunyodkor Charxpalak Dilkusho Gavhar Hilola Iqbol Jasorat Kamolot Latofat Moʻtabar Navbahor "
    "Oʻrikzor Parvoz Qaldirgʻoch Ravshan Sarbon Tabassum Ulugʻvor Yashnar Zilol Shohsupa Chaqmoq "
    "Gʻayrat Ozoda Barqaror Xayrixoh Mashal Sanobar Dildora Boburshoh Qamar Yorqin"
).split()
UZ_SECONDS = "Yoʻl Nur Diyor Vodiy Tong Bogʻ Oy Shahar Zamin Osmon Qanot Chashma".split()
UZ_GENERICS = "Xalqaro Servis Kadr Travel Group Invest Express Mehnat Job Ish".split()
UZ_LEGAL = ("MChJ", "МЧЖ", "XK", "ХК", "OK", "YaTT")
UZ_PHRASE = "Xususiy Bandlik Agentligi"

DECOY_WORDS = (
    "Фаворит Меридиан Жапар Эсептик Калкан Тазалык Арстан Бугу Коргон Кыял Baxmal Sirdaryo "
    "Munavvar Yakkasaroy Gulbahor Chimyon Toʻmaris Rishton Shovot Zafarobod Olmazor Mirobod"
).split()

FILLERS = (
    "проверка",
    "check",
    "лицензия",
    "litsenziya bormi",
    "tekshiring",
    "проверьте пожалуйста",
    "агентство",
    "лицензиясы барбы",
    "agency",
    "licence?",
)

_CYR_TO_LAT: dict[str, tuple[str, ...]] = {
    "а": ("a",), "б": ("b",), "в": ("v",), "г": ("g",), "д": ("d",), "е": ("e",),
    "ё": ("yo", "io"), "ж": ("j", "zh", "dj"), "з": ("z",), "и": ("i",),
    "й": ("y", "i", "j"), "к": ("k",), "л": ("l",), "м": ("m",), "н": ("n",),
    "ң": ("ng", "n", "ñ"), "о": ("o",), "ө": ("o", "ö", "oe"), "п": ("p",), "р": ("r",),
    "с": ("s",), "т": ("t",), "у": ("u",), "ү": ("u", "ü", "yu"), "ф": ("f",),
    "х": ("h", "kh", "x"), "ц": ("ts", "c"), "ч": ("ch",), "ш": ("sh",), "щ": ("shch", "sch"),
    "ъ": ("",), "ы": ("y", "i"), "ь": ("",), "э": ("e",), "ю": ("yu", "iu"),
    "я": ("ya", "ia", "ja"),
}  # fmt: skip
_UZ_DIGRAPHS = {"oʻ": "ў", "gʻ": "ғ", "sh": "ш", "ch": "ч", "ya": "я", "yo": "ё", "yu": "ю"}
_UZ_LETTERS = dict(zip("abcdefghijklmnopqrstuvxyz", "абкдефгҳижклмнопқрстувхйз", strict=True))
_RUSSIAN_KEYBOARD = str.maketrans("ўғқҳЎҒҚҲ", "угкхУГКХ")
_APOSTROPHES = ("ʻ", "'", "`", "’", "‘", "ʼ", "")
_QUOTES = (("«", "»"), ('"', '"'), ("“", "”"), ("„", "“"), ("'", "'"))


@dataclass(frozen=True)
class LabelledQuery:
    """A query with the answer a careful person would give."""

    query: str
    expected_kind: str  # "unique" for a registered agency, "decoy" for a name that is not one
    expected_agency_id: int | None
    noise: str


def _cyrillic_to_latin(text: str, rng: random.Random) -> str:
    style = {letter: rng.choice(options) for letter, options in _CYR_TO_LAT.items()}
    out = []
    for ch in text:
        latin = style.get(ch.lower())
        if latin is None:
            out.append(ch)
        else:
            out.append(latin.capitalize() if ch.isupper() else latin)
    return "".join(out)


def _latin_to_cyrillic(text: str, rng: random.Random) -> str:
    """Spell Uzbek Latin in Uzbek Cyrillic, or as typed on a Russian keyboard."""
    source = text.lower().replace("'", "ʻ").replace("ʼ", "ʻ")
    out, i = [], 0
    while i < len(source):
        if source[i : i + 2] in _UZ_DIGRAPHS:
            out.append(_UZ_DIGRAPHS[source[i : i + 2]])
            i += 2
        else:
            out.append(_UZ_LETTERS.get(source[i], "" if source[i] == "ʻ" else source[i]))
            i += 1
    cyrillic = " ".join(w[:1].upper() + w[1:] for w in "".join(out).split(" "))
    return cyrillic.translate(_RUSSIAN_KEYBOARD) if rng.random() < 0.3 else cyrillic


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def _swap_script(name: str, rng: random.Random) -> str:
    if _is_cyrillic(name):
        return _cyrillic_to_latin(name, rng)
    return _latin_to_cyrillic(name, rng)


def _strip_legal(name: str) -> str:
    words = [w for w in name.split() if w.strip('«»"') not in KG_LEGAL + UZ_LEGAL]
    return " ".join(words)


def _drop_legal(name: str, rng: random.Random) -> str:
    name = _strip_legal(name)
    if rng.random() < 0.5:
        name = name.replace(UZ_PHRASE, "").replace("  ", " ").strip()
    return name


def _add_legal(name: str, rng: random.Random) -> str:
    form = rng.choice(KG_LEGAL if _is_cyrillic(name) else UZ_LEGAL)
    bare = _strip_legal(name)
    return f"{form} {bare}" if rng.random() < 0.5 else f"{bare} {form}"


def _typo(name: str, rng: random.Random) -> str:
    """Change one letter of a word of five letters or more (shorter words become other words)."""
    words = name.split(" ")
    long_words = [i for i, w in enumerate(words) if sum(ch.isalpha() for ch in w) >= 5]
    if not long_words:
        return name
    i = rng.choice(long_words)
    word = words[i]
    letters = [k for k, ch in enumerate(word) if ch.isalpha()]
    k = rng.choice(letters[1:-1] or letters)
    alphabet = "абвгдеклмнопрстуы" if _is_cyrillic(word) else "abdeiklmnoprstu"
    operation = rng.choice(("swap", "drop", "insert", "replace"))
    if operation == "swap" and k + 1 < len(word) and word[k + 1].isalpha():
        word = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    elif operation == "drop":
        word = word[:k] + word[k + 1 :]
    elif operation == "insert":
        word = word[:k] + rng.choice(alphabet) + word[k:]
    else:
        word = word[:k] + rng.choice(alphabet) + word[k + 1 :]
    words[i] = word
    return " ".join(words)


def _merge_or_split(name: str, rng: random.Random) -> str:
    if "-" in name and rng.random() < 0.5:
        return name.replace("-", rng.choice(("", " ")))
    words = name.split(" ")
    if len(words) < 2:
        return name.replace("-", " ")
    i = rng.randrange(len(words) - 1)
    return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])


def _apostrophes(name: str, rng: random.Random) -> str:
    mark = rng.choice(_APOSTROPHES)
    return name.replace("ʻ", mark)


def _case(name: str, rng: random.Random) -> str:
    return rng.choice((name.lower(), name.upper(), name.title()))


def _quotes(name: str, rng: random.Random) -> str:
    opening, closing = rng.choice(_QUOTES)
    return f"{opening}{name}{closing}"


def _filler(name: str, rng: random.Random) -> str:
    filler = rng.choice(FILLERS)
    return f"{filler} {name}" if rng.random() < 0.5 else f"{name} {filler}"


NOISE: dict[str, Callable[[str, random.Random], str]] = {
    "script": _swap_script,
    "apostrophe": _apostrophes,
    "drop_legal": _drop_legal,
    "merge_split": _merge_or_split,
    "typo": _typo,
    "case": _case,
    "add_legal": _add_legal,
    "filler": _filler,
    "quotes": _quotes,
}


def _noisy(name: str, rng: random.Random) -> tuple[str, str]:
    """Apply one or two noise operations, in NOISE's order: a filler or legal form is added
    in its own spelling after the name was re-spelled, as a person would type it."""
    chosen = set(rng.sample(sorted(NOISE), rng.choice((1, 2))))
    operations = [operation for operation in NOISE if operation in chosen]
    for operation in operations:
        name = NOISE[operation](name, rng)
    return name, "+".join(operations)


_KG_SYLLABLES = (
    "ак ай бек жан нур тал сай кур бол мир ас ыл ар ман тур кан дөө лөт эр кин са да ры ба ты "
    "ке ме ле чол пон үл гү өр нек күм түн бай тем жал зар ис кул мүр сы доо ко сар ур"
).split()
_UZ_SYLLABLES = (
    "bo ri sha hon dil zo ra gul nav ro mir ja lol qa sim ot yor qin su lay mo hi ra ba xon "
    "gʻa ni oʻr tosh ul fa ra ziz dor bek shod ma ki la ye na sar chi lon vo sit"
).split()


def _invented_words(syllables: list[str], count: int, rng: random.Random) -> list[str]:
    """Make up ``count`` pronounceable words, for registries larger than any real one."""
    words: set[str] = set()
    while len(words) < count:
        word = "".join(rng.choice(syllables) for _ in range(rng.choice((2, 3, 3))))
        words.add(word.capitalize())
    return sorted(words)


def generate_registry(size: int, seed: int = 7) -> list[RegistryName]:
    """Build ``size`` fictional agencies, KG names in Cyrillic and UZ names in Uzbek Latin.

    About a third share a head word with another agency, and about a third carry an alias in
    the other script; no two agencies have the same words. Registries larger than a few
    hundred draw most head words from invented ones, so head words stay about as shared.
    """
    rng = random.Random(seed)
    extra = max(0, size // 3 - len(KG_HEADS))
    kg_heads = KG_HEADS + _invented_words(_KG_SYLLABLES, extra, rng) if extra else KG_HEADS
    uz_heads = UZ_HEADS + _invented_words(_UZ_SYLLABLES, extra, rng) if extra else UZ_HEADS
    seen: set[tuple[str, ...]] = set()
    registry: list[RegistryName] = []
    while len(registry) < size:
        kyrgyz = rng.random() < 0.55
        heads, seconds, generics = (
            (kg_heads, KG_SECONDS, KG_GENERICS) if kyrgyz else (uz_heads, UZ_SECONDS, UZ_GENERICS)
        )
        words = [rng.choice(heads)]
        if rng.random() < 0.3:
            words.append(rng.choice(seconds))
        words += rng.sample(generics, rng.choice((0, 1, 1, 2)))
        if tuple(words) in seen or (len(words) == 1 and rng.random() < 0.5):
            continue
        seen.add(tuple(words))
        core = " ".join(words)
        number = len(registry) + 1
        if kyrgyz:
            name = f"{rng.choice(('ОсОО', 'ЖЧК', 'ОсОО'))} «{core}»"
            licence = f"{100 + number}-{rng.choice((23, 24, 25))}"
        else:
            phrase = f" {UZ_PHRASE}" if rng.random() < 0.6 else ""
            name = f"{core}{phrase} {rng.choice(('MChJ', 'XK', 'MChJ'))}"
            licence = f"{1000 + number}/{rng.choice((24, 25))}"
        aliases = (_swap_script(core, rng),) if rng.random() < 0.35 else ()
        registry.append(RegistryName(number, licence, name, aliases))
    return registry


def _decoy_name(agency: RegistryName, registry_words: set[str], rng: random.Random) -> str:
    head = _strip_legal(agency.name).replace("«", "").replace("»", "").split(" ")[0]
    for _ in range(20):
        word = rng.choice(DECOY_WORDS)
        if word.lower() not in registry_words and OSA.distance(word.lower(), head.lower()) >= 3:
            return agency.name.replace(head, word, 1)
    return agency.name.replace(head, "Зымыран", 1)


def generate_queries(
    registry: list[RegistryName], per_agency: int = 8, decoys_per_agency: int = 2, seed: int = 11
) -> list[LabelledQuery]:
    """Produce noisy variants of every registered name and decoys built from them."""
    rng = random.Random(seed)
    words = {w.lower().strip("«»") for agency in registry for w in agency.name.split()}
    queries = []
    for agency in registry:
        for _ in range(per_agency):
            query, noise = _noisy(agency.name, rng)
            queries.append(LabelledQuery(query, "unique", agency.agency_id, noise))
        for _ in range(decoys_per_agency):
            query, noise = _noisy(_decoy_name(agency, words, rng), rng)
            queries.append(LabelledQuery(query, "decoy", None, f"decoy+{noise}"))
    return queries
