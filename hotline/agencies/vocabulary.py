"""Words that say little or nothing about which agency a name means.

Kept apart from the folding rules in ``names`` because they are data that staff will extend as
new spellings turn up in the message log: add a variant here, never a special case in code.
"""

# English loanwords as they round-trip through Cyrillic: canonical spelling -> variants.
LOANWORDS: dict[str, tuple[str, ...]] = {
    "travel": ("trevel", "travl", "trevl", "treval", "тревел", "трэвел", "травел", "тревэл"),
    "tour": ("tur", "tours", "turs", "тур", "туры", "туров", "turlar"),
    "tourism": ("turizm", "turism", "туризм"),
    "service": ("servis", "serviz", "servic", "services", "сервис", "сервиз", "сервисы"),
    "group": ("grupp", "grup", "gruppa", "grupa", "groups", "групп", "груп", "группа"),
    "work": ("vork", "uork", "works", "ворк", "воркс"),
    "job": ("jobs", "djob", "iob", "джоб", "джобс", "жоб", "йоб"),
    "consulting": ("konsalting", "konsulting", "konsalding", "консалтинг", "консалдинг"),
    "consult": ("konsalt", "konsult", "консалт", "консульт"),
    "express": ("ekspress", "ekspres", "expres", "xpress", "экспресс", "экспрес"),
    "international": (
        "interneshnl",
        "internashnl",
        "internasional",
        "internatsional",
        "интернешнл",
        "интернэшнл",
        "интернейшнл",
        "интернешенал",
    ),
    "invest": ("инвест", "investment", "investments", "инвестмент"),
    "plus": ("плюс", "pljus", "plyus", "plius"),
    "trade": ("treid", "treyd", "трейд", "трэйд"),
    "center": ("centre", "tsentr", "sentr", "центр"),
    "company": ("kompaniya", "kompani", "kompany", "компания", "компани"),
    "personal": ("personnel", "персонал"),
    "staff": ("staf", "стафф", "стаф"),
    "recruitment": ("rekrutment", "recruiting", "rekruting", "рекрутмент", "рекрутинг"),
    "migration": ("migratsiya", "migratsia", "migraciya", "миграция"),
    "employment": ("employment", "эмплоймент"),
    "business": ("biznes", "бизнес"),
    "system": ("sistem", "sistema", "systems", "систем", "система"),
    "global": ("глобал",),
    "world": ("vorld", "uorld", "ворлд"),
    "prime": ("praim", "praym", "прайм"),
    "line": ("lain", "layn", "лайн"),
    "golden": ("голден",),
    "gold": ("голд",),
    "smart": ("смарт",),
    "grand": ("гранд",),
    "city": ("siti", "сити"),
    "alliance": ("alyans", "aliyans", "альянс"),
    "partner": ("partnyor", "partners", "партнер", "партнёр"),
    "euro": ("evro", "yevro", "евро"),
    "eurasia": ("evraziya", "yevraziya", "евразия"),
    "asia": ("aziya", "азия"),
    "royal": ("роял",),
    "united": ("iunaited", "юнайтед"),
    "bridge": ("bridj", "бридж"),
    "way": ("vei", "uei", "вей", "уэй"),
    "career": ("karera", "kariera", "карьера"),
    "elite": ("elit", "элит", "элита"),
    "premium": ("премиум",),
    "team": ("тим",),
    "hub": ("hab", "хаб"),
    "light": ("lait", "лайт"),
    "sky": ("skai", "скай"),
    "kadr": ("kadry", "kadri", "kadrlar", "kadrov", "кадры", "кадрлар", "кадров"),
}

# Words that describe a trade rather than name an agency: weak evidence of identity.
GENERIC_WORDS = (
    "travel tour tourism service group invest express kadr work job consulting consult "
    "international plus trade center company personal staff recruitment migration employment "
    "business system labour labor manpower hr inter intl ish kuchi mehnat xalqaro halqaro "
    "sayakat sayohat markaz xizmat saiakat tur servis"
)

# Words that carry no identity at all: requests, "agency", "licence", the Uzbek legal phrase.
FILLER_WORDS = (
    "agency agent agentstvo агентство агенттик агенттиги agentlik agentligi "
    "xususiy хусусий bandlik бандлик xba хба частное chastnoe zanyatosti занятости "
    "po по trudoustroystvu трудоустройству za за rubezhom рубежом "
    "check chek proverka проверка proverit проверить проверьте tekshir tekshiring tekshirish "
    "текшир текширинг текшерүү текшерип teksher "
    "litsenziya litsenziyasi лицензия лицензии лицензиясы license licence licensed lic лиц "
    "bormi бормы барбы barby bar есть est li ли is it the please pls iltimos пожалуйста "
    "and va ve и kompaniyasi firma firm pls plz please pozhaluista pozhaluysta srochno help "
    "pomogite bu shu ushbu это eto mi ми legalno легально ofitsialno официально rasmiy расмий "
    "status статус holati holat reestr реестр agenstvo агенство lisenziya licenziya litsenzia "
    "tekshirib bering беринг текширинг "
    # Requests as people word them, in Uzbek, Kyrgyz, Russian and English.
    "kerak kerakmi керак керек bor бор yoqmi йўқми emas emasmi эмас haqida ҳақида malumot "
    "маълумот bilmoqchiman qanday қандай uchun учун bilan билан salom салом assalomu alaykum "
    "litsenziyaga litsenziyali ega эга haqiqiy ҳақиқий tashkilot ташкилот kompaniya компания "
    "текшерип текшериңиз бериңиз бериңизчи жокпу бул ушул эмне салам саламатсызбы "
    "лицензиясын компаниясы мекеме "
    "проверь проверить проверьте лицензированная лицензированное лицензией лицензию "
    "легальная легальное настоящая настоящее организация здравствуйте привет нет не "
    "можно пжл плз "
    "this licenced legit legal real valid verify hello hi an of for "
    # "Is it there / is it real / can it be trusted?", as questions end in each language.
    "бар бы ли барбы бу ishonchli ishonchlimi ишончли ишончлими "
    "ишенимдүү ишенимдүүбү ишенсе ишенсем болобу чынбы чын ырас ыраспы акыйкатпы "
    "haqiqiymi ҳақиқийми rostmi ростми durustmi bilasizmi билесизби билесизбү "
    "настоящий правда реально можно ли доверять доверять ли "
    "trust trusted trustworthy genuine scam fake"
)

# Legal forms by country, matched only as whole words and exactly: the Kazakh ТОО must never
# eat the Kyrgyz word Тоо (mountain) in «Ала-Тоо», so it is in neither list.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "KG": tuple("ОсОО ООО ЖЧК JChK DjChK ОАО АО ИП ЧП ChP LLC Ltd Limited".split()),
    "UZ": tuple("MChJ МЧЖ MChZh XK ХК HK OK ОК AJ АЖ QK ҚК YaTT ЯТТ LLC".split()),
}

# The phrase every Uzbek agency name must contain ("private employment agency"): never identity.
UZBEK_PHRASE = ("xususiy", "bandlik", "agentligi")
