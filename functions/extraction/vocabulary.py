"""The words product pages use around prices, in many languages: data only, no logic.

Every language- or currency-specific string extraction relies on lives here, as tables, so
that adding a language is an edit of this file alone. Modules build their patterns from it:
`price` the currency markers, `heuristic` the labels beside a price, the stock statements
and the buy controls.

Conventions: phrases are matched case-insensitively on whole words (a phrase never matches
inside a longer word), with runs of whitespace in the page's text read as one space. Words
of scripts written without spaces (Japanese, Chinese) match anywhere.
"""

from __future__ import annotations

# Scripts written without spaces between words, as ranges of a pattern's character class:
# Thai, Lao, Myanmar, Khmer, and CJK, Hangul and the later blocks. Their words are found
# anywhere ("สินค้าหมดแล้ว" holds "สินค้าหมด").
UNSPACED_SCRIPTS = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\U0010ffff"
# Characters of CJK, Hangul and the later blocks, from this one on, are as wide as two others.
WIDE_SCRIPTS = "\u2e80"

# ---------------------------------------------------------------------------------------
# Currencies
# ---------------------------------------------------------------------------------------

# Markers written next to numbers in price text, recognised in any letter case. None means
# the marker names no currency by itself ("kr" is a krona or a krone; a hint decides).
CURRENCY_MARKERS_ANY_CASE: dict[str, str | None] = {
    # dollars and their prefixed forms
    "$": "USD", "US$": "USD", "C$": "CAD", "CA$": "CAD", "CAN$": "CAD", "A$": "AUD",
    "AU$": "AUD", "HK$": "HKD", "NZ$": "NZD", "MX$": "MXN", "S$": "SGD", "SG$": "SGD",
    "NT$": "TWD", "R$": "BRL", "N$": "NAD", "J$": "JMD", "TT$": "TTD", "RD$": "DOP",
    "BZ$": "BZD", "B$": "BND", "EC$": "XCD", "FJ$": "FJD", "BDS$": "BBD", "CI$": "KYD",
    # euro, pound, yen, yuan
    "€": "EUR", "euro": "EUR", "euros": "EUR", "eur.": "EUR", "евро": "EUR", "ユーロ": "EUR",
    "£": "GBP", "¥": "JPY", "円": "JPY", "日元": "JPY", "元": "CNY", "RMB": "CNY",
    "人民币": "CNY", "块": "CNY",
    # rupees
    "₹": "INR", "₨": "INR", "Rs": "INR", "Rs.": "INR", "रु": "NPR", "රු": "LKR",
    # rouble, hryvnia, tenge and neighbours
    "₽": "RUB", "руб": "RUB", "руб.": "RUB", "р.": "RUB", "рублей": "RUB", "рубля": "RUB",
    "₴": "UAH", "грн": "UAH", "грн.": "UAH", "₸": "KZT", "тенге": "KZT", "тг": "KZT",
    "сом": "KGS", "сўм": "UZS", "сум": "UZS", "so'm": "UZS", "₼": "AZN", "₾": "GEL",
    "лари": "GEL", "֏": "AMD", "դր.": "AMD",
    # Central and Eastern Europe
    "zł": "PLN", "zl": "PLN", "złotych": "PLN", "Kč": "CZK", "Kc": "CZK", "lei": "RON",
    "лв": "BGN", "лв.": "BGN", "дин": "RSD", "дин.": "RSD", "din.": "RSD", "ден": "MKD",
    "ден.": "MKD", "lekë": "ALL",
    # Nordic crowns: "kr" alone is ambiguous
    "kr": None, "kr.": None, "dkr": "DKK", "skr": "SEK", "nkr": "NOK",
    "ikr": "ISK",
    # Asia and Pacific
    "₩": "KRW", "원": "KRW", "₺": "TRY", "₪": "ILS", "ש״ח": "ILS", "ש\"ח": "ILS",
    "₫": "VND", "đ": "VND", "VNĐ": "VND", "₱": "PHP", "฿": "THB", "บาท": "THB",
    "₦": "NGN", "₡": "CRC", "₲": "PYG", "₵": "GHS", "GH₵": "GHS", "৳": "BDT", "টাকা": "BDT",
    "₭": "LAK", "₮": "MNT", "Rp": "IDR", "Rp.": "IDR", "៛": "KHR",
    # Middle East and Africa (a toman is ten rials: no ISO code names it)
    "تومان": None, "ریال": "IRR", "﷼": "IRR", "ر.س": "SAR", "ريال": "SAR", "د.إ": "AED",
    "درهم": "AED", "د.ك": "KWD", "ر.ق": "QAR", "ب.د": "BHD", "ر.ع": "OMR", "د.ا": "JOD",
    "د.ك.": "KWD", "ب.د.": "BHD", "ر.ع.": "OMR", "د.ا.": "JOD", "د.ت.": "TND",
    "ج.م": "EGP", "E£": "EGP", "جنيه": "EGP", "د.م.": "MAD", "د.ت": "TND", "د.ج": "DZD",
    "KSh": "KES", "USh": "UGX", "TSh": "TZS", "FCFA": "XOF", "CFA": "XOF",
    # ISO codes that are no ordinary word in any letter case
    **{
        code: code
        for code in """
        USD EUR GBP CHF JPY CNY AUD NZD HKD SGD TWD SEK NOK DKK ISK PLN CZK HUF BGN UAH INR PKR
        BRL MXN CLP KRW THB VND IDR MYR ZAR AED SAR QAR KWD EGP NGN KES RSD UYU KZT BYN GEL AZN
        UZS KGS MDL MKD LKR NPR BDT HRK IRR IQD JOD BHD OMR TND DZD GHS TZS UGX XOF XAF VES PYG
        CRC GTQ HNL NIO
        """.split()
    },
}  # fmt: skip
# Markers that are ordinary words or abbreviations in other letter cases ("ft", "Ron", "rub").
# Letters that are also a model's name are none ("R" for the rand, "KD", "DT", "BD": "EOS
# R6", "DT 770", "BD 25 GB"), where a title's model number would read as a price.
CURRENCY_MARKERS_EXACT_CASE: dict[str, str] = {
    "Ft": "HUF", "TL": "TRY", "RM": "MYR", "S/": "PEN", "S/.": "PEN", "Gs.": "PYG",
    "DH": "MAD",
    "Fr": "CHF", "Fr.": "CHF", "fr.": "CHF", "SFr": "CHF", "SFr.": "CHF",
    "KM": "BAM", "Lek": "ALL", "Bs.": "BOB",
    "CAD": "CAD", "PHP": "PHP", "COP": "COP", "ARS": "ARS", "TRY": "TRY",
    "RON": "RON", "RUB": "RUB", "PEN": "PEN", "ILS": "ILS", "BAM": "BAM", "GEL": "GEL",
    "MAD": "MAD", "BOB": "BOB", "DOP": "DOP", "PAB": "PAB",
}  # fmt: skip
# Names accepted by normalize_currency only: in running text they are too often plain words.
CURRENCY_NAMES: dict[str, str] = {
    "dollar": "USD", "dollars": "USD", "usdollar": "USD", "usdollars": "USD",
    "pound": "GBP", "pounds": "GBP", "sterling": "GBP", "poundsterling": "GBP",
    "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "rupee": "INR", "rupees": "INR",
    "ruble": "RUB", "rubles": "RUB", "rouble": "RUB", "roubles": "RUB", "рубль": "RUB",
    "zloty": "PLN", "złoty": "PLN", "forint": "HUF", "koruna": "CZK", "korun": "CZK",
    "hryvnia": "UAH", "swissfranc": "CHF", "swissfrancs": "CHF", "franken": "CHF",
    "won": "KRW", "real": "BRL", "reais": "BRL", "lira": "TRY", "rand": "ZAR",
    "tenge": "KZT", "rial": "IRR", "dirham": "AED", "baht": "THB",
    "ringgit": "MYR", "rupiah": "IDR", "dong": "VND", "peso": "MXN", "leu": "RON",
    "lev": "BGN", "kuna": "HRK", "shekel": "ILS", "naira": "NGN",
}  # fmt: skip

# The currency a page's locale means by a marker several currencies share ("kr", "$", "¥",
# "Rs"): by its country (the region of <html lang="sv-SE"> or og:locale "en_CA", or its
# address's country domain), else by its language alone. Only these markers take it: "€"
# stays EUR on a Swedish page.
REGION_CURRENCIES: dict[str, str] = {
    "SE": "SEK", "DK": "DKK", "FO": "DKK", "GL": "DKK", "NO": "NOK", "IS": "ISK",
    "US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "MX": "MXN", "AR": "ARS", "CL": "CLP",
    "CO": "COP", "UY": "UYU", "SG": "SGD", "HK": "HKD", "TW": "TWD", "CN": "CNY", "JP": "JPY",
    "IN": "INR", "PK": "PKR", "LK": "LKR", "NP": "NPR", "MU": "MUR", "SC": "SCR",
}  # fmt: skip
LANGUAGE_CURRENCIES: dict[str, str] = {
    "sv": "SEK", "da": "DKK", "nb": "NOK", "nn": "NOK", "no": "NOK", "is": "ISK",
    "ja": "JPY", "zh": "CNY", "ur": "PKR", "si": "LKR", "ne": "NPR",
}  # fmt: skip

# ---------------------------------------------------------------------------------------
# Labels beside a price
# ---------------------------------------------------------------------------------------

# What the words just before or after a price say about it, by group, by language:
#   former      a former, list or recommended price ("was", "UVP", "prix barré"), the
#               lowest price of the 30 days before a reduction (which the EU's Omnibus
#               directive has shops state beside it), or an auction's opening price
#   saving      the difference to a former price ("you save", "Sie sparen"), or credit
#               earned for later ("reward points", "otrzymasz ... na kolejne zakupy")
#   shipping    a delivery cost ("+ 4,99 € Versand", "livraison")
#   instalment  a part payment ("4 payments of", "/Monat", "mensualités")
#   unit        a price per unit of measure ("Grundpreis", "prix au kilo", "/kg")
#   vat         a tax note ("inkl. MwSt.", "TTC"): says nothing against the price
#   cart        a basket total ("subtotal", "Warenkorb")
#   regular     "regular price": sometimes the current one, sometimes the former
#   current     the price to pay ("now", "jetzt", "prix", "Preis", an auction's "current bid")
#   tier        a quantity discount ("10 or more $88.00", "oder mehr"): not one unit's price
#   payment     the price for paying one way ("R$ 360,90 no Pix", "Havale ile"): a discount
#               for that payment, not the price
#   elsewhere   another seller's or condition's offer ("New & Used (5) from", "otros
#               vendedores"): not the page's own price
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "former": ("was", "list", "list price", "rrp", "msrp", "original", "originally",
                   "compare at", "compare", "before", "retail", "reg", "market", "srp",
                   "starting bid", "opening bid",
                   "lowest price in the last 30 days", "lowest price in the past 30 days",
                   "lowest price of the last 30 days", "lowest price in 30 days", "30-day low",
                   "lowest price 30 days"),
        "saving": ("save", "saving", "savings", "you save", "reward points", "loyalty points",
                   "cashback", "cash back", "store credit"),
        "shipping": ("shipping", "delivery", "postage", "freight", "ship", "orders"),
        "instalment": ("payments", "mo", "month", "monthly", "per month", "klarna", "afterpay",
                       "affirm", "installment", "installments", "instalment", "instalments",
                       "interest", "financing", "finance", "emi", "sezzle", "tabby", "tamara",
                       "atome"),
        "unit": ("per kg", "per lb", "per oz", "per litre", "per liter", "per unit",
                 "unit price", "per 100g", "per 100 g", "per 100ml", "per 100 ml"),
        "vat": ("incl. vat", "inc. vat", "ex. vat", "excl. vat", "plus vat", "vat", "tax"),
        "cart": ("subtotal", "total", "cart", "basket"),
        "regular": ("regular",),
        "current": ("now", "sale", "deal", "price", "special", "today", "pay", "our price",
                    "current bid", "high bid", "winning bid"),
        "tier": ("or more", "or above"),
        "elsewhere": ("other sellers", "new & used", "used & new", "new and used",
                      "more buying choices", "other offers", "buying options", "offers from",
                      "used from", "refurbished from", "renewed from"),
    },
    "de": {
        "former": ("statt", "uvp", "unverbindliche preisempfehlung", "vorher", "bisher",
                   "ursprünglich", "ursprünglicher preis", "alter preis", "streichpreis",
                   "listenpreis", "früher",
                   "startpreis", "startgebot", "mindestgebot",
                   "niedrigster preis der letzten 30 tage", "niedrigster preis",
                   "tiefstpreis der letzten 30 tage", "günstigster preis der letzten 30 tage",
                   "bester preis der letzten 30 tage", "30-tage-bestpreis", "30-tage-tiefstpreis"),
        "saving": ("sie sparen", "sparen", "ersparnis", "gespart", "bonuspunkte", "treuepunkte",
                   "gutschrift"),
        "shipping": ("versand", "versandkosten", "lieferung", "porto", "zzgl. versand",
                     "versandkostenfrei"),
        "instalment": ("monatlich", "monat", "mtl", "raten", "monatsrate", "ratenzahlung",
                       "finanzierung"),
        "unit": ("grundpreis", "pro kg", "pro stück", "pro liter", "pro meter", "je kg",
                 "je stück"),
        "vat": ("inkl. mwst", "inkl. mwst.", "mwst", "mwst.", "ust", "ust.", "inkl.",
                "zzgl. mwst", "exkl. mwst", "netto", "brutto"),
        "cart": ("warenkorb", "zwischensumme", "gesamtsumme", "summe"),
        "current": ("preis", "jetzt", "nur", "angebot", "aktionspreis", "unser preis",
                    "aktuelles gebot", "höchstgebot", "aktueller preis"),
        "tier": ("oder mehr", "und mehr"),
        "elsewhere": ("andere anbieter", "weitere anbieter", "weitere angebote",
                      "andere verkäufer", "neu und gebraucht", "angebote ab", "gebraucht ab"),
    },
    "fr": {
        "former": ("au lieu de", "prix barré", "ancien prix", "prix conseillé", "prix de référence",
                   "avant", "prix initial", "mise à prix", "prix de départ", "enchère de départ",
                   "prix le plus bas des 30 derniers jours", "prix le plus bas sur 30 jours",
                   "prix le plus bas au cours des 30 derniers jours", "prix le plus bas pratiqué"),
        "saving": ("économisez", "économie", "vous économisez", "points fidélité",
                   "points de fidélité", "cagnotte"),
        "shipping": ("livraison", "frais de port", "expédition", "port"),
        "instalment": ("mois", "par mois", "mensualité", "mensualités", "fois sans frais"),
        "unit": ("prix au kilo", "prix au litre", "le kg", "le litre", "prix unitaire"),
        "vat": ("ttc", "ht", "tva", "hors taxes", "toutes taxes comprises"),
        "cart": ("panier", "sous-total"),
        "current": ("prix", "maintenant", "promo", "seulement",
                    "enchère actuelle", "offre actuelle", "prix actuel"),
        "tier": ("ou plus", "et plus"),
        "elsewhere": ("autres vendeurs", "autres offres", "neuf et occasion",
                      "neufs et d'occasion", "offres dès", "offres à partir de",
                      "reconditionné dès", "d'occasion dès"),
    },
    "es": {
        "former": ("antes", "precio anterior", "pvp", "precio de venta recomendado",
                   "precio original", "precio habitual",
                   "precio de salida", "puja inicial", "precio inicial",
                   "precio más bajo de los últimos 30 días",
                   "precio mínimo de los últimos 30 días", "precio más bajo en 30 días",
                   "precio más bajo 30 días"),
        "saving": ("ahorra", "ahorras", "ahorro", "puntos de fidelidad"),
        "shipping": ("envío", "envio", "gastos de envío", "entrega"),
        "instalment": ("mes", "al mes", "cuotas", "meses sin intereses", "financiación",
                       "mensual"),
        "unit": ("precio por kilo", "precio por litro", "precio unitario", "el kg"),
        "vat": ("iva incluido", "iva", "impuestos incluidos", "sin iva"),
        "cart": ("carrito", "cesta"),
        "current": ("precio", "ahora", "oferta", "puja actual", "oferta actual", "precio actual"),
        "tier": ("o más", "o mas"),
        "elsewhere": ("otros vendedores", "otras ofertas", "nuevos y usados", "nuevo y usado",
                      "ofertas desde", "reacondicionado desde"),
        "payment": ("con transferencia", "por transferencia", "pago por transferencia"),
    },
    "it": {
        "former": ("prezzo consigliato", "prezzo di listino", "invece di", "prezzo precedente",
                   "prezzo barrato", "prezzo di partenza", "base d'asta", "offerta iniziale",
                   "prezzo più basso degli ultimi 30 giorni",
                   "prezzo minimo degli ultimi 30 giorni",
                   "prezzo più basso negli ultimi 30 giorni", "prezzo più basso 30 giorni"),
        "saving": ("risparmi", "risparmio", "punti fedeltà"),
        "shipping": ("spedizione", "consegna", "spese di spedizione"),
        "instalment": ("al mese", "rate mensili", "rata", "finanziamento"),
        "unit": ("prezzo al kg", "prezzo al litro", "prezzo unitario"),
        "vat": ("iva inclusa", "iva", "iva esclusa"),
        "cart": ("carrello", "totale"),
        "current": ("prezzo", "ora", "offerta",
                    "offerta attuale", "offerta corrente", "prezzo attuale"),
        "tier": ("o più", "o piu"),
        "elsewhere": ("altri venditori", "altre offerte", "nuovo e usato", "offerte da",
                      "ricondizionato da"),
    },
    "nl": {
        "former": ("adviesprijs", "oude prijs", "normaal", "van-prijs",
                   "startprijs", "startbod", "openingsbod",
                   "laagste prijs van de afgelopen 30 dagen", "laagste prijs afgelopen 30 dagen",
                   "laagste prijs van de laatste 30 dagen", "laagste prijs 30 dagen"),
        "saving": ("bespaar", "besparing", "je bespaart", "u bespaart", "spaarpunten"),
        "shipping": ("verzendkosten", "verzending", "bezorging", "bezorgkosten", "levering"),
        "instalment": ("per maand", "p/m", "maand", "termijnen", "gespreid betalen"),
        "unit": ("per kilo", "per liter", "per stuk", "prijs per"),
        "vat": ("incl. btw", "btw", "excl. btw"),
        "cart": ("winkelwagen", "winkelmandje", "subtotaal"),
        "current": ("prijs", "nu", "huidig bod", "hoogste bod", "huidige prijs"),
        "tier": ("of meer", "en meer"),
        "elsewhere": ("andere verkopers", "andere aanbieders", "nieuw en tweedehands",
                      "aanbiedingen vanaf", "tweedehands vanaf"),
    },
    "pl": {
        "former": ("cena regularna", "poprzednia cena", "przed obniżką", "stara cena",
                   "cena katalogowa", "najniższa cena z 30 dni",
                   "cena wywoławcza", "cena początkowa",
                   "najniższa cena z ostatnich 30 dni", "najniższa cena w ciągu 30 dni"),
        "saving": ("oszczędzasz", "oszczędność", "taniej", "otrzymasz", "na kolejne zakupy",
                   "punkty lojalnościowe"),
        "shipping": ("dostawa", "wysyłka", "koszt dostawy", "przesyłka"),
        "instalment": ("rat", "raty", "rata", "miesięcznie", "mies."),
        "unit": ("cena za kg", "cena za litr", "cena jednostkowa", "za kg", "za szt"),
        "vat": ("brutto", "netto", "z vat", "vat"),
        "cart": ("koszyk", "razem"),
        "current": ("cena", "teraz", "promocja",
                    "aktualna oferta", "aktualna cena", "najwyższa oferta"),
        "tier": ("lub więcej", "i więcej"),
        "elsewhere": ("inni sprzedawcy", "inne oferty", "nowe i używane", "ofert od",
                      "oferty od", "używane od"),
    },
    "pt": {
        "former": ("antes", "preço anterior", "preço original", "pvpr", "de r$",
                   "lance inicial", "lance mínimo",
                   "preço mais baixo dos últimos 30 dias", "preço mais baixo nos últimos 30 dias"),
        "saving": ("poupe", "economize", "economia", "poupança"),
        "shipping": ("frete", "envio", "portes", "entrega"),
        "instalment": ("parcelas", "sem juros", "por mês", "mensal", "prestações"),
        "unit": ("preço por kg", "preço por litro", "preço unitário"),
        "vat": ("iva incluído", "iva", "impostos inclusos"),
        "cart": ("carrinho", "cesto"),
        "current": ("preço", "agora", "por r$", "lance atual", "preço atual"),
        "tier": ("ou mais",),
        "elsewhere": ("outros vendedores", "outras ofertas", "novos e usados",
                      "ofertas a partir de"),
        "payment": ("no pix", "via pix", "com pix", "pagando com pix", "no boleto",
                    "à vista no pix", "no pix ou boleto"),
    },
    "sv": {
        "former": ("ord. pris", "ordinarie pris", "tidigare pris", "förr",
                   "utropspris", "startpris",
                   "lägsta pris de senaste 30 dagarna", "lägsta pris senaste 30 dagarna",
                   "lägsta pris 30 dagar", "lägsta priset de senaste 30 dagarna"),
        "saving": ("spara", "du sparar"),
        "shipping": ("frakt", "leverans", "fraktkostnad"),
        "instalment": ("mån", "/mån", "per månad", "delbetalning", "avbetalning"),
        "unit": ("jämförpris", "kilopris", "literpris"),
        "vat": ("inkl. moms", "moms", "exkl. moms"),
        "cart": ("varukorg", "kundvagn"),
        "current": ("pris", "nu", "ledande bud", "nuvarande bud", "högsta bud"),
        "tier": ("eller fler", "eller mer"),
        "elsewhere": ("andra säljare", "andra erbjudanden"),
    },
    "da": {
        "former": ("førpris", "vejl. pris", "normalpris", "før", "startpris", "startbud",
                   "laveste pris de seneste 30 dage", "laveste pris i de seneste 30 dage",
                   "laveste pris 30 dage"),
        "saving": ("spar", "du sparer"),
        "shipping": ("fragt", "levering", "forsendelse"),
        "instalment": ("pr. md", "md.", "om måneden", "afbetaling"),
        "unit": ("literpris", "kilopris", "enhedspris"),
        "vat": ("inkl. moms", "moms", "ekskl. moms"),
        "cart": ("kurv", "indkøbskurv"),
        "current": ("pris", "nu", "højeste bud", "aktuelt bud", "nuværende bud"),
        "tier": ("eller flere", "eller mere"),
        "elsewhere": ("andre forhandlere", "andre sælgere"),
    },
    "no": {
        "former": ("veil. pris", "før", "tidligere pris", "ordinær pris",
                   "startpris", "startbud", "minstepris",
                   "laveste pris siste 30 dager", "laveste pris de siste 30 dagene"),
        "saving": ("spar", "du sparer"),
        "shipping": ("frakt", "levering"),
        "instalment": ("pr. mnd", "mnd", "per måned", "delbetaling"),
        "unit": ("kilopris", "literpris", "enhetspris"),
        "vat": ("inkl. mva", "mva", "eks. mva"),
        "cart": ("handlekurv", "handlevogn"),
        "current": ("pris", "nå", "høyeste bud", "nåværende bud"),
        "tier": ("eller flere", "eller mer"),
        "elsewhere": ("andre forhandlere", "andre selgere"),
    },
    "cs": {
        "former": ("původní cena", "běžná cena", "doporučená cena", "dříve",
                   "vyvolávací cena", "počáteční cena",
                   "nejnižší cena za posledních 30 dní", "nejnižší cena za 30 dní"),
        "saving": ("ušetříte", "sleva", "úspora"),
        "shipping": ("doprava", "doručení", "poštovné"),
        "instalment": ("měsíčně", "splátky", "splátka", "na splátky"),
        "unit": ("cena za kg", "cena za litr", "cena za kus", "za kus"),
        "vat": ("s dph", "bez dph", "dph"),
        "cart": ("košík",),
        "current": ("cena", "nyní", "akce", "aktuální příhoz", "aktuální cena"),
        "tier": ("nebo více", "a více"),
        "elsewhere": ("další prodejci", "další nabídky", "nabídek od", "nabídky od"),
    },
    "tr": {
        "former": ("eski fiyat", "liste fiyatı", "piyasa fiyatı", "önceki fiyat",
                   "açılış fiyatı", "başlangıç fiyatı"),
        "saving": ("kazancınız", "tasarruf", "indirim"),
        "shipping": ("kargo", "teslimat", "kargo ücreti"),
        "instalment": ("taksit", "taksitli", "aylık"),
        "unit": ("birim fiyat", "kg fiyatı", "litre fiyatı"),
        "vat": ("kdv dahil", "kdv"),
        "cart": ("sepet", "sepetim"),
        "current": ("fiyat", "şimdi", "güncel teklif", "son teklif", "güncel fiyat"),
        "tier": ("ve üzeri", "ve üstü"),
        "elsewhere": ("diğer satıcılar", "diğer teklifler"),
        "payment": ("havale", "havale ile", "havale / eft", "havale/eft", "eft ile"),
    },
    "ru": {
        "former": ("старая цена", "было", "обычная цена", "цена без скидки",
                   "начальная цена", "стартовая цена"),
        "saving": ("экономия", "выгода", "скидка", "бонусных баллов", "кешбэк"),
        "shipping": ("доставка", "стоимость доставки"),
        "instalment": ("в месяц", "мес", "рассрочка", "кредит", "платёж", "платеж"),
        "unit": ("за кг", "за литр", "за шт", "цена за"),
        "vat": ("с ндс", "ндс", "без ндс"),
        "cart": ("корзина", "итого"),
        "current": ("цена", "сейчас", "текущая ставка", "текущая цена"),
        "tier": ("и более", "или более"),
        "elsewhere": ("другие продавцы", "другие предложения", "предложений от",
                      "предложения от"),
    },
    "ja": {
        "former": ("通常価格", "参考価格", "定価", "希望小売価格", "旧価格", "元の価格",
                   "開始価格", "スタート価格"),
        "saving": ("割引", "お得", "off"),
        "shipping": ("送料", "配送料"),
        "instalment": ("分割", "月々", "ヶ月", "か月"),
        "unit": ("単価", "100gあたり", "1個あたり"),
        "vat": ("税込", "税抜", "税別", "消費税"),
        "cart": ("カート", "小計", "合計"),
        "current": ("価格", "販売価格", "特価", "セール価格", "現在価格", "現在の入札額"),
        "tier": ("個以上", "点以上"),
        "elsewhere": ("他の出品者", "その他の出品者"),
    },
    "zh": {
        "former": ("原价", "市场价", "参考价"),
        "saving": ("节省", "立减"),
        "shipping": ("运费", "配送费"),
        "instalment": ("分期", "每月"),
        "unit": ("单价",),
        "vat": ("含税",),
        "cart": ("购物车", "合计"),
        "current": ("价格", "售价", "现价", "促销价"),
        "tier": ("件以上",),
        "elsewhere": ("其他卖家", "其他商家"),
    },
    "ro": {
        "former": ("prp", "preț vechi", "pret vechi", "preț inițial", "pret initial",
                   "preț recomandat", "pret recomandat",
                   "cel mai mic preț din ultimele 30 de zile",
                   "cel mai mic pret din ultimele 30 de zile"),
        "saving": ("economisești", "economisesti", "reducere"),
        "shipping": ("livrare", "cost livrare", "transport"),
        "instalment": ("în rate", "in rate", "pe lună", "pe luna", "lunar"),
        "unit": ("preț pe kg", "pret pe kg", "preț unitar", "pret unitar"),
        "vat": ("tva inclus", "cu tva", "fără tva", "fara tva", "tva"),
        "cart": ("coș", "coșul meu"),
        "current": ("preț", "pret", "acum"),
        "tier": ("sau mai mult", "sau mai multe"),
        "elsewhere": ("alte oferte", "alți vânzători", "alti vanzatori", "oferte de la",
                      "oferte resigilate"),
    },
    "hu": {
        "former": ("régi ár", "eredeti ár", "listaár", "korábbi ár", "helyett",
                   "az elmúlt 30 nap legalacsonyabb ára", "legalacsonyabb ár az elmúlt 30 napban",
                   "30 napos legalacsonyabb ár"),
        "saving": ("megtakarítás", "spórolj", "kedvezmény"),
        "shipping": ("szállítás", "szállítási díj", "kiszállítás"),
        "instalment": ("havi", "részletre", "havonta"),
        "unit": ("egységár",),
        "vat": ("áfával", "áfa", "bruttó", "nettó"),
        "cart": ("kosár", "végösszeg"),
        "current": ("ár", "akciós ár"),
        "tier": ("vagy több", "vagy afelett"),
        "elsewhere": ("más eladók", "további ajánlatok", "további eladók"),
    },
    "fi": {
        "former": ("ovh", "normaalihinta", "aiemmin", "alkuperäinen hinta",
                   "alin hinta 30 päivän aikana", "alin hinta viimeisen 30 päivän aikana"),
        "saving": ("säästä", "säästät"),
        "shipping": ("toimitus", "toimituskulut", "postikulut"),
        "instalment": ("kk", "osamaksu", "kuukaudessa"),
        "unit": ("kilohinta", "litrahinta", "yksikköhinta"),
        "vat": ("sis. alv", "alv"),
        "cart": ("ostoskori",),
        "current": ("hinta", "nyt"),
        "tier": ("tai enemmän",),
        "elsewhere": ("muut myyjät", "muut tarjoukset"),
    },
    "sk": {
        "former": ("pôvodná cena", "bežná cena", "odporúčaná cena",
                   "najnižšia cena za posledných 30 dní", "najnižšia cena za 30 dní"),
        "saving": ("ušetríte", "zľava"),
        "shipping": ("doprava", "doručenie", "poštovné"),
        "instalment": ("mesačne", "splátky", "na splátky"),
        "unit": ("cena za kg", "cena za kus"),
        "vat": ("s dph", "bez dph"),
        "cart": ("košík",),
        "current": ("cena", "teraz"),
        "tier": ("alebo viac", "a viac"),
        "elsewhere": ("ďalší predajcovia", "ďalšie ponuky"),
    },
    "ko": {
        "former": ("정가", "정상가", "소비자가", "시중가", "권장소비자가격", "이전 가격"),
        "saving": ("할인", "절약"),
        "shipping": ("배송비", "배송료", "택배비", "택배배송", "배송"),
        "instalment": ("할부", "개월", "월 "),
        "unit": ("단위가격", "100g당", "개당"),
        "vat": ("부가세", "vat 포함"),
        "cart": ("장바구니", "총 상품금액", "합계"),
        "current": ("판매가", "할인가", "혜택가", "가격"),
        "tier": ("개 이상",),
        "elsewhere": ("다른 판매자", "다른 판매자 보기"),
        "payment": ("최적가", "카드할인가", "카드 할인가", "청구할인가"),
    },
    "el": {
        "former": ("αρχική τιμή", "παλιά τιμή", "προηγούμενη τιμή", "προτεινόμενη τιμή",
                   "χαμηλότερη τιμή των τελευταίων 30 ημερών", "χαμηλότερη τιμή 30 ημερών"),
        "saving": ("κερδίζεις", "κερδίζετε", "εξοικονόμηση", "έκπτωση"),
        "shipping": ("μεταφορικά", "έξοδα αποστολής", "αποστολή", "παράδοση"),
        "instalment": ("δόσεις", "άτοκες δόσεις", "μηνιαία", "το μήνα", "τον μήνα"),
        "unit": ("τιμή μονάδας", "ανά κιλό", "ανά τεμάχιο", "τιμή ανά κιλό"),
        "vat": ("με φπα", "χωρίς φπα", "συμπ. φπα", "φπα"),
        "cart": ("καλάθι", "σύνολο", "υποσύνολο"),
        "current": ("τιμή", "τώρα", "τελική τιμή"),
        "tier": ("ή περισσότερα",),
        "elsewhere": ("άλλοι πωλητές", "άλλες προσφορές", "προσφορές από"),
    },
    "id": {
        "former": ("harga asli", "harga normal", "harga awal", "harga sebelumnya",
                   "harga coret"),
        "saving": ("hemat", "diskon", "potongan"),
        "shipping": ("ongkir", "ongkos kirim", "biaya pengiriman", "pengiriman"),
        "instalment": ("cicilan", "per bulan", "bulan", "kredivo", "akulaku", "atome"),
        "unit": ("harga satuan", "harga per kg"),
        "vat": ("termasuk ppn", "ppn"),
        "cart": ("keranjang",),
        "current": ("harga", "sekarang", "harga spesial"),
        "tier": ("atau lebih",),
        "elsewhere": ("penjual lain", "toko lain", "penawaran lain"),
    },
    "th": {
        "former": ("ราคาปกติ", "ราคาเดิม", "ราคาก่อนลด"),
        "saving": ("ประหยัด", "ส่วนลด"),
        "shipping": ("ค่าจัดส่ง", "ค่าส่ง"),
        "instalment": ("ผ่อน", "ต่อเดือน"),
        "unit": ("ราคาต่อหน่วย", "ต่อกิโลกรัม"),
        "vat": ("ภาษีมูลค่าเพิ่ม",),
        "cart": ("ตะกร้า", "รถเข็น", "ยอดรวม"),
        "current": ("ราคา", "ราคาพิเศษ"),
        "tier": ("ชิ้นขึ้นไป",),
        "elsewhere": ("ผู้ขายรายอื่น",),
    },
    "vi": {
        "former": ("giá gốc", "giá cũ", "giá niêm yết", "giá thị trường"),
        "saving": ("tiết kiệm", "giảm"),
        "shipping": ("phí vận chuyển", "phí giao hàng", "phí ship", "vận chuyển"),
        "instalment": ("trả góp", "mỗi tháng", "tháng"),
        "unit": ("đơn giá",),
        "vat": ("đã bao gồm vat", "bao gồm vat", "chưa bao gồm vat"),
        "cart": ("giỏ hàng", "tổng tiền", "tạm tính"),
        "current": ("giá", "giá bán", "giá khuyến mãi", "giá ưu đãi"),
        "tier": ("trở lên",),
        "elsewhere": ("nhà bán khác", "người bán khác"),
    },
    "ar": {
        "former": ("السعر الأصلي", "السعر القديم", "السعر قبل الخصم", "كان", "بدلا من",
                   "بدلاً من"),
        "saving": ("وفر", "وفّر", "توفير", "خصم"),
        "shipping": ("الشحن", "رسوم الشحن", "التوصيل", "رسوم التوصيل", "شحن"),
        "instalment": ("أقساط", "بالتقسيط", "شهريا", "شهرياً", "في الشهر", "تابي", "تمارا"),
        "unit": ("سعر الوحدة", "للكيلو"),
        "vat": ("شامل ضريبة القيمة المضافة", "شامل الضريبة", "ضريبة القيمة المضافة",
                "غير شامل الضريبة"),
        "cart": ("سلة التسوق", "السلة", "المجموع", "الإجمالي"),
        "current": ("السعر", "الآن", "سعر العرض"),
        "tier": ("أو أكثر",),
        "elsewhere": ("بائعون آخرون", "عروض أخرى", "عروض من"),
    },
    "he": {
        "former": ("מחיר קודם", "מחיר מקורי", "במקום", "מחיר מחירון"),
        "saving": ("חיסכון", "חסכון", "הנחה", "חוסכים"),
        "shipping": ("משלוח", "דמי משלוח"),
        "instalment": ("תשלומים", "לחודש", "ללא ריבית"),
        "unit": ("מחיר ליחידה", 'מחיר לק"ג'),
        "vat": ('כולל מע"מ', 'לא כולל מע"מ', 'מע"מ'),
        "cart": ("סל קניות", "עגלה", 'סה"כ'),
        "current": ("מחיר", "מחיר מבצע", "עכשיו"),
        "tier": ("ומעלה",),
        "elsewhere": ("מוכרים נוספים",),
    },
    "uk": {
        "former": ("стара ціна", "звичайна ціна", "ціна без знижки", "було"),
        "saving": ("економія", "знижка", "вигода"),
        "shipping": ("доставка", "вартість доставки"),
        "instalment": ("на місяць", "міс", "розстрочка", "оплата частинами"),
        "unit": ("ціна за", "за кг"),
        "vat": ("з пдв", "без пдв", "пдв"),
        "cart": ("кошик", "разом"),
        "current": ("ціна", "зараз"),
        "tier": ("і більше",),
        "elsewhere": ("інші продавці", "інші пропозиції"),
    },
    "bg": {
        "former": ("стара цена", "предишна цена", "редовна цена", "препоръчителна цена"),
        "saving": ("спестявате", "отстъпка"),
        "shipping": ("доставка", "цена за доставка"),
        "instalment": ("на месец", "вноски", "на изплащане", "лизинг"),
        "unit": ("цена за кг", "единична цена"),
        "vat": ("с ддс", "без ддс", "ддс"),
        "cart": ("количка", "общо"),
        "current": ("цена", "сега"),
        "tier": ("или повече",),
        "elsewhere": ("други търговци", "други предложения"),
    },
    "hr": {
        "former": ("stara cijena", "redovna cijena", "preporučena cijena", "prije",
                   "najniža cijena u zadnjih 30 dana", "najniža cijena u posljednjih 30 dana"),
        "saving": ("ušteda", "uštedite", "popust"),
        "shipping": ("dostava", "troškovi dostave"),
        "instalment": ("mjesečno", "na rate", "rata"),
        "unit": ("cijena po kg", "jedinična cijena"),
        "vat": ("s pdv", "s pdv-om", "pdv uključen", "pdv"),
        "cart": ("košarica", "ukupno"),
        "current": ("cijena", "sada", "akcijska cijena"),
        "tier": ("ili više",),
        "elsewhere": ("ostali prodavači", "druge ponude"),
    },
    "lt": {
        "former": ("sena kaina", "ankstesnė kaina", "įprasta kaina", "rekomenduojama kaina",
                   "mažiausia kaina per 30 dienų", "žemiausia kaina per paskutines 30 dienų"),
        "saving": ("sutaupote", "sutaupykite", "nuolaida"),
        "shipping": ("pristatymas", "pristatymo kaina"),
        "instalment": ("per mėnesį", "mėn.", "išsimokėtinai"),
        "unit": ("vieneto kaina", "kaina už kg"),
        "vat": ("su pvm", "be pvm", "pvm"),
        "cart": ("krepšelis", "iš viso"),
        "current": ("kaina", "dabar", "akcijos kaina"),
        "tier": ("ir daugiau",),
        "elsewhere": ("kiti pardavėjai",),
    },
    "lv": {
        "former": ("vecā cena", "iepriekšējā cena", "parastā cena",
                   "zemākā cena pēdējo 30 dienu laikā"),
        "saving": ("ietaupi", "ietaupījums", "atlaide"),
        "shipping": ("piegāde", "piegādes cena"),
        "instalment": ("mēnesī", "/mēn", "līzings"),
        "unit": ("vienības cena", "cena par kg"),
        "vat": ("ar pvn", "bez pvn", "pvn"),
        "cart": ("grozs", "kopā"),
        "current": ("cena", "tagad", "akcijas cena"),
        "tier": ("un vairāk",),
        "elsewhere": ("citi pārdevēji",),
    },
    "et": {
        "former": ("vana hind", "tavahind", "eelmine hind",
                   "madalaim hind viimase 30 päeva jooksul"),
        "saving": ("säästad", "säästa", "soodustus"),
        "shipping": ("tarne", "saatmine", "transport"),
        "instalment": ("kuumakse", "/kuu", "järelmaks"),
        "unit": ("ühiku hind", "kg hind"),
        "vat": ("km-ga", "käibemaksuga", "ilma km-ta"),
        "cart": ("ostukorv", "kokku"),
        "current": ("hind", "nüüd", "soodushind"),
        "tier": ("ja rohkem",),
        "elsewhere": ("teised müüjad",),
    },
    "sr": {
        "former": ("stara cena", "redovna cena", "prethodna cena", "стара цена", "редовна цена",
                   "najniža cena u poslednjih 30 dana", "најнижа цена у последњих 30 дана"),
        "saving": ("ušteda", "uštedite", "уштеда", "уштедите", "попуст"),
        "shipping": ("isporuka", "troškovi dostave", "достава", "испорука"),
        "instalment": ("mesečno", "na rate", "месечно", "на рате"),
        "unit": ("cena po kg", "jedinična cena", "цена по кг"),
        "vat": ("sa pdv", "са пдв", "пдв"),
        "cart": ("korpa", "корпа", "укупно"),
        "current": ("cena", "sada", "akcijska cena", "цена", "сада", "акцијска цена"),
        "tier": ("или више",),
        "elsewhere": ("ostali prodavci", "остали продавци"),
    },
    "sl": {
        "former": ("redna cena", "stara cena", "prejšnja cena",
                   "najnižja cena v zadnjih 30 dneh"),
        "saving": ("prihranite", "prihranek"),
        "shipping": ("poštnina", "stroški dostave"),
        "instalment": ("na obroke", "obrok"),
        "unit": ("cena na kg", "cena na enoto"),
        "vat": ("z ddv", "ddv"),
        "cart": ("košarica", "skupaj"),
        "current": ("cena", "zdaj", "akcijska cena"),
        "tier": ("ali več",),
        "elsewhere": ("drugi prodajalci",),
    },
}  # fmt: skip

# Words right after a price that make it a part payment, a shipping cost or a unit price.
AFTER_PRICE: dict[str, tuple[str, ...]] = {
    "instalment": ("/mo", "/month", "per month", "a month", "monthly", "mo.", "x",
                   "/monat", "/mtl", "mtl.", "monatlich", "/mois", "par mois", "/mes", "al mes",
                   "/mese", "al mese", "per maand", "p/m", "/mies", "miesięcznie", "/mån",
                   "/md", "/mnd", "/měs", "měsíčně", "/ay", "в месяц", "/мес", "/月", "ヶ月",
                   "/bulan", "per bulan", "/tháng", "/ tháng", "/μήνα", "/міс", "/месец",
                   "/mj", "mjesečno", "/شهر", "شهريا", "לחודש", "/เดือน", "ต่อเดือน"),
    "shipping": ("shipping", "delivery", "postage", "versand", "versandkosten", "livraison",
                 "frais de port", "envío", "envio", "spedizione", "verzendkosten", "dostawa",
                 "wysyłka", "frete", "frakt", "fragt", "doprava", "kargo", "доставка", "送料",
                 "ongkir", "phí vận chuyển", "μεταφορικά", "dostava", "شحن", "משלוח",
                 "ค่าจัดส่ง"),
    "payment": ("no pix", "via pix", "com pix", "no boleto", "à vista no pix", "havale ile"),
    "unit": ("/kg", "/ kg", "/l", "/ l", "/100g", "/100 g", "/100ml", "/100 ml", "/m", "/m²",
             "/stk", "/st", "/szt", "/ks", "/шт", "/lb", "/oz", "per kg", "pro kg", "je kg",
             "le kg", "al kg", "za kg", "за кг"),
}  # fmt: skip
# Units a unit price is per, after a slash and a quantity ("6 598,00 zł / 1 l", "/ 100 g").
MEASURE_UNITS: tuple[str, ...] = (
    "kg", "g", "mg", "l", "ml", "cl", "dl", "m", "m²", "m2", "cm", "lb", "oz", "fl oz",
    "stk", "st", "szt", "ks", "шт", "кг", "г", "л", "мл", "м",
)  # fmt: skip

# Words before a quantity (of two or more) that make the price after it a graduated price's
# tier for that many ("Ab 50 | 6,95 €", "from 10 | $7.95", "od 10 ks | 249 Kč"), not one
# unit's: `heuristic._QUANTITY_TIER`. "Up to 9" is the tier a single unit is priced in.
QUANTITY_FROM: tuple[str, ...] = (
    "from", "ab", "à partir de", "dès", "desde", "a partir de", "da", "vanaf", "od", "från",
    "fra", "от",
)  # fmt: skip
# Unit words a quantity may be written with ("ab 10 Stück").
QUANTITY_UNITS: tuple[str, ...] = (
    "pcs", "pieces", "units", "items", "stück", "stk", "st", "pièces", "unidades", "pezzi",
    "stuks", "szt", "ks", "шт",
)  # fmt: skip

# Shipping mentions that say nothing about the price beside them.
FREE_SHIPPING: tuple[str, ...] = (
    "free shipping", "free standard shipping", "free delivery", "shipping available",
    "versandkostenfrei", "kostenloser versand", "gratis versand", "livraison gratuite",
    "livraison offerte", "envío gratis", "envío gratuito", "spedizione gratuita",
    "gratis verzending", "darmowa dostawa", "frete grátis", "fri frakt", "gratis fragt",
    "doprava zdarma", "ücretsiz kargo", "бесплатная доставка", "送料無料",
    "δωρεάν μεταφορικά", "δωρεάν αποστολή", "gratis ongkir", "miễn phí vận chuyển",
    "شحن مجاني", "توصيل مجاني", "משלוח חינם", "безкоштовна доставка", "безплатна доставка",
    "besplatna dostava", "ส่งฟรี", "จัดส่งฟรี",
)  # fmt: skip
# Words right before an amount that make it a minimum: after a free-shipping mention, the
# amount is the order's threshold, never a price ("Free shipping on orders over $35",
# "Versandkostenfrei ab 50 €", "Безкоштовна доставка від 1 000 ₴").
THRESHOLD_WORDS: tuple[str, ...] = (
    *QUANTITY_FROM, "over", "above", "orders over", "über", "oltre", "boven", "powyżej",
    "över", "yli", "свыше", "від", "понад", "nad", "üzeri", "minimum", "min.",
)  # fmt: skip

# ---------------------------------------------------------------------------------------
# Class and id words of price elements
# ---------------------------------------------------------------------------------------

# What the words of an element's class and id (split at "-", "_" and case changes, lower-
# cased, ASCII as markup is written: "preco" for "preço") say of a price, by language. Pages
# name their markup in their own language too: "preis", "prix-barre", "cena-stara".
#   price     the element holds a price
#   former    beside a price word, a former or list price ("old-price", "prix-barre")
#   current   beside a price word, the price to pay ("sale-price", "prix-actuel")
# `stems` are price words also recognised inside a longer word ("verkaufspreis",
# "prixbarre", "streichpreis"); the other price words are too short or too common inside
# other words ("cena" in "scenario", "pris" in "surprise") and count whole only.
PRICE_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "price": ("price", "prices", "prc", "amount", "cost", "pricing"),
        "stems": ("price",),
        "former": ("list", "old", "original", "orig", "org", "compare", "before", "retail"),
        # English names of the current price are read inside words too, with compounds
        # ("productprice", "a-price", "buybox"): `heuristic._STRONG_PRICE_ATTRIBUTE`.
    },
    "de": {
        "price": ("preis", "preise"),
        "stems": ("preis",),
        "former": ("alt", "alter", "streich", "uvp", "statt", "vorher", "durchgestrichen"),
        "current": ("aktuell", "angebot", "verkauf", "aktion", "sonder", "jetzt"),
    },
    "fr": {
        "price": ("prix",),
        "stems": ("prix",),
        "former": ("barre", "ancien", "avant", "conseille", "origine"),
        "current": ("actuel", "promo", "vente", "remise"),
    },
    "es": {
        "price": ("precio", "precios"),
        "stems": ("precio",),
        "former": ("anterior", "antes", "tachado", "antiguo", "viejo"),
        "current": ("oferta", "rebajado", "venta"),
    },
    "it": {
        "price": ("prezzo", "prezzi"),
        "stems": ("prezzo",),
        "former": ("barrato", "vecchio", "precedente", "listino", "consigliato"),
        "current": ("attuale", "finale", "offerta", "scontato"),
    },
    "nl": {
        "price": ("prijs", "prijzen"),
        "stems": ("prijs",),
        "former": ("oud", "oude", "doorgestreept", "advies", "van"),
        "current": ("actie", "voor", "nu", "aanbieding"),
    },
    "pl": {
        "price": ("cena", "ceny"),
        "former": ("stara", "poprzednia", "przekreslona", "regularna", "katalogowa"),
        "current": ("aktualna", "promocyjna", "promocja", "nowa"),
    },
    "pt": {
        "price": ("preco", "precos"),
        "stems": ("preco",),
        "former": ("antigo", "anterior", "riscado"),
        "current": ("atual", "promocional", "oferta", "por"),
    },
    "sv": {
        "price": ("pris", "priser"),
        "former": ("ordinarie", "tidigare", "forr"),
        "current": ("kampanj", "rea"),
    },
    "da": {
        "price": ("pris", "priser"),
        "former": ("foer", "vejl", "tidligere"),
        "current": ("tilbud",),
    },
    "no": {
        "price": ("pris", "priser"),
        "former": ("veil", "tidligere", "ordinaer"),
        "current": ("tilbud", "kampanje"),
    },
    "cs": {
        "price": ("cena", "ceny"),
        "former": ("puvodni", "bezna", "preskrtnuta", "doporucena"),
        "current": ("akcni", "aktualni", "nova"),
    },
    "tr": {
        "price": ("fiyat", "fiyati"),
        "stems": ("fiyat",),
        "former": ("eski", "liste", "piyasa"),
        "current": ("indirimli", "satis", "guncel", "yeni"),
    },
    "ru": {
        "price": ("cena", "tsena", "czena"),
        "former": ("staraya", "prezhnyaya"),
        "current": ("novaya", "aktualnaya"),
    },
    "ro": {
        "price": ("pret", "preturi"),
        "former": ("vechi", "initial"),
        "current": ("redus", "nou"),
    },
    "fi": {
        "price": ("hinta", "hinnat"),
        "former": ("normaali", "ovh"),
        "current": ("tarjous",),
    },
    "id": {
        "price": ("harga",),
        "former": ("coret", "asli", "awal"),
        "current": ("diskon", "promo", "spesial"),
    },
    "vi": {
        "price": ("gia",),
        "former": ("goc", "cu", "niemyet"),
        "current": ("ban", "khuyenmai", "uudai"),
    },
    "el": {
        "price": ("timi",),
        "former": ("arxiki", "palia", "proigoumeni"),
        "current": ("teliki", "prosfora"),
    },
    "hr": {
        "price": ("cijena", "cijene"),
        "former": ("stara", "redovna"),
        "current": ("akcijska", "nova"),
    },
    "uk": {
        "price": ("tsina", "cina"),
        "former": ("stara",),
        "current": ("nova", "aktsiina"),
    },
    "ja": {
        "price": ("kakaku", "nedan"),
        "former": ("teika", "tsujo"),
        "current": ("hanbai", "tokka"),
    },
}  # fmt: skip

# ---------------------------------------------------------------------------------------
# Stock
# ---------------------------------------------------------------------------------------

# A stock status stated on its own, by language. "Only N left" counts as in stock: the
# number is any digits between the phrase's parts, written "{n}".
STOCK: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "in": ("in stock", "available now", "available", "ready to ship", "only {n} left",
               "only {n} left in stock", "{n} in stock", "in stock online", "low stock",
               "limited stock", "in stock and ready to ship"),
        "out": ("out of stock", "temporarily out of stock", "currently out of stock",
                "sold out", "currently unavailable", "temporarily unavailable",
                "no longer available", "unavailable", "discontinued", "no longer in stock",
                "not in stock", "not available", "currently not available"),
    },
    "de": {
        "in": ("auf lager", "lagernd", "sofort lieferbar", "lieferbar", "vorrätig",
               "sofort verfügbar", "verfügbar", "nur noch {n} stück", "nur noch {n} verfügbar",
               "nur noch {n} auf lager", "nur noch {n} stück auf lager",
               "nur noch {n} stück verfügbar", "{n} stück auf lager", "{n} stk. lagernd",
               "an lager", "ab lager", "lieferbar in {n}", "versandfertig in {n}"),
        "out": ("ausverkauft", "leider ausverkauft", "nicht lieferbar", "nicht verfügbar",
                "nicht auf lager", "derzeit nicht verfügbar", "momentan nicht verfügbar",
                "nicht mehr verfügbar", "vergriffen", "nicht vorrätig",
                "zurzeit nicht lieferbar", "nicht mehr lieferbar", "nicht mehr erhältlich",
                "nicht mehr auf lager", "nicht mehr vorrätig", "nicht erhältlich"),
    },
    "fr": {
        "in": ("en stock", "disponible", "plus que {n} en stock", "il ne reste que {n}",
               "il ne reste plus que {n}", "plus que {n}", "expédié sous 24h"),
        "out": ("épuisé", "rupture de stock", "en rupture", "indisponible", "non disponible",
                "en rupture de stock", "temporairement en rupture de stock",
                "momentanément indisponible", "n'est plus en stock", "n'est plus disponible",
                "n'est pas en stock", "n'est pas disponible", "plus en stock", "plus disponible",
                "hors stock"),
    },
    "es": {
        "in": ("en stock", "disponible", "en existencia", "solo quedan {n}",
               "solo quedan {n} unidades", "quedan {n} unidades", "últimas {n} unidades",
               "últimas unidades", "disponible en {n}h", "disponible en {n} horas",
               "envío en {n}h", "entrega en {n}h"),
        "out": ("agotado", "agotado temporalmente", "temporalmente agotado", "sin stock",
                "no disponible", "fuera de stock", "sin existencias", "no está disponible",
                "ya no está disponible", "no hay stock", "sin unidades"),
    },
    "it": {
        "in": ("disponibile", "in magazzino", "disponibilità immediata", "solo {n} disponibili",
               "ultimi {n} pezzi", "ultimi {n} disponibili", "rimangono {n}",
               "solo {n} rimasti"),
        "out": ("esaurito", "non disponibile", "terminato", "non più disponibile",
                "temporaneamente non disponibile", "momentaneamente non disponibile",
                "non è disponibile", "non più in magazzino", "non in magazzino"),
    },
    "nl": {
        "in": ("op voorraad", "leverbaar", "direct leverbaar", "nog {n} op voorraad",
               "nog maar {n}", "nog {n} beschikbaar", "nog maar {n} beschikbaar",
               "laatste {n} stuks", "beschikbaar", "morgen in huis",
               "vandaag besteld, morgen in huis"),
        "out": ("uitverkocht", "niet op voorraad", "niet leverbaar", "niet beschikbaar",
                "tijdelijk uitverkocht", "tijdelijk niet leverbaar",
                "tijdelijk niet beschikbaar", "niet meer leverbaar", "niet meer op voorraad",
                "niet meer beschikbaar"),
    },
    "pl": {
        "in": ("dostępny", "dostępna", "w magazynie", "na stanie", "produkt dostępny",
               "tylko {n} szt", "tylko {n} sztuki", "ostatnie {n} szt", "ostatnie sztuki",
               "zostało {n}", "zostały {n} sztuki", "dostępny w {n}h", "dostępny od ręki",
               "wysyłka w {n}h", "wysyłka w {n} godziny", "wysyłka w {n} godzin"),
        "out": ("niedostępny", "niedostępna", "brak w magazynie", "brak na stanie",
                "wyprzedany", "produkt wyprzedany", "brak towaru", "produkt niedostępny",
                "chwilowo niedostępny"),
    },
    "pt": {
        "in": ("em estoque", "em stock", "disponível", "apenas {n} em estoque",
               "últimas {n} unidades", "restam {n}"),
        "out": ("esgotado", "indisponível", "sem estoque", "fora de estoque", "sem stock",
                "não disponível", "não está disponível", "produto esgotado"),
    },
    "sv": {
        "in": ("i lager", "finns i lager", "i butik", "endast {n} kvar", "bara {n} kvar",
               "{n} st i lager"),
        "out": ("slut i lager", "slut", "slutsåld", "tillfälligt slut", "ej i lager", "utsåld"),
    },
    "da": {
        "in": ("på lager", "kun {n} tilbage", "{n} stk. på lager"),
        "out": ("udsolgt", "ikke på lager", "midlertidigt udsolgt"),
    },
    "no": {
        "in": ("på lager", "kun {n} igjen", "bare {n} igjen"),
        "out": ("utsolgt", "ikke på lager", "midlertidig utsolgt"),
    },
    "cs": {
        "in": ("skladem", "na skladě", "ihned k odeslání", "posledních {n} kusů",
               "poslední {n} ks", "skladem {n} ks"),
        "out": ("vyprodáno", "není skladem", "nedostupné", "momentálně nedostupné"),
    },
    "tr": {
        "in": ("stokta", "stokta var", "son {n} ürün", "stokta son {n}"),
        "out": ("tükendi", "stokta yok", "stok yok", "satışta değil"),
    },
    "ru": {
        "in": ("в наличии", "есть в наличии", "осталось {n} шт", "осталось {n}", "на складе"),
        "out": ("нет в наличии", "распродано", "нет на складе", "товар закончился",
                "недоступен"),
    },
    "ja": {
        "in": ("在庫あり", "在庫有り", "残り{n}点", "残りわずか", "即納"),
        "out": ("在庫切れ", "品切れ", "売り切れ", "完売", "在庫なし"),
    },
    "zh": {
        "in": ("有货", "现货", "仅剩{n}件"),
        "out": ("缺货", "无货", "售罄", "已售完"),
    },
    "ro": {
        "in": ("în stoc", "in stoc", "disponibil", "stoc limitat", "ultimele {n} bucăți",
               "ultimele {n} produse"),
        "out": ("stoc epuizat", "epuizat", "indisponibil", "nu este în stoc",
                "momentan indisponibil", "nu mai este disponibil"),
    },
    "hu": {
        "in": ("raktáron", "készleten", "elérhető", "utolsó {n} db", "már csak {n} db"),
        "out": ("elfogyott", "nincs raktáron", "nincs készleten", "nem elérhető",
                "átmenetileg nem elérhető"),
    },
    "fi": {
        "in": ("varastossa", "heti toimitettavissa", "saatavilla", "vain {n} jäljellä"),
        "out": ("loppuunmyyty", "ei varastossa", "tilapäisesti loppu", "loppu varastosta",
                "loppu", "tuote on loppu", "ei saatavilla"),
    },
    "sk": {
        "in": ("skladom", "na sklade", "posledné {n} ks"),
        "out": ("vypredané", "nie je skladom", "nedostupné", "momentálne nedostupné"),
    },
    "ko": {
        "in": ("재고 있음", "구매 가능", "{n}개 남음", "남은 수량 {n}개"),
        "out": ("품절", "일시품절", "재고 없음", "매진", "판매 종료", "판매종료"),
    },
    "el": {
        "in": ("άμεσα διαθέσιμο", "διαθέσιμο", "σε απόθεμα", "άμεση παραλαβή",
               "μόνο {n} τεμάχια", "τελευταία τεμάχια", "τελευταία {n} τεμάχια"),
        "out": ("εξαντλήθηκε", "μη διαθέσιμο", "προσωρινά μη διαθέσιμο", "εκτός αποθέματος",
                "δεν είναι διαθέσιμο", "εξαντλημένο"),
    },
    "id": {
        "in": ("tersedia", "stok tersedia", "ada stok", "stok ada", "sisa {n}",
               "stok tinggal {n}", "tinggal {n}", "sisa {n} lagi"),
        "out": ("stok habis", "habis", "tidak tersedia", "sudah habis", "produk habis",
                "terjual habis", "stok kosong", "kosong"),
    },
    "th": {
        "in": ("มีสินค้า", "มีสินค้าพร้อมส่ง", "พร้อมส่ง", "มีสินค้าในสต็อก",
               "เหลือ {n} ชิ้น"),
        "out": ("สินค้าหมด", "หมดสต็อก", "สินค้าหมดชั่วคราว", "ไม่มีสินค้า", "สินค้าหมดแล้ว",
                "หมดแล้ว"),
    },
    "vi": {
        "in": ("còn hàng", "sẵn hàng", "có sẵn", "còn {n} sản phẩm", "chỉ còn {n} sản phẩm"),
        "out": ("hết hàng", "tạm hết hàng", "ngừng kinh doanh", "hết hàng tạm thời",
                "sản phẩm đã hết hàng", "ngừng bán"),
    },
    "ar": {
        "in": ("متوفر", "متوفر في المخزون", "متاح", "في المخزون", "متبقي {n} فقط",
               "بقي {n} فقط", "متوفر الآن"),
        "out": ("غير متوفر", "نفدت الكمية", "نفذت الكمية", "نفد من المخزون",
                "نفذ من المخزون", "غير متوفر حاليا", "غير متاح", "نفدت الكمية حاليا"),
    },
    "he": {
        "in": ("במלאי", "זמין במלאי", "זמין", "נותרו {n} יחידות", "נותרו {n} במלאי"),
        "out": ("אזל מהמלאי", "אזל", "לא במלאי", "לא זמין", "חסר במלאי", "אזל המלאי"),
    },
    "uk": {
        "in": ("в наявності", "є в наявності", "залишилось {n} шт", "закінчується"),
        "out": ("немає в наявності", "нема в наявності", "закінчився", "товар закінчився",
                "розпродано", "недоступний"),
    },
    "bg": {
        "in": ("в наличност", "наличен", "налично", "в наличност в магазин",
               "остават {n} бр"),
        "out": ("изчерпан", "изчерпано", "няма наличност", "не е наличен", "неналичен",
                "изчерпана наличност"),
    },
    "hr": {
        "in": ("na zalihi", "dostupno", "na stanju", "raspoloživo", "dostupan",
               "još samo {n} kom"),
        "out": ("rasprodano", "nije dostupno", "nema na zalihi", "nedostupno",
                "nije na zalihi", "nema na stanju", "trenutno nedostupno"),
    },
    # Statuses only, for languages whose shops' other words are not tabled yet.
    "lt": {
        "in": ("yra sandėlyje", "turime sandėlyje", "sandėlyje", "galima įsigyti",
               "liko {n} vnt"),
        "out": ("prekės nėra", "nėra sandėlyje", "išparduota", "prekė išparduota",
                "neturime", "šiuo metu prekės nėra"),
    },
    "lv": {
        "in": ("ir noliktavā", "noliktavā", "pieejams", "pieejama", "ir pieejams"),
        "out": ("nav noliktavā", "izpārdots", "izpārdota", "nav pieejams", "nav pieejama"),
    },
    "et": {
        "in": ("laos", "laos olemas", "saadaval", "on laos"),
        "out": ("laost otsas", "otsas", "välja müüdud", "ei ole saadaval", "pole saadaval",
                "pole laos", "ei ole laos"),
    },
    "sr": {
        "in": ("na stanju", "na lageru", "dostupno", "raspoloživo", "на стању", "на лагеру",
               "доступно", "расположиво"),
        "out": ("nema na stanju", "nema na lageru", "rasprodato", "nije dostupno",
                "нема на стању", "нема на лагеру", "распродато", "није доступно"),
    },
    "sl": {
        "in": ("na zalogi", "na voljo", "razpoložljivo"),
        "out": ("ni na zalogi", "razprodano", "ni na voljo", "ni več na zalogi"),
    },
    "mk": {
        "in": ("на залиха", "достапно", "достапен"),
        "out": ("нема на залиха", "распродадено", "недостапно", "недостапен"),
    },
    "sq": {
        "in": ("në stok", "në gjendje", "i disponueshëm", "e disponueshme"),
        "out": ("jashtë stokut", "nuk ka në stok", "e shitur", "i shitur", "nuk është në stok"),
    },
    "is": {
        "in": ("til á lager", "á lager", "til á lager í vefverslun"),
        "out": ("uppselt", "ekki til á lager", "ekki á lager", "uppseld", "uppseldur"),
    },
    "kk": {
        "in": ("қоймада бар", "сатылымда бар", "қолжетімді"),
        "out": ("қоймада жоқ", "сатылып кетті", "сатылымда жоқ"),
    },
    "ka": {
        "in": ("მარაგშია", "ხელმისაწვდომია", "მარაგში"),
        "out": ("არ არის მარაგში", "მარაგი ამოიწურა", "ამოიწურა", "გაყიდულია"),
    },
    "az": {
        "in": ("stokda var", "anbarda var", "mövcuddur"),
        "out": ("stokda yoxdur", "anbarda yoxdur", "mövcud deyil", "satılıb", "bitib"),
    },
    "fa": {
        "in": ("موجود", "موجود است", "موجود در انبار"),
        "out": ("ناموجود", "موجود نیست", "اتمام موجودی", "تمام شد", "ناموجود در انبار"),
    },
    "ur": {
        "in": ("اسٹاک میں", "دستیاب", "اسٹاک میں موجود"),
        "out": ("اسٹاک ختم", "دستیاب نہیں", "آؤٹ آف اسٹاک", "اسٹاک میں نہیں"),
    },
    "hi": {
        "in": ("स्टॉक में है", "स्टॉक में", "उपलब्ध", "उपलब्ध है"),
        "out": ("स्टॉक में नहीं", "स्टॉक में नहीं है", "आउट ऑफ स्टॉक", "अनुपलब्ध", "स्टॉक खत्म"),
    },
    "bn": {
        "in": ("স্টকে আছে", "স্টক আছে", "পাওয়া যাচ্ছে"),
        "out": ("স্টকে নেই", "স্টক আউট", "স্টক শেষ", "পাওয়া যাচ্ছে না"),
    },
    "ms": {
        "in": ("ada stok", "dalam stok", "stok ada"),
        "out": ("habis dijual", "kehabisan stok", "tiada stok", "stok tiada"),
    },
    "tl": {
        "in": ("may stock", "mayroong stock"),
        "out": ("ubos na", "wala nang stock", "walang stock", "ubos na ang stock"),
    },
    "sw": {
        "in": ("ipo stoo", "inapatikana", "ipo dukani"),
        "out": ("imeisha", "haipatikani", "hakuna stoo", "imeisha stoo"),
    },
}  # fmt: skip
# What may name the product before its stated status, as a sentence does ("This item is no
# longer available", "Dieser Artikel ist leider ausverkauft", "Produit épuisé").
STOCK_SUBJECTS: tuple[str, ...] = (
    "this item is", "this product is", "this item is currently", "this product is currently",
    "this item has been", "this product has been",
    "the item is", "the product is", "item", "product", "sorry", "sorry, this item is",
    "sorry, this product is", "sorry, this item is currently", "sorry, this product is currently",
    "dieser artikel ist", "dieser artikel ist leider", "dieses produkt ist",
    "dieses produkt ist leider", "der artikel ist", "der artikel ist leider", "das produkt ist",
    "das produkt ist leider", "artikel", "artikel ist", "artikel ist leider", "produkt",
    "produkt ist", "produkt ist leider", "leider", "ce produit est", "cet article est",
    "ce produit", "cet article", "dieser artikel", "dieses produkt", "this item",
    "this product", "este producto", "este artículo", "questo prodotto", "questo articolo",
    "dit product", "dit artikel",
    "ce produit est actuellement", "cet article est actuellement", "produit", "article",
    "este producto está", "este artículo está", "producto", "artículo", "questo prodotto è",
    "questo articolo è", "prodotto", "articolo", "dit product is", "dit artikel is",
    "ten produkt jest", "towar", "este produto está", "produto", "produkten är", "varan är",
    "tyvärr", "produktet er", "varen er", "tento produkt je", "produkt je", "zboží je",
    "zboží", "bu ürün", "ürün", "этот товар", "товар", "produsul este", "produs",
    "a termék", "termék", "tuote on", "tuote", "이 상품은", "상품",
    "το προϊόν", "το προϊόν είναι", "produk ini", "produk", "sản phẩm", "sản phẩm này",
    "هذا المنتج", "المنتج", "המוצר", "המוצר אזל", "цей товар", "продуктът", "продуктът е",
    "proizvod", "proizvod je", "artikl",
)  # fmt: skip
# Adverbs that may qualify a stated status, before it: "Temporarily sold out", "Derzeit
# ausverkauft", "Chwilowo niedostępny" (a status is in stock or out all the same).
STOCK_QUALIFIERS: tuple[str, ...] = (
    "temporarily", "currently", "unfortunately", "leider", "derzeit", "momentan", "zurzeit",
    "aktuell", "vorübergehend", "temporairement", "momentanément", "actuellement",
    "temporalmente", "momentáneamente", "actualmente", "temporaneamente", "momentaneamente",
    "attualmente", "tijdelijk", "momenteel", "chwilowo", "obecnie", "tymczasowo",
    "temporariamente", "tillfälligt", "midlertidigt", "midlertidig", "dočasně", "momentálně",
    "geçici olarak", "временно", "一時", "暂时", "átmenetileg", "tilapäisesti",
    "dočasne", "momentálne", "일시", "προσωρινά", "sementara", "tạm thời", "مؤقتا", "مؤقتاً",
    "حاليا", "حالياً", "כרגע", "тимчасово", "trenutno", "online",
)  # fmt: skip
# What may follow a stated status and still leave it a status on its own: "Not available at
# the moment", "No disponible por el momento", "Indisponible pour le moment".
STOCK_QUALIFIERS_AFTER: tuple[str, ...] = (
    "at the moment", "right now", "for now", "at this time", "im moment", "zurzeit",
    "derzeit", "momentan", "pour le moment", "pour l'instant", "actuellement",
    "por el momento", "por ahora", "en este momento", "al momento", "per il momento",
    "op dit moment", "momenteel", "w tej chwili", "no momento", "för tillfället",
    "for øyeblikket", "for øjeblikket", "v tuto chvíli", "şu anda", "в данный момент",
    "pe moment", "jelenleg", "tällä hetkellä",
    # the web shop's stock, the one a price online is for ("Out of stock online", "Slut i
    # webblagret"); a store's stock says nothing of it
    "online", "in the online store", "en ligne", "sur le site", "im onlineshop",
    "im online-shop", "im webshop", "en la tienda online", "en línea", "nel negozio online",
    "in de webshop", "w sklepie internetowym", "na e-shopu", "på nett", "i nettbutikken",
    "på nettet", "i webblagret", "i webblager", "i webbutiken", "på webben", "på nätet",
    "i webshoppen", "verkkokaupassa", "verkkokaupasta",
)  # fmt: skip
# Words that may introduce a stated status ("Availability: in stock", "Lieferstatus: ...").
STOCK_PREFIXES: tuple[str, ...] = (
    "availability", "status", "stock", "verfügbarkeit", "lieferstatus", "lieferzeit",
    "lagerstatus", "disponibilité", "disponibilidad", "disponibilità", "beschikbaarheid",
    "levertijd", "dostępność", "disponibilidade", "tillgänglighet", "lagerstatus",
    "dostupnost", "stok durumu", "наличие", "在庫", "disponibilitate", "elérhetőség",
    "saatavuus", "dostupnosť", "διαθεσιμότητα", "ketersediaan", "stok", "tình trạng",
    "التوفر", "الحالة", "זמינות", "наявність", "наличност", "dostupnost", "stanje",
)  # fmt: skip

# ---------------------------------------------------------------------------------------
# Buy controls and the blocks no price of the page's own sits in
# ---------------------------------------------------------------------------------------

# A control's text or attributes that make it the add-to-cart / buy button; an auction's
# bid button is one too (bidding is open: the item is there to be had).
BUY_CONTROL: tuple[str, ...] = (
    "add to cart", "add to bag", "add to basket", "add to trolley", "add to order",
    "buy now", "buy it now", "in den warenkorb", "in den einkaufswagen", "jetzt kaufen",
    "kaufen", "ajouter au panier", "acheter", "añadir al carrito", "agregar al carrito",
    "añadir a la cesta", "comprar", "aggiungi al carrello", "acquista", "in winkelwagen",
    "in winkelmand", "bestellen", "dodaj do koszyka", "do koszyka", "kup teraz",
    "mettre au panier", "toevoegen aan winkelwagen", "in de winkelwagen",
    "adicionar ao carrinho", "adicionar ao cesto", "lägg i varukorgen", "köp", "læg i kurv",
    "køb", "legg i handlekurv", "kjøp", "do košíku", "koupit", "sepete ekle", "satın al",
    "в корзину", "купить", "カートに入れる", "購入", "加入购物车", "立即购买",
    "lägg i varukorg", "köp nu", "læg i kurven", "tilføj til kurv", "legg i handlekurven",
    "kjøp nå", "adaugă în coș", "adauga in cos", "cumpără", "cumpara", "kosárba",
    "kosárba teszem", "megveszem", "lisää ostoskoriin", "osta", "do košíka", "pridať do košíka",
    "kúpiť", "장바구니 담기", "장바구니", "바로구매", "구매하기",
    "προσθήκη στο καλάθι", "στο καλάθι", "αγορά τώρα", "αγορά", "tambah ke keranjang",
    "masukkan keranjang", "+ keranjang", "beli sekarang", "beli", "เพิ่มลงรถเข็น",
    "ใส่ตะกร้า", "หยิบใส่รถเข็น", "ซื้อเลย", "ซื้อทันที", "thêm vào giỏ hàng", "thêm vào giỏ",
    "chọn mua", "mua ngay", "أضف إلى السلة", "أضف للسلة", "اشتر الآن", "اشتري الآن", "شراء",
    "הוסף לסל", "הוספה לסל", "קנה עכשיו", "לרכישה", "купити", "в кошик", "додати в кошик",
    "до кошика", "добави в количката", "добави в кошницата", "купи", "купи сега",
    "dodaj u košaricu", "u košaricu", "kupi", "kupi odmah",
    "カートに追加", "カートへ入れる", "カゴに入れる", "かごに入れる", "買い物かごに入れる",
    "今すぐ購入", "加入購物車", "放入購物車", "立即購買", "直接購買", "加入购物袋",
    "place bid", "place a bid", "bid now", "bieten", "jetzt bieten", "gebot abgeben",
    "enchérir", "pujar", "licitar", "fai un'offerta", "licytuj", "licitálok",
    "licitálás", "přihodit", "dražit", "teklif ver", "сделать ставку", "入札する", "出价",
    "입찰하기", "lägg bud", "bod plaatsen", "bied mee",
    "į krepšelį", "pridėti į krepšelį", "dėti į krepšelį", "pirkti dabar",
    "pievienot grozam", "ielikt grozā", "pirkt tagad", "lisa ostukorvi", "osta kohe",
    "dodaj u korpu", "u korpu", "додај у корпу", "у корпу", "купи одмах",
    "dodaj v košarico", "v košarico", "kupi zdaj", "додади во кошничка", "во кошничка",
    "shto në shportë", "në shportë", "bli tani", "setja í körfu", "í körfu", "kaupa núna",
    "себетке қосу", "себетке салу", "კალათაში დამატება", "კალათაში", "ყიდვა",
    "səbətə at", "səbətə əlavə et", "indi al", "افزودن به سبد خرید", "افزودن به سبد",
    "کارٹ میں شامل کریں", "ابھی خریدیں", "कार्ट में जोड़ें", "कार्ट में डालें", "अभी खरीदें",
    "কার্টে যোগ করুন", "এখনই কিনুন", "tambah ke troli", "masukkan ke troli",
    "idagdag sa cart", "bilhin ngayon", "ongeza kwenye kikapu", "weka kwenye kikapu",
    "nunua sasa",
)  # fmt: skip
# A control that offers to tell the shopper once the product is back: shown in place of
# the buy control while it is out of stock ("Notify me when available").
RESTOCK_NOTICE: tuple[str, ...] = (
    "notify me when available", "notify me when in stock", "notify me when back in stock",
    "notify when available", "notify me when it's back", "email me when available",
    "email me when in stock", "email me when back in stock", "email when available",
    "alert me when available", "get notified when available", "notify me of availability",
    "benachrichtigen wenn verfügbar", "benachrichtigen sobald verfügbar",
    "benachrichtigung bei verfügbarkeit", "bei verfügbarkeit benachrichtigen",
    "e-mail bei verfügbarkeit", "me prévenir de la disponibilité",
    "me prévenir quand disponible", "me prévenir du retour en stock",
    "m'avertir de la disponibilité", "alerte disponibilité",
    "avísame cuando esté disponible", "avisarme cuando esté disponible",
    "notificarme cuando esté disponible", "avvisami quando disponibile",
    "avvisami quando torna disponibile", "mail mij wanneer beschikbaar",
    "mail mij als het weer op voorraad is", "powiadom o dostępności",
    "powiadom mnie o dostępności", "avise-me quando chegar", "avise-me quando disponível",
    "bevaka produkten", "meddela mig när den finns i lager", "giv mig besked når varen er på lager",
    "gi meg beskjed når varen er på lager", "hlídat dostupnost", "upozornit na dostupnost",
    "gelince haber ver", "stoğa girince haber ver", "сообщить о поступлении",
    "уведомить о поступлении", "入荷お知らせ", "再入荷通知", "入荷通知", "到货通知",
    "재입고 알림", "입고 알림", "ειδοποίησέ με", "ειδοποίηση διαθεσιμότητας", "ingatkan saya",
    "beri tahu saya", "แจ้งเตือนเมื่อสินค้าเข้า", "thông báo khi có hàng", "أعلمني عند التوفر",
    "أبلغني عند التوفر", "עדכנו אותי כשיחזור למלאי", "повідомити про наявність",
    "уведоми ме при наличност", "obavijesti me", "obavijesti me o dostupnosti",
    "pranešti, kai atsiras", "pranešti apie atsiradimą", "paziņot, kad būs pieejams",
    "teavita mind", "obavesti me", "обавести ме", "obvesti me", "obvestite me",
    "láta mig vita", "به من اطلاع بده", "موجود شد خبرم کن", "मुझे सूचित करें",
)  # fmt: skip
# Class and id words of a cart or buy control, in several languages: the action, and the
# cart it fills (which a header's cart link names too).
BUY_ACTION_WORDS: tuple[str, ...] = (
    "addtocart", "addtobag", "addtobasket", "buynow", "buybutton",
)  # fmt: skip
CART_WORDS: tuple[str, ...] = (
    "warenkorb", "panier", "carrito", "carrello", "winkelwagen", "koszyk", "kosik", "sepet",
    "korzina", "basket", "keranjang", "kosarica", "kalathi",
)  # fmt: skip
BUY_CONTROL_WORDS: tuple[str, ...] = (*BUY_ACTION_WORDS, *CART_WORDS)

# Headings of sections that show other products (recommendations, recently viewed,
# accessories, bundles, other sellers), by language: what follows such a heading, up to the
# next heading beside it, holds no price of the page's own.
OTHER_PRODUCTS_HEADINGS: dict[str, tuple[str, ...]] = {
    "en": ("you may also like", "you might also like", "you may also be interested in",
           "you might be interested in", "you may also need", "customers also bought",
           "customers also viewed", "customers who bought this item also bought",
           "customers who viewed this item also viewed", "people also bought",
           "people also viewed", "frequently bought together", "often bought together",
           "related products", "related items", "similar products", "similar items",
           "compare with similar items", "recently viewed", "recently viewed items",
           "recently viewed products", "your recently viewed items", "recommended for you",
           "recommended products", "more from this seller", "more from this shop",
           "more from this store", "more from this brand", "more items from this seller",
           "more like this",
           "other sellers", "other sellers on", "other offers", "more offers",
           "offers from other sellers", "sponsored products", "accessories",
           "complete the look", "shop the look", "goes well with",
           "inspired by your browsing history", "also viewed", "also bought", "also purchased"),
    "de": ("das könnte dir auch gefallen", "das könnte ihnen auch gefallen", "auch interessant",
           "kunden kauften auch", "andere kunden kauften auch",
           "kunden kauften auch folgende artikel",
           "kunden, die diesen artikel gekauft haben, kauften auch", "ähnliche produkte",
           "ähnliche artikel", "zuletzt angesehen", "zuletzt angesehene produkte",
           "zuletzt angesehene artikel", "passendes zubehör", "zubehör", "unsere empfehlungen",
           "empfehlungen für sie", "wird oft zusammen gekauft", "häufig zusammen gekauft",
           "weitere angebote", "sahen sich auch", "kauften auch", "empfohlene produkte",
           "empfohlene artikel", "auch folgende artikel bestellt", "mehr von diesem verkäufer",
           "mehr von diesem shop", "weitere artikel des verkäufers"),
    "fr": ("vous aimerez aussi", "vous aimerez peut-être aussi", "vous pourriez aussi aimer",
           "vous aimerez peut-être", "produits similaires", "articles similaires",
           "produits associés", "récemment consultés", "vos produits récemment consultés",
           "articles récemment consultés", "les clients ont aussi acheté",
           "fréquemment achetés ensemble", "souvent achetés ensemble", "accessoires",
           "nos recommandations", "autres vendeurs", "ont aussi consulté",
           "ont également consulté", "ont aussi acheté", "ont également acheté",
           "produits recommandés", "du même vendeur", "plus d'articles de cette boutique",
           "autres offres", "offres des vendeurs partenaires"),
    "es": ("también te puede interesar", "te puede interesar", "también te puede gustar",
           "productos relacionados", "productos similares", "artículos similares",
           "vistos recientemente", "los clientes también compraron",
           "comprados juntos habitualmente", "se compran juntos a menudo", "accesorios",
           "recomendados para ti", "otros vendedores", "también vieron",
           "también compraron", "productos recomendados", "más de esta tienda",
           "más del vendedor", "otras ofertas", "más ofertas"),
    "it": ("potrebbe interessarti", "ti potrebbe interessare", "potrebbero interessarti",
           "prodotti correlati", "prodotti simili", "articoli simili", "visti di recente",
           "visti recentemente", "spesso comprati insieme", "accessori",
           "chi ha acquistato questo prodotto ha acquistato anche", "altri venditori",
           "hanno visto anche", "hanno acquistato anche", "prodotti consigliati",
           "altro da questo negozio", "altri articoli del venditore", "altre offerte"),
    "nl": ("dit vind je misschien ook leuk", "misschien ook interessant", "anderen bekeken ook",
           "gerelateerde producten", "vergelijkbare producten", "recent bekeken",
           "vaak samen gekocht", "accessoires", "klanten kochten ook", "andere verkopers",
           "bekeken ook", "kochten ook", "aanbevolen producten", "meer van deze verkoper",
           "meer van deze winkel", "andere aanbiedingen", "meer aanbiedingen"),
    "pl": ("może cię zainteresować", "mogą cię zainteresować", "może ci się spodobać",
           "podobne produkty", "produkty powiązane", "ostatnio oglądane",
           "klienci kupili również", "klienci kupili także", "często kupowane razem",
           "akcesoria", "polecane produkty", "inne oferty", "oglądali również",
           "kupili również", "więcej od tego sprzedawcy", "inne produkty sprzedawcy"),
    "pt": ("você também pode gostar", "também pode gostar", "pode também gostar",
           "produtos relacionados", "produtos semelhantes", "produtos similares",
           "vistos recentemente", "quem comprou também comprou", "comprados juntos",
           "acessórios", "outros vendedores", "também viram", "também compraram",
           "produtos recomendados", "outras ofertas", "mais ofertas"),
    "sv": ("du kanske också gillar", "liknande produkter", "senast visade",
           "andra köpte också", "köps ofta tillsammans", "tillbehör", "rekommenderade produkter",
           "relaterade produkter", "kunder köpte även", "andra har också köpt",
           "senast besökta produkter", "visade nyligen"),
    "da": ("du vil måske også kunne lide", "lignende produkter", "senest sete",
           "andre købte også", "tilbehør", "anbefalede produkter",
           "relaterede produkter", "kunder købte også", "andre kunder købte også",
           "senest sete produkter", "du kan også lide"),
    "no": ("du liker kanskje også", "lignende produkter", "sist sett", "andre kjøpte også",
           "tilbehør", "anbefalte produkter", "relaterte produkter",
           "andre kunder kjøpte også", "kunder som kjøpte denne kjøpte også",
           "sist sette produkter"),
    "cs": ("mohlo by vás zajímat", "mohlo by se vám líbit", "podobné produkty",
           "související produkty", "naposledy prohlížené", "zákazníci také koupili",
           "příslušenství", "doporučené produkty"),
    "tr": ("bunları da beğenebilirsiniz", "ilginizi çekebilir", "benzer ürünler",
           "son gezilen ürünler", "birlikte alınan ürünler", "aksesuarlar", "diğer satıcılar",
           "önerilen ürünler"),
    "ru": ("вам может понравиться", "вам также может понравиться", "похожие товары",
           "с этим товаром покупают", "с этим товаром также покупают", "вы недавно смотрели",
           "недавно просмотренные", "недавно просмотренные товары", "рекомендуем",
           "аксессуары", "сопутствующие товары", "рекомендуемые товары"),
    "ja": ("おすすめ商品", "この商品を買った人はこんな商品も買っています", "関連商品",
           "最近チェックした商品", "よく一緒に購入されている商品", "閲覧履歴",
           "関連する商品", "この商品を見た人はこんな商品も見ています", "あなたにおすすめ"),
    "zh": ("猜你喜欢", "相关商品", "最近浏览", "推荐商品", "看了又看", "为你推荐", "相似商品",
           "看了又买"),
    "ro": ("produse similare", "s-ar putea să-ți placă", "vizualizate recent",
           "produse vizualizate recent", "accesorii", "clienții au cumpărat și",
           "produse recomandate", "produse asemănătoare", "produse asemanatoare"),
    "hu": ("hasonló termékek", "ajánlott termékek", "legutóbb megtekintett termékek",
           "kiegészítők", "ezek is érdekelhetnek", "kapcsolódó termékek",
           "mások ezt is vásárolták", "kiegészítő termékek"),
    "fi": ("saatat pitää myös", "samankaltaiset tuotteet", "viimeksi katsotut",
           "lisävarusteet", "suositellut tuotteet", "asiakkaat ostivat myös",
           "liittyvät tuotteet", "samankaltaisia tuotteita"),
    "sk": ("mohlo by vás zaujímať", "podobné produkty", "naposledy prezerané",
           "príslušenstvo"),
    "ko": ("추천 상품", "함께 구매한 상품", "함께 구매하면 좋은 상품", "관련 상품",
           "최근 본 상품", "다른 고객이 함께 본 상품"),
    "el": ("σχετικά προϊόντα", "παρόμοια προϊόντα", "μπορεί να σας ενδιαφέρει",
           "μπορεί να σου αρέσει", "είδατε πρόσφατα", "πρόσφατα προβεβλημένα",
           "συχνά αγοράζονται μαζί", "προτεινόμενα προϊόντα", "αξεσουάρ",
           "άλλοι πελάτες αγόρασαν επίσης"),
    "id": ("produk terkait", "produk serupa", "mungkin kamu suka", "mungkin anda suka",
           "terakhir dilihat", "baru saja dilihat", "rekomendasi untukmu",
           "rekomendasi untuk anda", "sering dibeli bersama", "lainnya di toko ini",
           "produk lain dari toko ini", "aksesoris"),
    "th": ("สินค้าที่เกี่ยวข้อง", "สินค้าที่คล้ายกัน", "สินค้าแนะนำ", "คุณอาจชอบ",
           "สินค้าที่ดูล่าสุด", "ดูล่าสุด", "ซื้อคู่กัน"),
    "vi": ("sản phẩm tương tự", "sản phẩm liên quan", "có thể bạn cũng thích",
           "sản phẩm đã xem", "sản phẩm vừa xem", "gợi ý cho bạn", "thường được mua cùng",
           "phụ kiện"),
    "ar": ("منتجات ذات صلة", "منتجات مشابهة", "قد يعجبك أيضا", "قد يعجبك أيضاً",
           "شوهدت مؤخرا", "شوهدت مؤخراً", "المنتجات التي شاهدتها مؤخرا", "يشترى معا عادة",
           "منتجات مقترحة", "اكسسوارات", "إكسسوارات"),
    "he": ("מוצרים דומים", "מוצרים קשורים", "אולי תאהבו גם", "צפיתם לאחרונה",
           "נצפו לאחרונה", "מוצרים מומלצים", "אביזרים"),
    "uk": ("схожі товари", "вам може сподобатися", "переглянуті товари",
           "ви нещодавно переглядали", "рекомендовані товари", "з цим товаром купують",
           "аксесуари", "супутні товари"),
    "bg": ("подобни продукти", "свързани продукти", "може да харесате",
           "разгледани продукти", "последно разгледани", "препоръчани продукти", "аксесоари"),
    "hr": ("slični proizvodi", "povezani proizvodi", "možda će vam se svidjeti",
           "nedavno pregledano", "nedavno pregledani proizvodi", "preporučeni proizvodi",
           "dodaci", "kupci su kupili i"),
    "lt": ("panašios prekės", "susijusios prekės", "jums gali patikti",
           "kiti pirkėjai taip pat pirko", "neseniai žiūrėtos prekės", "rekomenduojamos prekės"),
    "lv": ("līdzīgas preces", "saistītās preces", "jums varētu patikt",
           "nesen skatītās preces", "ieteiktās preces"),
    "et": ("sarnased tooted", "seotud tooted", "sulle võib meeldida",
           "viimati vaadatud tooted", "soovitatud tooted"),
    "sr": ("povezani proizvodi", "možda će vam se dopasti", "nedavno pregledani",
           "слични производи", "повезани производи", "недавно прегледани"),
    "sl": ("podobni izdelki", "povezani izdelki", "morda vam bo všeč",
           "nazadnje ogledani izdelki", "priporočeni izdelki"),
}  # fmt: skip

# Class and id words of a variant picker (sizes, colours): a stock status stated there is
# one variant's ("XL Tükendi", a sold-out swatch), not the product's.
VARIANT_PICKER_WORDS: tuple[str, ...] = (
    "variant", "variants", "swatch", "swatches", "configurator",
)  # fmt: skip

# Class and id words of blocks that show other products' prices: recommendations,
# recently viewed, accessories, bundles, comparisons.
FOREIGN_BLOCK_WORDS: tuple[str, ...] = (
    "related", "recommended", "recommendations", "recommendation", "similar", "sponsored",
    "upsell", "crosssell", "recently", "viewed", "accessories", "accessory", "bundle",
    "bundles", "alsobought", "alternatives", "compare", "comparison", "sims", "fbt", "p13n",
    "recs", "reco", "recos", "sellers", "teaser", "teasers", "zubehoer", "zubehör",
    "aehnliche", "ähnliche",
    "empfehlungen", "accessoires", "similaires", "relacionados", "accesorios", "correlati",
    "accessori", "gerelateerd", "podobne", "akcesoria", "relacionados", "tillbehör",
    "tilbehør", "souvisejici", "benzer", "похожие", "аксессуары",
    "look", "outfit",  # "complete the look", "shop the look": the other pieces of an outfit
)  # fmt: skip
# The same read inside longer class and id names ("relatedProducts", "upsell-slider").
FOREIGN_BLOCK_STEMS: tuple[str, ...] = (
    "related", "recommend", "sponsor", "upsell", "crosssell", "cross-sell", "alsobought",
    "also-bought", "recently", "accessor", "zubehoer", "empfehlung",
)  # fmt: skip
