"""Quotes shown to staff and to other residents hide names, addresses and links."""

import pytest

from flows.quotes import packaged_personal_data, public_quote, staff_quote


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        (
            "Naboen Ola Hansen i Storgata 5 kaster søppel i hagen",  # nb
            "Naboen [name] i [address] kaster søppel i hagen",
        ),
        (
            "Kari bur i Kongens gate 12B og får ikkje brøyta",
            "[name] bur i [address] og får ikkje brøyta",
        ),  # nn
        (
            "Mój syn Piotr chodzi do szkoły przy ul. Długa 5",
            "Mój syn [name] chodzi do szkoły przy [address]",
        ),  # pl
        ("Мій сусід Олександр живе на вул. Шевченка, 10", "Мій сусід [name] живе на [address]"),
        ("My neighbour John Smith at 12 High Street", "My neighbour [name] at [address]"),  # en
    ],
)
def test_names_and_street_addresses_are_masked_in_quotes_to_staff(text, quoted):
    assert staff_quote(text) == quoted


def test_ordinary_words_and_places_without_a_number_stay():
    text = "Per dag går bussen fra Storgata til Gjøvik sykehus, linje 4."
    assert staff_quote(text) == text


def test_staff_see_a_link_as_its_domain_which_no_client_makes_clickable():
    quoted = staff_quote("les mer og signer her: https://evil.example/login?bankid=1 nå")
    assert quoted == "les mer og signer her: [evil[.]example] nå"
    assert "https://" not in staff_quote("se www.gjovik.no/buss") and "gjovik[.]no" in (
        staff_quote("se www.gjovik.no/buss")
    )


@pytest.mark.parametrize(
    ("language", "marker"),
    [
        ("nb", "[lenke]"),
        ("nn", "[lenkje]"),
        ("en", "[link]"),
        ("pl", "[link]"),
        ("uk", "[посилання]"),
    ],
)
def test_other_residents_see_every_link_email_and_phone_as_a_marker_in_their_language(
    language, marker
):
    text = "signer her: https://evil.example/login?bankid=1, skriv til a@b.no eller 912 34 567"
    shown = public_quote(text, language)
    assert shown == f"signer her: {marker}, skriv til {marker} eller {marker}"


def test_every_offered_language_ships_a_name_list_and_a_marker():
    personal = packaged_personal_data()
    assert set(personal.link_markers) >= {"nb", "nn", "en", "pl", "uk"}
    assert {"Ola", "Piotr", "Олександр", "John"} <= personal.names
