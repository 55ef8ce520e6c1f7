"""Make the synthetic racer roster the registration lab imports (data/racers.csv).

A believable company roster: enterprise addresses on two allowed domains,
aliases racers would pick, a spread of ML experience (about 75% new to ML,
as at the largest events), plus a handful of rows that a real export would
contain and the import must refuse or skip: a private address, a typo'd
address, a blank alias, a duplicate in different case. Deterministic.

    python data/make_roster.py            # writes data/racers.csv
    python data/make_roster.py --count 2000 --out /tmp/racers.csv --clean
"""
from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

FIRST = ("ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hana", "ivan", "jade", "kofi", "lena",
         "mateo", "nora", "omar", "priya", "quinn", "rosa", "sami", "tara", "uma", "victor", "wen",
         "xavi", "yara", "zane", "aiko", "bruno", "carla", "dev", "emma", "farah", "goran", "ines")
LAST = ("garcia", "smith", "nguyen", "kumar", "okafor", "muller", "rossi", "tanaka", "silva", "haddad",
        "kowalski", "johansson", "obrien", "dubois", "novak", "ali", "lopez", "kim", "costa", "wright")
WORDS = ("turbo", "apex", "drift", "nitro", "pixel", "rocket", "comet", "falcon", "vector", "blaze",
         "orbit", "zephyr", "quark", "bolt", "glide", "raptor", "lynx", "sonic", "vortex", "ember")
DOMAINS = ("example.com", "emea.example.com", "corp.example.org")
EXPERIENCE = (("none", 0.45), ("beginner", 0.30), ("intermediate", 0.17), ("advanced", 0.08))


def _experience(rng: random.Random) -> str:
    r, acc = rng.random(), 0.0
    for level, p in EXPERIENCE:
        acc += p
        if r < acc:
            return level
    return "advanced"


def make(count: int, seed: int = 2024, clean: bool = False) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows, seen = [], set()
    while len(rows) < count:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        n = rng.randint(1, 99)
        email = f"{first}.{last}{n if rng.random() < 0.6 else ''}@{rng.choice(DOMAINS)}"
        if email in seen:
            continue
        seen.add(email)
        alias = f"{rng.choice(WORDS)}-{first}{rng.randint(1, 999)}" if rng.random() < 0.7 else f"{first}_{rng.choice(WORDS)}"
        rows.append({"email": email, "alias": alias[:20].rstrip("-_"), "experience": _experience(rng)})
    if not clean:
        bad = [
            {"email": "sam.rivera@gmail.com", "alias": "sam-r", "experience": "beginner"},
            {"email": "no-at-sign.example.com", "alias": "nobody", "experience": "none"},
            {"email": "lee.wong@example.com", "alias": "", "experience": "none"},
            {"email": "mo.farah@example.com", "alias": "<b>mo</b>", "experience": "none"},
            {"email": "kai.tan@example.com", "alias": "kai-tan", "experience": "expert"},
            {"email": "  " + rows[3]["email"].upper() + " ", "alias": "dup-racer", "experience": "none"},
        ]
        for i, row in enumerate(bad):
            rows.insert(7 + i * (len(rows) // len(bad)), row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--clean", action="store_true", help="no deliberately bad rows")
    ap.add_argument("--out", default=str(Path(__file__).with_name("racers.csv")))
    args = ap.parse_args()
    rows = make(args.count, args.seed, args.clean)
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["email", "alias", "experience"])
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
