"""Phone numbers, e-mail addresses and national ID numbers are masked; other numbers stay."""

import pytest

from flows.privacy import is_national_id_number, mask_personal_data


def with_check_digits(first_nine: str) -> str | None:
    """Append both mod-11 check digits to nine digits, or return None if none exist."""
    digits = [int(ch) for ch in first_nine]
    for weights in ((3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)):
        check = (11 - sum(d * w for d, w in zip(digits, weights, strict=True))) % 11
        if check == 10:
            return None
        digits.append(check)
    return "".join(map(str, digits))


def valid_numbers(birth: str, count: int = 5) -> list[str]:
    """Return the first ``count`` valid numbers for a six-digit birth date (or D-number date)."""
    found = (with_check_digits(f"{birth}{n:03d}") for n in range(1000))
    return [number for number in found if number][:count]


BIRTH_NUMBERS = valid_numbers("150387") + valid_numbers("010101") + valid_numbers("311299")
D_NUMBERS = valid_numbers("550387") + valid_numbers("710190")  # day + 40


@pytest.mark.parametrize("number", BIRTH_NUMBERS + D_NUMBERS)
def test_valid_check_digits_are_accepted(number):
    assert is_national_id_number(number)


@pytest.mark.parametrize("number", BIRTH_NUMBERS[:3] + D_NUMBERS[:3])
def test_any_single_wrong_digit_is_caught(number):
    for position in range(11):
        for digit in "0123456789":
            if digit != number[position]:
                changed = number[:position] + digit + number[position + 1 :]
                assert not is_national_id_number(changed), changed


@pytest.mark.parametrize(
    "text", ["", "1503871234", "150387123456", "15038712 345", "1503871234x", "١٥٠٣٨٧١٢٣٤٥"]
)
def test_anything_but_eleven_ascii_digits_is_not_an_id_number(text):
    assert not is_national_id_number(text)


def test_id_numbers_are_masked_written_together_or_split_after_the_date():
    number = BIRTH_NUMBERS[0]
    split = f"{number[:6]} {number[6:]}"
    assert mask_personal_data(f"Fødselsnummeret mitt er {number}.") == (
        "Fødselsnummeret mitt er [id-number]."
    )
    assert mask_personal_data(f"fnr {split}, ring meg") == "fnr [id-number], ring meg"
    assert mask_personal_data(f"D-nummer: {D_NUMBERS[0]}") == "D-nummer: [id-number]"


def test_eleven_digits_with_wrong_check_digits_are_left_alone():
    number = BIRTH_NUMBERS[0]
    wrong = number[:10] + str((int(number[10]) + 1) % 10)
    assert mask_personal_data(f"Referanse {wrong}") == f"Referanse {wrong}"
    assert mask_personal_data(f"ref {wrong[:6]} {wrong[6:]}") == f"ref {wrong[:6]} {wrong[6:]}"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Ring meg på 912 34 567 etter kl 16.", "Ring meg på [phone] etter kl 16."),
        ("Mobil: 91234567", "Mobil: [phone]"),
        ("tlf 91 23 45 67", "tlf [phone]"),
        ("Nummeret er +47 91234567, takk", "Nummeret er [phone], takk"),
        ("+47 912 34 567", "[phone]"),
        ("0047 91 23 45 67 eller e-post", "[phone] eller e-post"),
        ("Sentralbordet 61 13 00 00 svarer aldri", "Sentralbordet [phone] svarer aldri"),
        ("sms 9123 4567", "sms [phone]"),
        ("Call me on +48 123 456 789 after work", "Call me on [phone] after work"),
        ("my number is +380 67 123 4567", "my number is [phone]"),
        ("US: +1 (555) 123-4567.", "US: [phone]."),
        ("0046 70 123 45 67", "[phone]"),
    ],
)
def test_phone_numbers_are_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Send svar til ola.nordmann@gmail.com.", "Send svar til [email]."),
        ("e-post: kari+innspill@example.no", "e-post: [email]"),
        ("øyvind.ås@nav.no skrev", "[email] skrev"),
        ("Mail me at J.Smith@Example.CO.UK please", "Mail me at [email] please"),
    ],
)
def test_email_addresses_are_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Siden 2024 har buss 12 kommet for sent.",
        "Bussen går 08:15 og 16.45 fra Gjøvik skysstasjon.",
        "Parkering koster 450 kr dagen, 3 200 kr i måneden.",
        "Det skjedde 12.03.2025 og igjen 2025-03-19.",
        "Jeg bor i Storgata 12B, 2815 Gjøvik.",
        "Vi venter 40 minutter, 3 dager i uka, 2024 2025.",
        "The bus costs 12345678 kr? No, 45 NOK.",
        "Organisasjonsnummer 974 600 951",
        "Konto 1234 56 78903",
        "Line 4 and 1, room 101, 1 250 000 kr",
        "Kl 0030 går siste buss",
        "20 % flere, 4,5 km unna",
        "+47 alone is nothing",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


def test_a_message_with_several_kinds_is_masked_everywhere():
    number = BIRTH_NUMBERS[1]
    text = (
        f"Hei, jeg heter Kari ({number}). Bussen 12 kom 08:15 i stedet for 07:50. "
        "Ring 912 34 567 eller skriv til kari@example.no."
    )
    assert mask_personal_data(text) == (
        "Hei, jeg heter Kari ([id-number]). Bussen 12 kom 08:15 i stedet for 07:50. "
        "Ring [phone] eller skriv til [email]."
    )


def test_masking_twice_changes_nothing_more():
    once = mask_personal_data(f"{BIRTH_NUMBERS[2]} 91234567 a@b.no +48 123 456 789")
    assert mask_personal_data(once) == once == "[id-number] [phone] [email] [phone]"


def pesel(birth: str, serial: str) -> str:
    """Return the PESEL for a six-digit date code and a four-digit serial, with its check digit."""
    digits = [int(ch) for ch in birth + serial]
    total = sum(d * w for d, w in zip(digits, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3), strict=False))
    return birth + serial + str((10 - total % 10) % 10)


def rnokpp(first_nine: str) -> str:
    """Return a Ukrainian taxpayer number for nine digits, with its check digit."""
    weights = (-1, 5, 7, 9, 4, 6, 10, 5, 7)
    total = sum(int(d) * w for d, w in zip(first_nine, weights, strict=True))
    return first_nine + str(total % 11 % 10)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Ring meg på 912.34.567 i morgen", "Ring meg på [phone] i morgen"),  # nb
        ("Sentralbordet 61.13.00.00 svarer ikkje", "Sentralbordet [phone] svarer ikkje"),  # nn
        ("Call 912.34.567 please", "Call [phone] please"),  # en
    ],
)
def test_phone_numbers_written_with_dots_are_masked(text, masked):
    assert mask_personal_data(text) == masked


def test_a_polish_pesel_is_masked_and_eleven_digits_failing_its_check_are_not():
    number = pesel("440514", "0135")
    wrong = number[:10] + str((int(number[10]) + 1) % 10)
    assert (
        mask_personal_data(f"Mój PESEL to {number}, proszę") == "Mój PESEL to [id-number], proszę"
    )
    assert mask_personal_data(f"Numer zamówienia {wrong}") == f"Numer zamówienia {wrong}"


def test_a_ukrainian_taxpayer_number_is_masked_and_other_ten_digits_are_not():
    number = rnokpp("318471069")
    wrong = number[:9] + str((int(number[9]) + 1) % 10)
    assert mask_personal_data(f"Мій РНОКПП {number}, дякую") == "Мій РНОКПП [id-number], дякую"
    assert mask_personal_data(f"Номер замовлення {wrong}") == f"Номер замовлення {wrong}"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Kontoen min er NO93 8601 1117 947 takk", "Kontoen min er [account] takk"),  # nb
        ("Konto PL61109010140000071219812874.", "Konto [account]."),  # pl
        ("Рахунок UA213223130000026007233566001 в банку", "Рахунок [account] в банку"),  # uk
        ("Pay GB82 WEST 1234 5698 7654 32 now", "Pay [account] now"),  # en
    ],
)
def test_ibans_are_masked(text, masked):
    assert mask_personal_data(text) == masked


def test_an_iban_with_a_wrong_check_is_left_alone():
    assert mask_personal_data("ref NO94 8601 1117 947") == "ref NO94 8601 1117 947"
