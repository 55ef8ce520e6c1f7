"""Validation and normalisation of a racer registration.

Shared by the registration API function, the provisioning function and the
bulk CSV import, so every entry point accepts and rejects exactly the same
input with the same words. Standard library only: it ships inside the Lambda
deployment package.
"""
from __future__ import annotations

import re
import unicodedata

EXPERIENCE_LEVELS = ("none", "beginner", "intermediate", "advanced")
MAX_EMAIL = 254
_LOCAL = re.compile(r"^[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9_%+-])?$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,18}[A-Za-z0-9]$")


class RegistrationError(ValueError):
    """Input a person can fix: which field, and what is wrong with it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def parse_domains(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """`"example.com, corp.example"` -> ("example.com", "corp.example")."""
    items = value.split(",") if isinstance(value, str) else list(value)
    domains = tuple(d.strip().lower().lstrip("@") for d in items if d and d.strip())
    for d in domains:
        if not all(_LABEL.match(label) for label in d.split(".")) or "." not in d:
            raise ValueError(f"allowed domain {d!r} is not a domain name")
    return domains


def normalize_email(raw: object, allowed_domains: tuple[str, ...]) -> str:
    """Trim and case-fold an enterprise address, or say precisely why it is refused."""
    if raw is None:
        raise RegistrationError("email", "Email is required.")
    if not isinstance(raw, str):
        raise RegistrationError("email", "Email must be text.")
    value = unicodedata.normalize("NFKC", raw).strip()
    if not value:
        raise RegistrationError("email", "Email is required.")
    if len(value) > MAX_EMAIL:
        raise RegistrationError("email", f"Email is too long (at most {MAX_EMAIL} characters).")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in value):
        raise RegistrationError("email", "Email must not contain spaces or control characters.")
    if not value.isascii():
        raise RegistrationError("email", "Email must use plain ASCII letters (your enterprise address).")
    value = value.casefold()
    if value.count("@") != 1:
        raise RegistrationError("email", "Email must look like name@company.com.")
    local, domain = value.split("@")
    if not local or not _LOCAL.match(local) or ".." in local:
        raise RegistrationError(
            "email", "Email: the part before @ may use letters, digits and . _ % + - only.")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or not labels[-1].isalpha():
        raise RegistrationError("email", f"Email: {domain!r} is not a valid domain.")
    if allowed_domains and not any(domain == d or domain.endswith("." + d) for d in allowed_domains):
        raise RegistrationError(
            "email", "Use your enterprise address (accepted domains: " + ", ".join(allowed_domains) + ").")
    return value


def normalize_alias(raw: object) -> str:
    if raw is None:
        raise RegistrationError("alias", "Alias is required (it is shown on the leaderboard).")
    if not isinstance(raw, str):
        raise RegistrationError("alias", "Alias must be text.")
    value = unicodedata.normalize("NFKC", raw).strip()
    if not value:
        raise RegistrationError("alias", "Alias is required (it is shown on the leaderboard).")
    if not _ALIAS.match(value):
        raise RegistrationError(
            "alias", "Alias must be 3-20 letters, digits, '-' or '_', starting and ending with a letter or digit.")
    return value


def normalize_experience(raw: object) -> str:
    if raw is None or raw == "":
        return "none"
    if not isinstance(raw, str) or raw.strip().lower() not in EXPERIENCE_LEVELS:
        raise RegistrationError("experience", "Experience must be one of: " + ", ".join(EXPERIENCE_LEVELS) + ".")
    return raw.strip().lower()


def validate_registration(data: object, allowed_domains: tuple[str, ...]) -> dict[str, str]:
    """The one gate every registration passes: returns the clean record or raises."""
    if not isinstance(data, dict):
        raise RegistrationError("body", "The request must be a JSON object with email, alias and experience.")
    unknown = sorted(set(data) - {"email", "alias", "experience"})
    if unknown:
        raise RegistrationError("body", "Unexpected field(s): " + ", ".join(map(str, unknown))[:200] + ".")
    return {
        "email": normalize_email(data.get("email"), allowed_domains),
        "alias": normalize_alias(data.get("alias")),
        "experience": normalize_experience(data.get("experience")),
    }
