"""Greek, Indonesian, Thai, Vietnamese, Arabic, Hebrew, Ukrainian, Bulgarian, Croatian,
Lithuanian, Latvian, Estonian, Serbian and Slovenian pages: their labels, stock statements,
buy buttons and headings of other products; the stock statements and buy buttons of more
languages (Balkan, Caucasian, Central and South Asian, Persian, Malay, Filipino, Swahili)."""

from decimal import Decimal

import pytest

from contracts.catalog import Availability
from extraction.extract import extract_offer
from extraction.heuristic import find_visible_price
from extraction.markup import parse_html
from extraction.vocabulary import LABELS, OTHER_PRODUCTS_HEADINGS, STOCK

MORE_LANGUAGES = (
    "el",
    "id",
    "th",
    "vi",
    "ar",
    "he",
    "uk",
    "bg",
    "hr",
    "lt",
    "lv",
    "et",
    "sr",
    "sl",
)


def _page(body: str, lang: str, title: str = "Product") -> str:
    return (
        f'<html lang="{lang}"><head><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    )


@pytest.mark.parametrize("language", MORE_LANGUAGES)
def test_each_language_has_every_label_group_stock_words_and_headings(language: str) -> None:
    groups = LABELS[language]
    for group in ("former", "saving", "shipping", "instalment", "unit", "vat", "cart", "current",
                  "tier", "elsewhere"):  # fmt: skip
        assert groups.get(group), (language, group)
    assert STOCK[language]["in"]
    assert STOCK[language]["out"]
    assert OTHER_PRODUCTS_HEADINGS[language]


@pytest.mark.parametrize(
    ("lang", "former"),
    [
        ("el", "Αρχική τιμή 89,99 €"),
        ("id", "Harga asli 89,99 €"),
        ("vi", "Giá gốc 89,99 €"),
        ("ar", "السعر الأصلي 89,99 €"),
        ("he", "מחיר קודם 89,99 €"),
        ("uk", "Стара ціна 89,99 €"),
        ("bg", "Стара цена 89,99 €"),
        ("hr", "Stara cijena 89,99 €"),
        ("th", "ราคาปกติ 89,99 €"),
        ("lt", "Sena kaina 89,99 €"),
        ("lv", "Vecā cena 89,99 €"),
        ("et", "Tavahind 89,99 €"),
        ("sl", "Redna cena 89,99 €"),
        ("sr", "Редовна цена 89,99 €"),
    ],
)
def test_a_former_price_labelled_in_the_pages_language_is_not_the_price(
    lang: str, former: str
) -> None:
    # The former price stands first, nearer the title: only its label tells it apart.
    page = _page(f'<div class="buybox"><span>{former}</span> <span>69,99 €</span></div>', lang)
    offer = find_visible_price(parse_html(page))
    assert offer is not None, lang
    assert offer.price == Decimal("69.99"), lang


@pytest.mark.parametrize(
    ("lang", "shipping", "price"),
    [
        ("id", "Ongkir Rp 25.000", "Rp 1.249.000"),
        ("vi", "Phí vận chuyển 30.000 ₫", "1.290.000 ₫"),
        ("el", "Μεταφορικά 3,90 €", "249,00 €"),
        ("ar", "رسوم الشحن 25 د.إ", "1.299 د.إ"),
        ("hr", "Dostava 4,99 €", "249,00 €"),
    ],
)
def test_a_shipping_cost_labelled_in_the_pages_language_is_not_the_price(
    lang: str, shipping: str, price: str
) -> None:
    page = _page(f"<div><p>{shipping}</p><p>{price}</p></div>", lang)
    offer = find_visible_price(parse_html(page))
    assert offer is not None, lang
    assert offer.price not in {Decimal("25000"), Decimal("30000"), Decimal("3.90"),
                               Decimal("25"), Decimal("4.99")}, lang  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "instalment"),
    [
        ("id", "Cicilan Rp 104.083/bulan"),
        ("vi", "Trả góp 107.500 ₫/tháng"),
        ("el", "12 άτοκες δόσεις των 104,08 €"),
        ("he", "12 תשלומים של 104 ₪"),
        ("ar", "تقسيط على 4 أقساط بقيمة 312 د.إ مع تابي"),
    ],
)
def test_an_instalment_in_the_pages_language_loses_to_the_price(lang: str, instalment: str) -> None:
    price = {"id": "Rp 1.249.000", "vi": "1.290.000 ₫", "el": "1.249,00 €", "he": "1,249 ₪",
             "ar": "1.249 د.إ"}[lang]  # fmt: skip
    page = _page(f"<div><p>{instalment}</p><p>{price}</p></div>", lang)
    offer = find_visible_price(parse_html(page))
    assert offer is not None, lang
    assert offer.price in {Decimal("1249000"), Decimal("1290000"), Decimal("1249.00"),
                           Decimal("1249")}, lang  # fmt: skip


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Άμεσα διαθέσιμο", Availability.IN_STOCK),
        ("Εξαντλήθηκε", Availability.OUT_OF_STOCK),
        ("Stok tersedia", Availability.IN_STOCK),
        ("Stok habis", Availability.OUT_OF_STOCK),
        ("มีสินค้า", Availability.IN_STOCK),
        ("สินค้าหมด", Availability.OUT_OF_STOCK),
        ("ไม่มีสินค้า", Availability.OUT_OF_STOCK),
        ("Còn hàng", Availability.IN_STOCK),
        ("Hết hàng", Availability.OUT_OF_STOCK),
        ("متوفر", Availability.IN_STOCK),
        ("نفدت الكمية", Availability.OUT_OF_STOCK),
        ("במלאי", Availability.IN_STOCK),
        ("אזל מהמלאי", Availability.OUT_OF_STOCK),
        ("В наявності", Availability.IN_STOCK),
        ("Немає в наявності", Availability.OUT_OF_STOCK),
        ("В наличност", Availability.IN_STOCK),
        ("Изчерпан", Availability.OUT_OF_STOCK),
        ("Na zalihi", Availability.IN_STOCK),
        ("Rasprodano", Availability.OUT_OF_STOCK),
        ("Διαθεσιμότητα: Εξαντλήθηκε", Availability.OUT_OF_STOCK),
        ("Produk ini sudah habis", Availability.OUT_OF_STOCK),
        ("Prekės nėra", Availability.OUT_OF_STOCK),  # lt
        ("Yra sandėlyje", Availability.IN_STOCK),  # lt
        ("Nav noliktavā", Availability.OUT_OF_STOCK),  # lv
        ("Ir noliktavā", Availability.IN_STOCK),  # lv
        ("Laost otsas", Availability.OUT_OF_STOCK),  # et
        ("Laos", Availability.IN_STOCK),  # et
        ("Нема на стању", Availability.OUT_OF_STOCK),  # sr
        ("Ni na zalogi", Availability.OUT_OF_STOCK),  # sl
        ("Нема на залиха", Availability.OUT_OF_STOCK),  # mk
        ("Jashtë stokut", Availability.OUT_OF_STOCK),  # sq
        ("Uppselt", Availability.OUT_OF_STOCK),  # is
        ("Tuote on loppu", Availability.OUT_OF_STOCK),  # fi
        ("Қоймада жоқ", Availability.OUT_OF_STOCK),  # kk
        ("არ არის მარაგში", Availability.OUT_OF_STOCK),  # ka
        ("Stokda yoxdur", Availability.OUT_OF_STOCK),  # az
        ("ناموجود", Availability.OUT_OF_STOCK),  # fa
        ("موجود", Availability.IN_STOCK),  # fa
        ("اسٹاک ختم", Availability.OUT_OF_STOCK),  # ur
        ("स्टॉक में नहीं है", Availability.OUT_OF_STOCK),  # hi
        ("স্টকে নেই", Availability.OUT_OF_STOCK),  # bn
        ("Habis dijual", Availability.OUT_OF_STOCK),  # ms
        ("Ubos na", Availability.OUT_OF_STOCK),  # tl
        ("Imeisha", Availability.OUT_OF_STOCK),  # sw
    ],
)
def test_stock_wording_in_more_languages(status: str, expected: str) -> None:
    page = (
        f'<html><body><h1>Product</h1><div class="price">24,90 €</div><p>{status}</p></body></html>'
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None, status
    assert offer.availability == expected, status


@pytest.mark.parametrize(
    ("button", "lang"),
    [
        ("Προσθήκη στο καλάθι", "el"),
        ("Tambah ke Keranjang", "id"),
        ("เพิ่มลงรถเข็น", "th"),
        ("Thêm vào giỏ hàng", "vi"),
        ("أضف إلى السلة", "ar"),
        ("הוסף לסל", "he"),
        ("Додати в кошик", "uk"),
        ("Добави в количката", "bg"),
        ("Dodaj u košaricu", "hr"),
        ("Į krepšelį", "lt"),
        ("Pievienot grozam", "lv"),
        ("Lisa ostukorvi", "et"),
        ("Dodaj u korpu", "sr"),
        ("Додај у корпу", "sr"),
        ("Dodaj v košarico", "sl"),
        ("Додади во кошничка", "mk"),
        ("Shto në shportë", "sq"),
        ("Setja í körfu", "is"),
        ("Себетке қосу", "kk"),
        ("კალათაში დამატება", "ka"),
        ("Səbətə at", "az"),
        ("افزودن به سبد خرید", "fa"),
        ("کارٹ میں شامل کریں", "ur"),
        ("कार्ट में जोड़ें", "hi"),
        ("কার্টে যোগ করুন", "bn"),
        ("Tambah ke troli", "ms"),
        ("Idagdag sa cart", "tl"),
        ("Ongeza kwenye kikapu", "sw"),
    ],
)
def test_an_enabled_buy_button_in_more_languages_means_in_stock(button: str, lang: str) -> None:
    page = _page(f'<div class="price">24,90 €</div><button>{button}</button>', lang)
    offer = extract_offer(page)
    assert offer is not None, lang
    assert offer.availability == Availability.IN_STOCK, lang


@pytest.mark.parametrize(
    ("lang", "missing", "heading"),
    [
        ("el", "Εξαντλήθηκε", "Σχετικά προϊόντα"),
        ("id", "Stok habis", "Produk terkait"),
        ("th", "สินค้าหมด", "สินค้าที่เกี่ยวข้อง"),
        ("vi", "Hết hàng", "Sản phẩm tương tự"),
        ("ar", "غير متوفر", "منتجات ذات صلة"),
        ("he", "אזל מהמלאי", "מוצרים דומים"),
        ("uk", "Немає в наявності", "Схожі товари"),
        ("bg", "Изчерпан", "Подобни продукти"),
        ("hr", "Rasprodano", "Slični proizvodi"),
        ("da", "Udsolgt", "Relaterede produkter"),
        ("sv", "Slutsåld", "Relaterade produkter"),
        ("no", "Utsolgt", "Relaterte produkter"),
        ("lt", "Prekės nėra", "Panašios prekės"),
        ("lv", "Nav noliktavā", "Līdzīgas preces"),
        ("et", "Laost otsas", "Sarnased tooted"),
        ("sr", "Нема на стању", "Слични производи"),
        ("sl", "Ni na zalogi", "Podobni izdelki"),
    ],
)
def test_a_sold_out_page_whose_only_prices_follow_a_heading_of_other_products_has_none(
    lang: str, missing: str, heading: str
) -> None:
    page = _page(
        f"<p>{missing}</p><div><h2>{heading}</h2><div>"
        '<div><a href="/p/2">Mug</a> <span class="price">9,99 €</span></div>'
        '<div><a href="/p/3">Pot</a> <span class="price">19,99 €</span></div></div></div>',
        lang,
    )
    offer = extract_offer(page, "https://shop.example/p/1")
    assert offer is not None, lang
    assert offer.price is None, lang
    assert offer.availability == Availability.OUT_OF_STOCK, lang


def test_thai_words_run_together_are_found_inside_a_longer_text() -> None:
    # Thai writes no spaces between words: the former-price label runs into the next word.
    page = _page(
        '<div class="buybox"><span>ราคาปกติจากร้าน ฿1,590</span> <span>฿1,290</span></div>', "th"
    )
    offer = find_visible_price(parse_html(page))
    assert offer is not None
    assert (offer.price, offer.currency) == (Decimal("1290"), "THB")
