"""Licence number format checks, country by country (pure functions and the CLI)."""

from __future__ import annotations

import pytest

from polling.members.licences import RULES, check, make_npi


@pytest.mark.parametrize(
    ("country", "number"),
    [
        ("US", "1234567893"),
        ("US", "1 234 567 893"),
        ("US", make_npi("200000000")),
        ("UK", "1234567"),
        ("AU", "MED0001234567"),
        ("AU", "med0001234567"),
        ("CA", "12345"),
        ("IE", "412345"),
        ("NZ", "56789"),
        ("ZA", "MP0123456"),
        ("MX", "1234567"),
        ("ES", "280012345"),
    ],
)
def test_well_formed_numbers_pass(country, number):
    assert check(country, number).valid


@pytest.mark.parametrize(
    ("country", "number", "expected"),
    [
        ("US", "1234567890", "1234567890 is not a valid NPI: its last digit is not the NPI check digit"),
        ("US", "3234567893", "expected 10 digits starting with 1 or 2"),
        ("US", "123456789", "expected 10 digits starting with 1 or 2"),
        ("US", "", "Enter your NPI: 10 digits starting with 1 or 2"),
        ("UK", "123456", "not a valid GMC number: expected 7 digits"),
        ("UK", "12345678", "not a valid GMC number: expected 7 digits"),
        ("AU", "0001234567", "expected MED followed by 10 digits"),
        ("AU", "MED123", "expected MED followed by 10 digits"),
        ("ZA", "0123456", "expected MP followed by 7 digits"),
        ("ES", "990012345", "the first two digits must be a province code from 01 to 52"),
        ("ES", "28001234", "9 digits"),
        ("MX", "12345", "7 or 8 digits"),
    ],
)
def test_malformed_numbers_say_what_is_expected(plain_app, country, number, expected):
    with plain_app.test_request_context():
        result = check(country, number)
        assert not result.valid
        assert expected in str(result.reason)


def test_every_country_has_a_rule():
    assert set(RULES) == {"US", "UK", "CA", "AU", "IE", "NZ", "ZA", "MX", "ES"}


def test_npi_check_digit_matches_the_published_example():
    # CMS's worked example: NPI 123456789 + check digit 3.
    assert make_npi("123456789") == "1234567893"


@pytest.mark.parametrize(
    ("args", "status", "text"),
    [
        (["US", "1234567893"], 0, "valid: 1234567893 is a well-formed NPI."),
        (["US", "1234567890"], 1, "invalid: 1234567890 is not a valid NPI"),
        (["uk", "7654321"], 0, "valid"),
        (["XX", "1"], 1, "invalid: Unknown country XX"),
    ],
)
def test_cli_verify_licence(runner, args, status, text):
    result = runner.invoke(args=["verify-licence", *args])
    assert result.exit_code == status
    assert text in result.output
