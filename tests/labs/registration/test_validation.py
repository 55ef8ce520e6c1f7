"""Every class of bad registration input is refused with a clear message."""
from __future__ import annotations

import pytest

from labs.registration.functions.validation import (
    RegistrationError, normalize_email, parse_domains, validate_registration)

ALLOWED = ("example.com", "corp.example.org")


@pytest.mark.parametrize("raw, expected", [
    ("  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com"),
    ("grace+deepracer@corp.example.org", "grace+deepracer@corp.example.org"),
    ("bob@emea.example.com", "bob@emea.example.com"),  # subdomain of an allowed domain
    ("ａｄａ@example.com", "ada@example.com"),  # full-width letters fold to ASCII (NFKC)
])
def test_good_addresses_are_normalised(raw, expected):
    assert normalize_email(raw, ALLOWED) == expected


@pytest.mark.parametrize("raw, fragment", [
    (None, "is required"),
    ("", "is required"),
    ("   ", "is required"),
    (42, "must be text"),
    ("ada@gmail.com", "accepted domains"),
    ("ada@example.com.evil.io", "accepted domains"),
    ("ada.example.com", "must look like"),
    ("ada@@example.com", "must look like"),
    ("a da@example.com", "spaces or control"),
    ("ada\n@example.com", "spaces or control"),
    ("<script>@example.com", "before @"),
    ("ada'--@example.com", "before @"),
    (".ada@example.com", "before @"),
    ("ada..l@example.com", "before @"),
    ("ada@exa_mple.com", "not a valid domain"),
    ("ada@example", "not a valid domain"),
    ("ada@example.c0m", "not a valid domain"),
    ("adä@example.com", "ASCII"),
    ("a" * 250 + "@example.com", "too long"),
])
def test_bad_addresses_are_refused_with_a_reason(raw, fragment):
    with pytest.raises(RegistrationError) as exc:
        normalize_email(raw, ALLOWED)
    assert exc.value.field == "email" and fragment in exc.value.message


@pytest.mark.parametrize("data, field, fragment", [
    ("not a dict", "body", "JSON object"),
    (None, "body", "JSON object"),
    ({"email": "a@example.com"}, "alias", "is required"),
    ({"email": "a@example.com", "alias": "x"}, "alias", "3-20"),
    ({"email": "a@example.com", "alias": "<b>x</b>"}, "alias", "3-20"),
    ({"email": "a@example.com", "alias": "ok-alias", "experience": "guru"}, "experience", "one of"),
    ({"email": "a@example.com", "alias": "ok-alias", "role": "admin"}, "body", "Unexpected field"),
])
def test_bad_registrations(data, field, fragment):
    with pytest.raises(RegistrationError) as exc:
        validate_registration(data, ALLOWED)
    assert exc.value.field == field and fragment in exc.value.message


def test_a_good_registration_comes_back_clean():
    assert validate_registration({"email": " X@Example.com", "alias": " speedy_x ", "experience": "Advanced"},
                                 ALLOWED) == {"email": "x@example.com", "alias": "speedy_x",
                                              "experience": "advanced"}


def test_experience_defaults_to_none():
    assert validate_registration({"email": "x@example.com", "alias": "abc"}, ALLOWED)["experience"] == "none"


def test_allowed_domains_are_parsed_and_checked():
    assert parse_domains(" Example.com, @corp.example.org ,") == ("example.com", "corp.example.org")
    with pytest.raises(ValueError):
        parse_domains("not a domain")
