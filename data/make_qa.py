#!/usr/bin/env python3
"""Generate the workshop's extractive question-answering dataset (SQuAD v1.1 format).

The dataset is original content written for this workshop.  It combines

* a small set of hand-written paragraphs about the history of technology
  (real, well-documented facts), including the lab's demo paragraph about the
  invention of the car, which is kept in the dev split only; and
* paragraphs produced by 17 topic-family generators (companies, cities,
  rivers, inventions, scientists, sports clubs, races, animals, space missions,
  mountains, buildings, islands, artists, universities, ships, railways and
  regional foods).  Each family draws on pools of alternative sentence
  templates and on several phrasings for every question, and fills them with
  fictional-but-plausible people, places and organisations.

Every answer is located by construction (the generator records the character
offset of each fact as it writes the sentence) and is then asserted to be an
exact substring of its context at ``answer_start``.

Usage (from the repository root)::

    python3 data/make_qa.py            # (re)write data/qa/{train,dev}.json and car.txt
    python3 data/make_qa.py --check    # regenerate into a temp dir and compare

Only the Python standard library is used and the output is deterministic.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import random
import re
import statistics
import sys
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

SEED = 20240611
VERSION = "workshop-qa-1.0"
DEV_FRACTION = 0.15
N_GENERATED = 166          # generated paragraphs (plus the hand-written ones)
MIN_WORDS, MAX_WORDS = 60, 140
MIN_SENTS, MAX_SENTS = 3, 6

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "qa"
OUTPUT_FILES = ("train.json", "dev.json", "car.txt")

QTYPES = ("date", "number", "person", "place", "organisation", "thing", "phrase")

# ---------------------------------------------------------------------------
# Regions: countries, person names and pieces for fictional place names
# ---------------------------------------------------------------------------


class Region:
    def __init__(self, key, countries, male, female, surnames, pre, suf):
        self.key = key
        self.countries = countries      # list of (country, adjective)
        self.male = male
        self.female = female
        self.surnames = surnames
        self.pre = pre
        self.suf = suf


REGIONS = [
    Region(
        "nordic",
        [("Norway", "Norwegian"), ("Sweden", "Swedish"), ("Denmark", "Danish")],
        ["Anders", "Erik", "Lars", "Nils", "Henrik", "Johan", "Magnus", "Olav", "Torben", "Sverre", "Halvard", "Gunnar"],
        ["Ingrid", "Astrid", "Sigrid", "Karin", "Liv", "Maja", "Elin", "Ragnhild", "Solveig", "Freja", "Tove"],
        ["Lindqvist", "Halvorsen", "Ekberg", "Dahl", "Nyström", "Sandvik", "Holmgren", "Berglund", "Aasen",
         "Strand", "Vestergaard", "Bakke", "Lund", "Engström", "Rasmussen", "Fjeld"],
        ["Sund", "Vass", "Hav", "Lind", "Ek", "Fjell", "Stor", "Nord", "Tor", "Ask", "Vin", "Gran", "Ham", "Bro", "Skog"],
        ["vik", "by", "holm", "stad", "berg", "sund", "dal", "nes", "haug", "køping", "rud"],
    ),
    Region(
        "germanic",
        [("Germany", "German"), ("Austria", "Austrian"), ("Switzerland", "Swiss")],
        ["Friedrich", "Otto", "Wilhelm", "Ernst", "Matthias", "Lukas", "Johannes", "Konrad", "Albrecht", "Ludwig", "Anton"],
        ["Greta", "Hanna", "Clara", "Sophie", "Lotte", "Irene", "Mathilde", "Hedwig", "Ursula", "Frieda"],
        ["Brandt", "Keller", "Hoffmann", "Vogel", "Ziegler", "Baumann", "Richter", "Adler", "Falk", "Wendt",
         "Steiner", "Haberl", "Kessler", "Lorenz", "Oberholzer", "Reinhart"],
        ["Alt", "Hohen", "Rosen", "Eich", "Wald", "Stein", "Linden", "Falken", "Bruck", "Mark", "Kirch", "Wolf", "Hasel"],
        ["burg", "dorf", "feld", "bach", "stein", "hausen", "heim", "tal", "au", "berg", "brunn"],
    ),
    Region(
        "lowlands",
        [("the Netherlands", "Dutch"), ("Belgium", "Belgian")],
        ["Pieter", "Joost", "Willem", "Maarten", "Bram", "Jeroen", "Hendrik", "Sander", "Wouter"],
        ["Anneke", "Femke", "Marijke", "Saskia", "Griet", "Lieve", "Mieke", "Ilse"],
        ["de Vries", "Jansen", "Bakker", "Visser", "van Dijk", "Smit", "Mulder", "Peeters", "Claes", "Verhoeven",
         "de Graaf", "Hendriks", "Wouters"],
        ["Oost", "Zand", "Bree", "Lange", "Wester", "Groen", "Hoog", "Zuider", "Meer", "Brug", "Dorn"],
        ["dam", "hoven", "voort", "dijk", "broek", "wijk", "veld", "gem", "kerke", "recht"],
    ),
    Region(
        "british",
        [("Scotland", "Scottish"), ("Ireland", "Irish"), ("Wales", "Welsh"), ("England", "English")],
        ["Thomas", "James", "William", "Edward", "Hugh", "Robert", "Alistair", "Owen", "Callum", "Arthur", "Rhys", "Declan"],
        ["Margaret", "Eleanor", "Catherine", "Fiona", "Mary", "Alice", "Harriet", "Siobhan", "Gwen", "Isobel", "Agnes"],
        ["Fairbairn", "Galloway", "Dunmore", "Aldridge", "Kennaway", "Pryce", "Maddox", "Sinclair", "Gallagher",
         "Whitlock", "Ashby", "Rennie", "Moffat", "Halloran", "Cadwallader", "Tremayne"],
        ["Ash", "Brad", "Hart", "Lang", "Mar", "Thorn", "Whit", "Kings", "Ather", "Rother", "Ald", "Glen", "Kil",
         "Dun", "Bally", "Pen", "Aber"],
        ["ford", "wick", "bury", "ton", "mouth", "ley", "combe", "field", "more", "haven", "castle", "bridge", "stow"],
    ),
    Region(
        "french",
        [("France", "French")],
        ["Louis", "Henri", "Jules", "Marcel", "Pierre", "Antoine", "Lucien", "Étienne", "Gaston", "Armand"],
        ["Camille", "Marguerite", "Élise", "Juliette", "Hélène", "Amélie", "Odile", "Sylvie", "Berthe"],
        ["Marchand", "Lefèvre", "Roussel", "Garnier", "Chevalier", "Mercier", "Fournier", "Giraud", "Perrin",
         "Vasseur", "Delmas", "Aubert", "Thibault"],
        ["Mont", "Beau", "Roche", "Font", "Val", "Bel", "Clair", "Vaux", "Saint-Aub", "Ver", "Lor"],
        ["villiers", "fort", "mont", "bois", "lac", "ville", "roc", "vent", "lieu", "court", "mas"],
    ),
    Region(
        "iberian",
        [("Spain", "Spanish"), ("Portugal", "Portuguese"), ("Chile", "Chilean"), ("Argentina", "Argentine"),
         ("Mexico", "Mexican")],
        ["Miguel", "Joaquín", "Rafael", "Tomás", "Diego", "Joaquim", "Ignacio", "Andrés", "Rodrigo", "Sebastián"],
        ["Lucía", "Inés", "Carmen", "Beatriz", "Elena", "Teresa", "Mercedes", "Rosario", "Catalina", "Amparo"],
        ["Alvarado", "Castellanos", "Ferreira", "Ortega", "Salazar", "Mendes", "Vidal", "Ibarra", "Quiroga",
         "Navarro", "Echeverría", "Paredes", "Sotomayor", "Carvalho"],
        ["Val", "Monte", "Villa", "Torre", "Alta", "Ribera", "Campo", "Puerto", "Sierra", "Rio", "Vega"],
        ["rosa", "verde", "nueva", "lago", "clara", "real", "mar", "sol", "fría", "seca", "dorada"],
    ),
    Region(
        "italian",
        [("Italy", "Italian")],
        ["Giovanni", "Luca", "Matteo", "Alessandro", "Enrico", "Vittorio", "Gianluca", "Federico", "Tommaso"],
        ["Giulia", "Chiara", "Francesca", "Lucia", "Rosa", "Serena", "Ornella", "Beatrice", "Vittoria"],
        ["Moretti", "Conti", "Galli", "Rinaldi", "Marchetti", "Bianchi", "Pellegrini", "Fabbri", "Ferraro",
         "Santoro", "Lombardi", "Cattaneo", "Benedetti"],
        ["Castel", "Monte", "Borgo", "Villa", "Porto", "Rocca", "Poggio", "Pieve", "Serra", "Colle"],
        ["franco", "rosso", "vecchio", "fiore", "lungo", "chiaro", "alto", "nuovo", "verde", "bello"],
    ),
    Region(
        "central",
        [("Poland", "Polish"), ("the Czech Republic", "Czech"), ("Slovenia", "Slovenian"), ("Croatia", "Croatian")],
        ["Jan", "Tomasz", "Pavel", "Marek", "Andrej", "Jakub", "Ivo", "Stanislav", "Zoran", "Wojciech"],
        ["Zofia", "Anna", "Milena", "Katarzyna", "Jana", "Vesna", "Ivana", "Marta", "Helena", "Dorota"],
        ["Novak", "Kowalski", "Horvat", "Zielinski", "Kral", "Wojcik", "Petrović", "Sokol", "Mazur", "Kovač",
         "Blažek", "Jankowski", "Zupan"],
        ["Bel", "Nov", "Star", "Vel", "Zlat", "Dub", "Kamen", "Bor", "Lipo", "Sokol", "Brez", "Grab"],
        ["ograd", "ovec", "nica", "ovo", "ava", "ina", "owice", "any", "jak", "in"],
    ),
    Region(
        "newworld",
        [("Canada", "Canadian"), ("Australia", "Australian"), ("New Zealand", "New Zealand"),
         ("the United States", "American")],
        ["Daniel", "Samuel", "George", "Henry", "Walter", "Nathaniel", "Clayton", "Russell", "Warren", "Douglas"],
        ["Grace", "Ruth", "Evelyn", "Dorothy", "Louisa", "Hazel", "Marion", "Josephine", "Edith", "Nora"],
        ["Whitaker", "Holloway", "Pritchard", "McAllister", "Carver", "Delaney", "Haskins", "Thornbury", "Beaumont",
         "Callahan", "Prescott", "Lindgren", "Mercer", "Ashworth"],
        ["Spring", "Pine", "Cedar", "Maple", "Silver", "Elk", "Eagle", "Red", "Stone", "Clear", "Fair", "Bright"],
        ["ville", "field", "ton", "ridge", "creek", "falls", "port", "dale", "water", "brook", "haven"],
    ),
    Region(
        "japan",
        [("Japan", "Japanese")],
        ["Kenji", "Hiroshi", "Takeshi", "Daisuke", "Haruto", "Masato", "Ryo", "Shigeru", "Kazuo"],
        ["Yuki", "Aiko", "Emi", "Naoko", "Sakura", "Michiko", "Haruka", "Keiko", "Fumiko"],
        ["Morimoto", "Ishikawa", "Fujimura", "Nakagawa", "Okada", "Hayashi", "Sakamoto", "Kurosawa", "Tsukada",
         "Inoue", "Matsuda", "Hoshino"],
        ["Kita", "Minami", "Taka", "Naga", "Matsu", "Kawa", "Yama", "Shira", "Oka", "Hana", "Asa", "Kuro"],
        ["hama", "saki", "mura", "zawa", "shima", "oka", "hara", "no", "ta", "gawa"],
    ),
    Region(
        "india",
        [("India", "Indian")],
        ["Arjun", "Vikram", "Rohan", "Anil", "Sanjay", "Ravi", "Kiran", "Suresh", "Naveen", "Prakash"],
        ["Priya", "Meera", "Lakshmi", "Ananya", "Kavita", "Sunita", "Radha", "Deepa", "Anjali"],
        ["Rao", "Menon", "Iyer", "Deshpande", "Kulkarni", "Banerjee", "Nair", "Chatterjee", "Pillai", "Joshi",
         "Bhattacharya", "Reddy"],
        ["Chandra", "Shiv", "Ram", "Anand", "Deva", "Suri", "Hari", "Kesh", "Vijay", "Sona", "Nila"],
        ["pur", "nagar", "abad", "garh", "pet", "kot", "wadi", "gaon"],
    ),
    Region(
        "africa",
        [("Nigeria", "Nigerian"), ("Ghana", "Ghanaian"), ("Kenya", "Kenyan")],
        ["Chinedu", "Kwame", "Oluwaseun", "Kofi", "Baraka", "Emeka", "Kwabena", "Tunde", "Otieno", "Yaw"],
        ["Amara", "Ngozi", "Abena", "Wanjiru", "Adaeze", "Efua", "Folake", "Akosua", "Njeri", "Chioma"],
        ["Okafor", "Mensah", "Adeyemi", "Boateng", "Odhiambo", "Mwangi", "Eze", "Asante", "Owusu", "Kamau",
         "Nwosu", "Adebayo", "Ochieng"],
        ["Oke", "Ado", "Aba", "Kuma", "Nsu", "Asa", "Ile", "Ola", "Ewu", "Nya", "Kiri"],
        ["mesi", "koro", "nkwa", "tende", "gbe", "bolo", "dara", "wani", "fo"],
    ),
]

BRANDS = ["Polaris", "Meridian", "Northstar", "Halcyon", "Corvid", "Tessera", "Aurora", "Kestrel", "Lumen",
          "Vireo", "Solstice", "Cobalt", "Juniper", "Altair", "Zenith", "Harbinger", "Sable", "Osprey", "Quill",
          "Tamarack", "Borealis", "Cormorant", "Vantage", "Larkspur", "Helix", "Arbor", "Nimbus", "Sextant"]
MODELS = ["Kestrel", "Atlas", "Meridian", "Falcon", "Orion", "Vega", "Comet", "Swift", "Pioneer", "Nova",
          "Lyra", "Tern", "Heron", "Corsair", "Zephyr", "Sirius", "Mistral", "Condor", "Pegasus", "Arrow",
          "Cygnus", "Ranger", "Puffin", "Capella", "Avocet", "Sparrow", "Titan", "Delta"]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve"]
DIRECTIONS = ["north", "south", "east", "west", "north-east", "north-west", "south-east", "south-west"]
PARTS = ["northern", "southern", "eastern", "western", "central", "north-eastern", "north-western",
         "south-eastern", "south-western"]

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def a_an(phrase: str) -> str:
    word = phrase.split()[0].lower()
    vowel = word[0] in "aeiou" and not word.startswith(("uni", "eu", "one"))
    return ("an " if vowel or word in ("hour", "honest") else "a ") + phrase


def num(n: int) -> str:
    return f"{n:,}"


def small(n: int, rng: random.Random) -> str:
    """Small counts are written as words or digits, like real prose."""
    if n <= 12 and rng.random() < 0.6:
        return NUMBER_WORDS[n]
    return str(n)


def round_to(n: int, step: int) -> int:
    return max(step, int(round(n / step)) * step)


def date_str(rng: random.Random, year: int, style: int) -> str:
    month = rng.choice(MONTHS)
    day = rng.randint(1, 28)
    return f"{day} {month} {year}" if style == 0 else f"{month} {day}, {year}"


def decade(year: int) -> str:
    return f"{year // 10 * 10}s"


SMALL_WORDS = {"a", "an", "the", "of", "in", "on", "and", "for", "to", "at", "by", "with"}


def title_case(text: str) -> str:
    words = text.split()
    return " ".join(w if (i and w in SMALL_WORDS) else w[0].upper() + w[1:] for i, w in enumerate(words))


def in_part(part: str, country: str) -> str:
    """'northern' + 'the Czech Republic' -> 'the northern Czech Republic'."""
    if country.startswith("the "):
        return f"the {part} {country[4:]}"
    return f"{part} {country}"


LANDLOCKED = {"Austria", "Switzerland", "the Czech Republic"}
LARGE_COUNTRIES = {"Canada", "the United States", "Australia", "India", "Argentina", "Mexico", "Nigeria", "Kenya"}
SMALL_COUNTRIES = {"Denmark", "the Netherlands", "Belgium", "Slovenia", "Croatia", "the Czech Republic",
                   "Switzerland", "Austria", "Wales", "Scotland", "England", "Ireland", "Portugal", "Chile",
                   "New Zealand", "Ghana"}
# Highest real summit (m) per country; fictional peaks stay well below it.
MAX_HEIGHT = {"Norway": 2469, "Sweden": 2097, "Germany": 2962, "Austria": 3798, "Switzerland": 4634,
              "Scotland": 1345, "Ireland": 1039, "Wales": 1085, "England": 978, "France": 4808, "Spain": 3479,
              "Portugal": 2351, "Chile": 6893, "Argentina": 6961, "Mexico": 5636, "Italy": 4808, "Poland": 2499,
              "the Czech Republic": 1603, "Slovenia": 2864, "Croatia": 1831, "Canada": 5959, "Australia": 2228,
              "New Zealand": 3724, "the United States": 6190, "Japan": 3776, "India": 8586, "Kenya": 5199,
              "Nigeria": 2419}


CURRENCY = {"England": "pounds", "Scotland": "pounds", "Wales": "pounds", "Norway": "kroner", "Denmark": "kroner",
            "Sweden": "kronor", "Switzerland": "Swiss francs", "Poland": "złoty", "the Czech Republic": "koruna",
            "Japan": "yen", "India": "rupees", "Mexico": "pesos", "Chile": "pesos", "Argentina": "pesos",
            "Canada": "Canadian dollars", "Australia": "Australian dollars", "New Zealand": "New Zealand dollars",
            "the United States": "dollars", "Nigeria": "naira", "Ghana": "cedis", "Kenya": "shillings"}


def cost_today(rng: random.Random, country: str) -> str:
    """A construction cost expressed in today's money, in the country's currency."""
    cur = CURRENCY.get(country, "euros")
    scale = {"yen": 100, "rupees": 60, "naira": 400, "cedis": 10, "shillings": 100, "pesos": 15, "koruna": 25,
             "kroner": 10, "kronor": 10, "złoty": 4}.get(cur, 1)
    amount = rng.randint(4, 120) * scale
    if amount >= 1000:
        return f"{amount / 1000:g} billion {cur}"
    return f"{amount} million {cur}"


def size_class(country: str) -> str:
    if country in LARGE_COUNTRIES:
        return "large"
    if country in SMALL_COUNTRIES:
        return "small"
    return "medium"


PH = re.compile(r"\{(\w+)\}")


class Registry:
    """Hands out unique names so no entity appears in two paragraphs."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def unique(self, make):
        for _ in range(500):
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value
        raise RuntimeError("name pool exhausted")

    def region(self, exclude=()) -> Region:
        return self.rng.choice([r for r in REGIONS if r.key not in exclude])

    def country(self, region: Region, allowed=None):
        options = [c for c in region.countries if allowed is None or allowed(c[0])]
        return self.rng.choice(options)

    def region_with(self, allowed, exclude=()):
        regions = [r for r in REGIONS if r.key not in exclude and any(allowed(c) for c, _ in r.countries)]
        region = self.rng.choice(regions)
        return region, self.country(region, allowed)

    def person(self, region: Region, gender: str | None = None):
        rng = self.rng
        g = gender or rng.choice("mf")

        def make():
            first = rng.choice(region.male if g == "m" else region.female)
            return f"{first} {rng.choice(region.surnames)}"

        full = self.unique(make)
        first, last = full.split(" ", 1)
        return full, last, g

    def surname(self, region: Region) -> str:
        return self.rng.choice(region.surnames)

    def stem(self, region: Region) -> str:
        rng = self.rng
        return rng.choice(region.pre) + rng.choice(region.suf)

    def place(self, region: Region) -> str:
        def make():
            name = self.stem(region)
            return name[0].upper() + name[1:]
        return self.unique(make)

    def brand(self) -> str:
        return self.unique(lambda: self.rng.choice(BRANDS))


class Para:
    """A paragraph under construction.

    ``say`` renders one sentence (chosen among alternatives) from the fact
    dictionary and records the character offset of every fact it inserts.
    ``ask`` registers a candidate question about a fact; it is only used if
    the fact actually appears in the final text.
    """

    def __init__(self, rng: random.Random, family: str, title: str, facts: dict):
        self.rng = rng
        self.family = family
        self.title = title
        self.f = {k: str(v) for k, v in facts.items()}
        self.text = ""
        self.n_sents = 0
        self.spans: dict[str, int] = {}
        self.cands: list = []
        self.alias: dict[str, str] = {}

    def set(self, **kw):
        self.f.update({k: str(v) for k, v in kw.items()})

    def say(self, *alternatives: str, p: float | None = None) -> bool:
        if p is not None and self.rng.random() >= p:
            return False
        tpl = self.rng.choice(alternatives)
        base = len(self.text) + (1 if self.text else 0)
        out, pos, cur, local = [], 0, base, {}
        for m in PH.finditer(tpl):
            lit = tpl[pos:m.start()]
            out.append(lit)
            cur += len(lit)
            key = m.group(1)
            val = self.f[key]
            local.setdefault(key, cur)
            out.append(val)
            cur += len(val)
            pos = m.end()
        out.append(tpl[pos:])
        sent = "".join(out)
        sent = sent[0].upper() + sent[1:]
        for key, start in local.items():
            self.spans.setdefault(key, start)
        self.text = (self.text + " " + sent) if self.text else sent
        self.n_sents += 1
        return True

    def has(self, key: str) -> bool:
        return key in self.spans

    def ask(self, key: str, qtype: str, *phrasings: str):
        assert qtype in QTYPES, qtype
        self.cands.append((key, qtype, phrasings))

    def _usable(self, phrasing: str) -> bool:
        for k in PH.findall(phrasing):
            if k in self.spans:
                continue
            if k in self.alias and self.alias[k] in self.spans:
                continue
            return False
        return True

    def questions(self, max_q: int):
        out = []
        for key, qtype, phrasings in self.cands:
            if key not in self.spans:
                continue
            usable = [p for p in phrasings if self._usable(p)]
            if not usable:
                continue
            q = self.rng.choice(usable).format(**self.f)
            q = q[0].upper() + q[1:]
            q = re.sub(r"(?<=s)'s\b", "'", q)
            start = self.spans[key]
            value = self.f[key]
            text = self.text[start:start + len(value)]
            assert text.lower() == value.lower(), (text, value)
            if text.lower() in q.lower():
                continue
            out.append({"question": q, "answer": text, "start": start, "qtype": qtype})
        if len(out) > max_q:
            keep = sorted(self.rng.sample(range(len(out)), max_q))
            out = [out[i] for i in keep]
        return out

    def words(self) -> int:
        return len(self.text.split())


# ---------------------------------------------------------------------------
# Topic families.  Each returns a Para; the caller checks length limits.
# ---------------------------------------------------------------------------

INDUSTRIES = [
    # name word, what they make, first product, flagship product type, founding years
    ("Typewriter Company", "typewriters and office machines", "a portable typewriter", "typewriter", 1870, 1925),
    ("Optical Works", "lenses and cameras", "brass telescope lenses", "folding camera", 1850, 1925),
    ("Cycles", "bicycles", "a lightweight touring bicycle", "racing bicycle", 1880, 1950),
    ("Radio", "radio and television sets", "a crystal radio receiver", "transistor radio", 1920, 1950),
    ("Marine Engines", "marine engines", "a small paraffin engine for fishing boats", "outboard motor", 1890, 1945),
    ("Biscuits", "biscuits and confectionery", "ginger biscuits baked to a family recipe", "chocolate wafer", 1850, 1940),
    ("Woollens", "woollen fabrics and knitwear", "hand-knitted fishermen's jumpers", "waterproof wool coat", 1840, 1930),
    ("Software", "business software", "a payroll program for small shops", "accounting package", 1975, 2004),
    ("Aviation", "light aircraft", "a wooden two-seat glider", "training monoplane", 1910, 1950),
    ("Appliances", "household appliances", "cast-iron kitchen stoves", "washing machine", 1880, 1945),
    ("Toys", "toys and games", "painted wooden building blocks", "construction set", 1880, 1960),
    ("Pen Company", "fountain pens and writing instruments", "steel-nibbed dip pens", "fountain pen", 1860, 1925),
    ("Watches", "wristwatches", "pocket watches for railway staff", "diving watch", 1870, 1935),
    ("Microsystems", "microchips", "memory chips for pocket calculators", "microprocessor", 1966, 1994),
    ("Tractors", "agricultural machinery", "a horse-drawn reaper", "diesel tractor", 1860, 1935),
    ("Games", "video games", "a chess program for home computers", "puzzle game", 1978, 2005),
]

COMPANY_MOVE_REASONS = [
    "to be closer to the main railway line",
    "after a fire destroyed its original workshop",
    "because the old factory had become too small",
    "to recruit engineers from the local technical college",
    "to take advantage of cheap electricity from a new hydroelectric plant",
    "in order to be nearer to the port it used for exports",
    "because the landlord of its first premises refused to renew the lease",
]


def fam_company(rng, reg):
    R = reg.region()
    country, adj = reg.country(R)
    word, what, first, ptype, lo, hi = rng.choice(INDUSTRIES)
    founder, flast, _ = reg.person(R)
    year = rng.randint(lo, hi)
    r = rng.random()
    if r < 0.35:
        name = reg.unique(lambda: f"{flast} {word}")
    elif r < 0.6:
        name = reg.unique(lambda: f"{reg.stem(R).capitalize()} {word}")
    elif r < 0.8:
        name = reg.unique(lambda: f"{flast} & {reg.surname(R)}")
    else:
        name = reg.unique(lambda: f"{rng.choice(BRANDS)} {word}")
    y2 = min(year + rng.randint(4, 22), 2021)
    y3 = y2 + rng.randint(3, 25)
    y4 = y3 + rng.randint(4, 30)
    P = Para(rng, "company", name, dict(
        name=name, founder=founder, founder_last=flast, year=year, country=country, a_adj=a_an(adj),
        city=reg.place(R), what=what, first=first, staff=small(rng.randint(3, 12), rng),
        product=f"{rng.choice(MODELS)} {rng.randint(1, 9) * 100 if rng.random() < 0.5 else rng.randint(2, 9)} {ptype}",
        year2=y2, sales=num(round_to(rng.randint(8_000, 900_000), 1000)),
        year3=y3, city2=reg.place(R), reason=rng.choice(COMPANY_MOVE_REASONS),
        employees=num(round_to(rng.randint(250, 24_000), 50)), markets=rng.randint(12, 95),
        year4=y4, acquirer=reg.unique(lambda: f"{rng.choice(BRANDS)} {rng.choice(['Holdings', 'Industries', 'Group', 'Capital'])}"),
        price=f"${rng.randint(2, 40) if y4 < 1950 else (rng.randint(8, 240) if y4 < 1985 else rng.randint(30, 950))} million", ceo=reg.person(R)[0], ceo_year=rng.randint(2003, 2021),
    ))
    P.alias["founder_last"] = "founder"
    style = rng.randint(0, 2)
    if style == 0:
        P.say("{name} is {a_adj} manufacturer of {what}, founded in {year} by {founder} in the town of {city}.",
              "{name} is {a_adj} maker of {what} that {founder} founded in {city} in {year}.")
        P.say("Its first product was {first}, assembled by hand in a workshop behind {founder_last}'s house.",
              "In the early years the firm made only {first}, with a staff of {staff}.", p=0.6)
    elif style == 1:
        P.say("{founder} established {name} in {city} in {year}, initially to make {first}.",
              "In {year}, {founder} opened a small workshop in {city} to produce {first}; it grew into {name}.")
    else:
        P.say("Founded in {year} by the engineer {founder}, {name} is one of the oldest makers of {what} in {country}.")
        P.say("The business began in a rented workshop in {city}, where {founder_last} and {staff} employees produced {first}.")
    P.say("Its breakthrough came in {year2} with the {product}, which sold {sales} units in its first five years.",
          "The company became widely known after it launched the {product} in {year2}; more than {sales} were eventually sold.",
          "Its most successful product, the {product}, was introduced in {year2} and sold over {sales} units.", p=0.9)
    if y3 <= 2022:
        P.say("In {year3}, {name} moved its headquarters to {city2} {reason}.",
              "The firm relocated to {city2} in {year3} {reason}.", p=0.75)
    P.say("Today the company employs about {employees} people and sells its products in more than {markets} countries.",
          "It now has roughly {employees} employees, and its products are sold in over {markets} countries.", p=0.6)
    if y4 <= 2021:
        P.say("In {year4}, {name} was acquired by {acquirer} for {price}.",
              "{acquirer} bought the company in {year4}, paying {price}.", p=0.5)
    P.say("Since {ceo_year} it has been led by chief executive {ceo}.",
          "{ceo} has served as the company's chief executive since {ceo_year}.", p=0.35)

    P.ask("year", "date", "When was {name} founded?", "In what year was {name} established?",
          "What year did {founder} found {name}?", "When did {founder_last} start {name}?")
    P.ask("founder", "person", "Who founded {name}?", "Who established {name}?", "Who started {name} in {city}?")
    P.ask("city", "place", "In which town was {name} founded?", "Where did {name} begin?",
          "Where was the first workshop of {name}?")
    P.ask("first", "phrase", "What was {name}'s first product?", "What did {name} originally make?",
          "What did {name} produce in its early years?")
    P.ask("staff", "number", "How many employees worked in {name}'s first workshop?",
          "How large was the staff of {name} at the start?")
    P.ask("what", "phrase", "What does {name} make?", "What kind of products does {name} manufacture?")
    P.ask("product", "thing", "Which product brought {name} its breakthrough?", "What was {name}'s most successful product?",
          "Which product made {name} widely known?")
    P.ask("year2", "date", "When was the {product} launched?", "In what year did {name} introduce the {product}?")
    P.ask("sales", "number", "How many units of the {product} were sold?", "How many {product} units did {name} sell?")
    P.ask("city2", "place", "Where did {name} move its headquarters in {year3}?", "To which city did {name} relocate?",
          "Where is {name} headquartered after its move?")
    P.ask("year3", "date", "When did {name} move to {city2}?", "In what year did {name} relocate its headquarters?")
    P.ask("reason", "phrase", "Why did {name} move its headquarters to {city2}?", "Why did {name} relocate to {city2}?")
    P.ask("employees", "number", "How many people does {name} employ?", "How many employees does {name} have today?")
    P.ask("markets", "number", "In how many countries are {name}'s products sold?")
    P.ask("acquirer", "organisation", "Which company acquired {name}?", "Who bought {name} in {year4}?",
          "Which group took over {name}?")
    P.ask("year4", "date", "When was {name} acquired?", "In what year did {acquirer} buy {name}?")
    P.ask("price", "number", "How much did {acquirer} pay for {name}?", "What was the price of the acquisition of {name}?")
    P.ask("ceo", "person", "Who is the chief executive of {name}?", "Who has led {name} since {ceo_year}?")
    P.ask("ceo_year", "date", "Since when has {ceo} led {name}?")
    return P


CITY_FOUNDERS = ["monks from a nearby abbey", "a community of salt traders", "fishing families from the coast",
                 "silver miners", "a group of wool merchants", "farmers from the surrounding hills",
                 "refugees fleeing a flood in the lowlands", "timber merchants"]
CITY_ATTRACTIONS = ["the fertile soil of the valley", "its natural harbour", "nearby deposits of silver",
                    "a safe crossing point on the river", "the protection offered by a steep hill",
                    "the springs of fresh water at the foot of the ridge", "the dense forests that supplied timber"]
CITY_INDUSTRIES = ["glassmaking", "shipbuilding", "cheese production", "its textile mills", "porcelain",
                   "clockmaking", "wine production", "leather tanning", "paper milling", "bell founding",
                   "furniture making", "its fish market"]
NICKNAMES = ["the City of Bells", "the Grey Harbour", "the Town of Bridges", "the Little Capital", "the Garden Town",
             "the Salt City", "the City of Towers", "the Windy Gate", "the Lantern Town", "the Copper Town"]
LANDMARK_KINDS = ["Cathedral of Saint {s}", "{s} Bridge", "old Guild Hall", "{s} Tower", "Town Hall", "{s} Gate",
                  "Church of Saint {s}", "covered market"]
SAINTS = ["Martin", "Nicholas", "Agnes", "Lawrence", "Margaret", "Stephen", "Bridget", "Michael", "Clare"]


def fam_city(rng, reg):
    R = reg.region()
    country, adj = reg.country(R)
    name = reg.place(R)
    founded = rng.randint(850, 1650)
    rail = rng.randint(1840, 1905)
    landmark_year = rng.randint(founded + 60, min(founded + 500, 1890))
    kind = rng.choice(LANDMARK_KINDS)
    if "Saint" in kind:
        kind = kind.format(s=rng.choice(SAINTS))
    elif "{s}" in kind:
        kind = kind.format(s=reg.surname(R))
    landmark = "the " + kind
    uni_year = rng.randint(max(rail - 30, founded + 200), 1985)
    P = Para(rng, "city", name, dict(
        name=name, country=country, pc=in_part(rng.choice(PARTS), country), founded=founded,
        founders=rng.choice(CITY_FOUNDERS), attraction=rng.choice(CITY_ATTRACTIONS),
        river="the " + reg.stem(R).capitalize() + " River", rail=rail, bigcity=reg.place(R),
        industry=rng.choice(CITY_INDUSTRIES), jobs=num(round_to(rng.randint(900, 9000), 100)),
        nickname=rng.choice(NICKNAMES), landmark=landmark, landmark_year=landmark_year,
        architect=reg.person(R)[0], population=num(round_to(rng.randint(18_000, 640_000), 1000)),
        university=f"the University of {name}", uni_year=uni_year, century=f"{founded // 100 + 1}th century",
        size=rng.choice(["small", "historic", "medium-sized", "lively"]),
    ))
    P.say("{name} is a city in {pc}, located on the banks of {river}.",
          "{name} is a {size} city in {pc}, built on both sides of {river}.",
          "Lying on {river} in {pc}, {name} is one of the oldest cities in the region.",
          "{name} is one of the oldest cities in {country}, standing on {river}.")
    P.say("It was founded in {founded} by {founders}, who were attracted by {attraction}.",
          "The first settlement on the site was established in {founded} by {founders}, drawn by {attraction}.",
          "According to the town chronicle, {founders} settled here in {founded} because of {attraction}.")
    P.say("The town grew rapidly after {rail}, when a railway line connected it to {bigcity}.",
          "Its population expanded quickly once the railway from {bigcity} arrived in {rail}.", p=0.75)
    P.say("{name} is known for {industry}, which still employs around {jobs} people.",
          "For centuries the local economy was based on {industry}, and the city is still nicknamed {nickname}.",
          "The city has long been famous for {industry}, an industry that today provides about {jobs} jobs.", p=0.8)
    P.say("Its best-known landmark is {landmark}, completed in {landmark_year} to a design by {architect}.",
          "The skyline is dominated by {landmark}, which the architect {architect} completed in {landmark_year}.", p=0.7)
    P.say("Today {name} has a population of about {population} and is home to {university}, founded in {uni_year}.",
          "The city has about {population} inhabitants.", p=0.75)

    P.ask("founded", "date", "When was {name} founded?", "In what year was {name} founded?",
          "When did {founders} settle at {name}?")
    P.ask("founders", "person", "Who founded {name}?", "Who established the first settlement at {name}?")
    P.ask("attraction", "phrase", "What attracted the first settlers to {name}?", "Why did {founders} settle at {name}?")
    P.ask("river", "place", "On which river does {name} lie?", "Which river flows through {name}?")
    P.ask("country", "place", "In which country is {name}?")
    P.ask("rail", "date", "When did the railway reach {name}?", "In what year was {name} connected to {bigcity} by rail?")
    P.ask("bigcity", "place", "Which city was {name} connected to by railway?",
          "Where did the railway that reached {name} in {rail} come from?")
    P.ask("industry", "phrase", "What is {name} known for?", "What was the traditional basis of {name}'s economy?")
    P.ask("jobs", "number", "How many people work in {industry} in {name}?")
    P.ask("nickname", "thing", "What is {name}'s nickname?", "What is {name} sometimes called?")
    P.ask("landmark", "thing", "What is the best-known landmark in {name}?", "Which building dominates the skyline of {name}?")
    P.ask("landmark_year", "date", "When was {landmark} completed?", "In what year was {landmark} finished?")
    P.ask("architect", "person", "Who designed {landmark}?", "Which architect completed {landmark}?")
    P.ask("population", "number", "What is the population of {name}?", "How many people live in {name}?")
    P.ask("university", "organisation", "Which university is located in {name}?")
    P.ask("uni_year", "date", "When was {university} founded?", "In what year was {university} established?")
    return P


RIVER_MOUTHS = ["the Gulf of {x}", "Lake {x}", "the {x} Sea", "the {x} Estuary", "{x} Bay"]
RIVER_MEANINGS = ["grey water", "the slow one", "river of reeds", "white stones", "the wide water", "bright stream",
                  "river of alders", "the cold one", "winding water", "salmon river"]
RIVER_LANGS = ["Celtic", "Norse", "Slavic", "Latin", "old Germanic", "Basque", "pre-Roman", "Gothic"]
DAM_REASONS = ["to control the floods that regularly damaged farmland downstream",
               "to supply water to the growing towns of the plain",
               "to generate electricity for the region's factories",
               "to make the lower river navigable all year round",
               "to irrigate the dry farmland of the southern valleys"]
FISH = ["river sturgeon", "spotted grayling", "golden barbel", "silver lamprey", "striped loach", "mountain trout"]


def fam_river(rng, reg):
    R = reg.region(exclude=("japan",))
    country, adj = reg.country(R)
    stem = reg.unique(lambda: reg.stem(R).capitalize())
    lo, hi = {"small": (60, 420), "medium": (150, 1100), "large": (300, 3200)}[size_class(country)]
    lang = rng.choice(RIVER_LANGS)
    river = rng.choice([f"the {stem} River", f"the River {stem}", f"the {stem}"])
    title = river[4:] if river.startswith("the ") else river
    exp_year = rng.randint(1560, 1880)
    P = Para(rng, "river", title, dict(
        river=river, stem=stem, country=country, length=num(rng.randint(lo, hi)) + " kilometres",
        source=rng.choice([f"the {reg.place(R)} Mountains", f"Lake {reg.place(R)}", f"the {reg.place(R)} Hills",
                           f"a glacier below Mount {reg.place(R)}"]),
        mouth=rng.choice(RIVER_MOUTHS).format(x=reg.place(R)), direction=rng.choice(DIRECTIONS),
        lang=lang, art=a_an(lang).split()[0], meaning=rng.choice(RIVER_MEANINGS),
        explorer=reg.person(R)[0], exp_year=exp_year, city=reg.place(R), trib="the " + reg.place(R),
        town2=reg.place(R), dam=f"the {reg.place(R)} Dam", dam_year=rng.randint(1905, 1985),
        dam_reason=rng.choice(DAM_REASONS), households=num(round_to(rng.randint(20_000, 900_000), 1000)),
        fish_n=rng.randint(18, 140), fish=rng.choice(FISH), pc=in_part(rng.choice(PARTS), country),
    ))
    P.say("{river} is a river in {pc} that rises in {source} and flows {direction} for {length} before emptying into {mouth}.",
          "Rising in {source}, {river} flows {direction} through {pc} for {length} until it reaches {mouth}.",
          "{river} runs for {length} from its source in {source} to its mouth at {mouth}, making it one of the longest rivers in {country}.")
    P.say("Its name comes from {art} {lang} word meaning \"{meaning}\".",
          "The name is thought to derive from {art} {lang} term meaning \"{meaning}\".", p=0.55)
    P.say("The first complete survey of its course was carried out in {exp_year} by {explorer}, who travelled upstream by canoe.",
          "Its full course was first mapped by {explorer}, who led an expedition up the river in {exp_year}.", p=0.75)
    P.say("The largest city on its banks is {city}, which grew up around an important river crossing.",
          "The most important city along the river is {city}, an old market town and trading port.", p=0.75)
    P.say("Its main tributary, {trib}, joins it near {town2}.",
          "Near {town2} it is joined by its largest tributary, {trib}.", p=0.6)
    P.say("In {dam_year}, {dam} was completed across the river {dam_reason}.",
          "{dam} was built across the river in {dam_year} {dam_reason}; its power station supplies about {households} households.",
          p=0.6)
    P.say("The river is home to {fish_n} species of fish, including the rare {fish}.", p=0.4)

    P.ask("length", "number", "How long is {river}?", "What is the length of {river}?")
    P.ask("source", "place", "Where does {river} rise?", "Where is the source of {river}?")
    P.ask("mouth", "place", "Where does {river} end?", "Into what body of water does {river} flow?",
          "Where is the mouth of {river}?")
    P.ask("direction", "phrase", "In which direction does {river} flow?")
    P.ask("meaning", "phrase", "What does the name {stem} mean?", "What is the meaning of the river's name?")
    P.ask("lang", "phrase", "From which language does the name of {river} come?")
    P.ask("explorer", "person", "Who first mapped the course of {river}?", "Who led the first expedition up {river}?")
    P.ask("exp_year", "date", "When was the course of {river} first surveyed?", "In what year did {explorer} map {river}?")
    P.ask("city", "place", "What is the largest city on {river}?", "Which is the most important city along {river}?")
    P.ask("trib", "place", "What is the main tributary of {river}?", "Which river joins {river} near {town2}?")
    P.ask("town2", "place", "Where does {trib} join {river}?")
    P.ask("dam_year", "date", "When was {dam} completed?", "In what year was {dam} built?")
    P.ask("dam_reason", "phrase", "Why was {dam} built?", "What was the purpose of {dam}?")
    P.ask("households", "number", "How many households does the power station of {dam} supply?")
    P.ask("fish_n", "number", "How many species of fish live in {river}?")
    P.ask("fish", "thing", "Which rare fish lives in {river}?")
    return P


DEVICES = [
    # noun, description, reason, mechanism, successor
    ("safety lamp", "a consortium of mining companies", "a lamp for coal miners", "to reduce the risk of gas explosions underground",
     "surrounding the flame with a fine copper gauze that kept it from igniting the gas outside",
     "the battery-powered cap lamp"),
    ("seed drill", "the largest agricultural cooperatives", "a horse-drawn machine for planting grain", "to plant seeds in straight rows at an even depth",
     "dropping seeds through a set of tubes behind small ploughs that opened the soil",
     "the tractor-mounted precision planter"),
    ("loom", "several large textile mills", "a mechanical loom for weaving patterned cloth", "to let a single weaver produce complex patterns quickly",
     "reading the pattern from a chain of punched wooden boards", "the electronically controlled jacquard loom"),
    ("calculator", "the national statistics office", "a hand-cranked calculating machine", "to speed up the work of insurance clerks",
     "turning a set of stepped drums that added one digit at a time", "the electronic desk calculator"),
    ("diving helmet", "the navy", "a copper diving helmet", "to allow salvage divers to work on wrecks for longer periods",
     "feeding air from a hand pump on the surface through a leather hose", "the self-contained scuba set"),
    ("fire engine", "several city fire brigades", "a steam-powered fire engine", "to throw water higher than the hand pumps of the time",
     "using a small boiler to drive a pair of pistons that pumped water", "the petrol-driven fire engine"),
    ("refrigerated wagon", "the state railways", "a refrigerated railway wagon", "to carry fresh meat and fish over long distances",
     "circulating air over blocks of ice stored in bunkers at each end", "the mechanically cooled container"),
    ("cable car", "a consortium of mining companies", "an aerial cable car", "to carry workers and ore down from mountain mines",
     "hanging the cabin from a fixed track rope while a second rope pulled it along", "the detachable gondola lift"),
    ("pneumatic post", "the national postal service", "a pneumatic tube system for letters", "to deliver telegrams across the city faster than messengers",
     "blowing sealed canisters through underground pipes with compressed air", "the fax machine"),
    ("incubator", "the national poultry breeders' association", "an egg incubator heated by paraffin", "to help farmers hatch chicks without broody hens",
     "using a thermostat made of a metal capsule that expanded as it warmed", "the electric incubator"),
    ("lighthouse lens", "the coastguard service", "a stepped glass lens for lighthouses", "to make lighthouse beams visible much farther out to sea",
     "concentrating the light of a single lamp with rings of prisms", "the rotating electric beacon"),
    ("typesetting machine", "the largest newspaper publishers", "a typesetting machine for newspapers",
     "to replace the slow work of setting type by hand", "casting whole lines of metal type from brass moulds",
     "computer typesetting"),
]

def fam_invention(rng, reg):
    R = reg.region()
    country, adj = reg.country(R)
    noun, adopter, desc, reason, mechanism, successor = rng.choice(DEVICES)
    inventor, ilast, g = reg.person(R)
    device = reg.unique(lambda: f"{ilast} {noun}")
    year = rng.randint(1790, 1910)
    job = rng.choice(["engineer", "clockmaker", "schoolteacher", "blacksmith", "mechanic", "chemist", "instrument maker"])
    maker = f"{reg.place(R)} {rng.choice(['Ironworks', 'Engineering Company', 'Manufacturing', 'Brothers'])}"
    P = Para(rng, "invention", f"The {device}", dict(
        device=device, desc=desc, reason=reason, mechanism=mechanism, successor=successor,
        inventor=inventor, inventor_last=ilast, adj=adj, year=year, city=reg.place(R),
        patent_year=year + rng.randint(1, 4), maker=maker, units=num(round_to(rng.randint(400, 60_000), 100)),
        adopter=adopter, museum=f"the {reg.place(R)} Museum of Technology",
        decade=decade(year + rng.randint(40, 90)), pron="he" if g == "m" else "she",
        job=job, a_job=a_an(job),
    ))
    P.alias["inventor_last"] = "inventor"
    P.say("The {device} was {desc} invented by the {adj} {job} {inventor} in {year}.",
          "In {year}, the {adj} {job} {inventor} built the first {device}, {desc}.",
          "The {device}, {desc}, was developed in {year} by {inventor}, {a_job} from {city}.")
    P.say("{inventor_last} designed it {reason}.",
          "The device was created {reason}.",
          "According to {inventor_last}'s notebooks, the aim was {reason}.")
    P.say("It worked by {mechanism}.",
          "The machine operated by {mechanism}.", p=0.8)
    P.say("After receiving a patent in {patent_year}, {inventor_last} licensed the design to {maker}, which produced about {units} of them.",
          "The design was patented in {patent_year} and manufactured under licence by {maker}, which sold some {units} units.",
          p=0.8)
    P.say("It was soon adopted by {adopter}, which used it for several decades.", p=0.4)
    P.say("The original prototype is now on display at {museum}.",
          "{inventor_last}'s first working model survives and can be seen at {museum}.", p=0.55)
    P.say("It was eventually replaced by {successor} in the {decade}.",
          "By the {decade} it had been largely replaced by {successor}.", p=0.55)

    P.ask("inventor", "person", "Who invented the {device}?", "Who built the first {device}?",
          "Who developed the {device}?")
    P.ask("year", "date", "When was the {device} invented?", "In what year was the first {device} built?",
          "When did {inventor_last} build the {device}?")
    P.ask("reason", "phrase", "Why did {inventor_last} design the {device}?", "What was the {device} created for?",
          "Why was the {device} invented?")
    P.ask("mechanism", "phrase", "How did the {device} work?", "How did the {device} operate?")
    P.ask("desc", "phrase", "What was the {device}?", "What kind of device was the {device}?")
    P.ask("patent_year", "date", "When was the {device} patented?", "In what year did {inventor_last} receive a patent?")
    P.ask("maker", "organisation", "Which company manufactured the {device}?", "To whom did {inventor_last} license the design?")
    P.ask("units", "number", "How many {device}s were produced?", "How many units of the {device} were sold?")
    P.ask("adopter", "organisation", "Who adopted the {device}?")
    P.ask("museum", "place", "Where is the original {device} displayed?", "Where can {inventor_last}'s first model be seen?")
    P.ask("successor", "thing", "What replaced the {device}?", "What was the {device} replaced by?")
    P.ask("decade", "date", "When was the {device} replaced?")
    P.ask("city", "place", "Where did {inventor} come from?")
    P.ask("job", "phrase", "What was {inventor}'s profession?")
    return P


FIELDS = {
    "chemist": ["the chemistry of dyes", "the analysis of mineral waters", "catalysts for making fertiliser"],
    "astronomer": ["the motions of variable stars", "the orbits of comets", "the structure of the Milky Way"],
    "botanist": ["the mosses of mountain forests", "the pollination of orchids", "drought-resistant wheat"],
    "geologist": ["the formation of glacial valleys", "volcanic rocks", "the mapping of coal seams"],
    "physicist": ["the conduction of heat in metals", "the behaviour of gases at low temperatures", "radio waves"],
    "mathematician": ["prime numbers", "the geometry of curved surfaces", "probability theory"],
    "physician": ["the spread of cholera", "childhood nutrition", "the treatment of tuberculosis"],
    "meteorologist": ["storm forecasting", "the circulation of the upper atmosphere", "the climate of the Arctic"],
}
SCI_KNOWN = {
    "chemist": ["discovering a cheap method for producing synthetic indigo", "identifying the mineral later named {lastite}"],
    "astronomer": ["discovering the comet that bears {pos} name", "measuring the distance to the Pleiades cluster"],
    "botanist": ["breeding a frost-resistant variety of barley", "describing more than 300 new species of moss"],
    "geologist": ["producing the first geological map of {country}", "explaining how the {place} Fjord was formed"],
    "physicist": ["building one of the first practical liquid-air machines", "measuring the speed of sound in metals"],
    "mathematician": ["proving the {last} theorem on prime gaps", "founding the modern theory of random walks"],
    "physician": ["tracing a cholera outbreak to a contaminated well", "introducing school meal programmes"],
    "meteorologist": ["inventing a widely used storm-warning code", "describing the high-altitude wind now called the {last} current"],
}
AWARDS = ["the Lindqvist Medal", "the Royal Academy Gold Medal", "the Hallerman Prize", "the Verity Award",
          "the Academy's Copley Plate", "the Orsini Prize", "the Ashworth Medal", "the Meridian Prize"]


def fam_scientist(rng, reg):
    R = reg.region()
    country, adj = reg.country(R)
    field = rng.choice(sorted(FIELDS))
    name, last, g = reg.person(R)
    born = rng.randint(1790, 1935)
    died = born + rng.randint(58, 94)
    disc_year = born + rng.randint(27, 45)
    pron, pos = ("he", "his") if g == "m" else ("she", "her")
    topic = rng.choice(FIELDS[field])
    known = rng.choice(SCI_KNOWN[field]).format(pos=pos, last=last, lastite=last.split()[-1].capitalize() + "ite",
                                                 country=country, place=reg.place(R))
    P = Para(rng, "scientist", name, dict(
        name=name, last=last, adj=adj, field=field, born=born, died=died, birthplace=reg.place(R),
        university=f"the University of {reg.place(R)}", mentor=reg.person(R)[0], topic=topic,
        known=known, disc_year=disc_year, book=title_case(f"{rng.choice(['On', 'Studies in', 'Observations on', 'A Treatise on'])} {topic}"),
        award=rng.choice(AWARDS), award_year=min(disc_year + rng.randint(3, 18), died - 1), pron=pron, pos=pos,
        institute=f"the {reg.place(R)} {rng.choice(['Observatory', 'Institute', 'Laboratory', 'Research Station'])}",
        years_led=f"{small(rng.randint(6, 25), rng)} years", death_city=reg.place(R), country=country,
    ))
    P.alias["last"] = "name"
    style = rng.randint(0, 1)
    if style == 0:
        P.say("{name} ({born}–{died}) was {a_adj} {field} best known for {known}.".replace("{a_adj}", a_an(adj)))
        P.say("Born in {birthplace}, {pron} studied at {university}, where {pron} worked under {mentor}.",
              "{pron} studied at {university} under the guidance of {mentor}.", p=0.85)
    else:
        P.say("{name} was {a_adj} {field} who was born in {birthplace} in {born}.".replace("{a_adj}", a_an(adj)))
        P.say("After studying at {university} under {mentor}, {pron} became known for {known}.",
              "{last} is remembered mainly for {known}.")
    P.say("In {disc_year}, {last} published {book}, a study of {topic} that made {pos} reputation.",
          "{pos} book {book}, published in {disc_year}, remained a standard text on {topic} for decades.", p=0.8)
    P.say("{pron} received {award} in {award_year} for this work.",
          "In {award_year}, {last} was awarded {award}.", p=0.65)
    P.say("{pron} later became director of {institute}, a post {pron} held for {years_led}.",
          "{pron} went on to direct {institute} for {years_led}.", p=0.55)
    P.say("{last} died in {death_city} in {died}.", p=0.35 if style == 0 else 0.6)

    P.ask("born", "date", "When was {name} born?", "In what year was {last} born?")
    P.ask("died", "date", "When did {name} die?", "In what year did {last} die?")
    P.ask("birthplace", "place", "Where was {name} born?", "In which town was {last} born?")
    P.ask("field", "phrase", "What was {name}'s profession?", "What kind of scientist was {name}?")
    P.ask("known", "phrase", "What is {name} best known for?", "What is {last} remembered for?")
    P.ask("university", "organisation", "Where did {name} study?", "At which university did {last} study?")
    P.ask("mentor", "person", "Under whom did {name} study?", "Who was {last}'s teacher at {university}?")
    P.ask("book", "thing", "What book did {name} publish in {disc_year}?", "Which book made {last}'s reputation?")
    P.ask("disc_year", "date", "When did {last} publish {book}?", "In what year was {book} published?")
    P.ask("topic", "phrase", "What is {book} about?", "What subject does {book} cover?")
    P.ask("award", "thing", "Which award did {name} receive?", "What prize was {last} given in {award_year}?")
    P.ask("award_year", "date", "When did {name} receive {award}?", "In what year was {last} awarded {award}?")
    P.ask("institute", "organisation", "Which institution did {name} direct?", "What did {last} later become director of?")
    P.ask("years_led", "number", "How long did {name} direct {institute}?", "For how long did {last} lead {institute}?")
    P.ask("death_city", "place", "Where did {name} die?")
    return P


SPORTS = {
    # sport: (scoring unit, club name patterns)
    "football": ("goals", 1875, (4_000, 55_000), ["{c} Rovers", "FC {c}", "{c} Athletic", "{c} United", "Sporting {c}"]),
    "rugby union": ("tries", 1872, (4_000, 35_000), ["{c} Rugby Club", "{c} Harlequins", "{c} Wanderers"]),
    "ice hockey": ("goals", 1895, (2_500, 14_000), ["{c} Wolves", "HC {c}", "{c} Lynx", "{c} Blizzard"]),
    "basketball": ("points", 1905, (2_000, 12_000), ["{c} Giants", "BC {c}", "{c} Hornets"]),
    "handball": ("goals", 1925, (1_500, 9_000), ["HK {c}", "{c} Handball Club", "TV {c}"]),
    "volleyball": ("points", 1930, (1_500, 7_000), ["VC {c}", "{c} Volleyball Club", "{c} Falcons"]),
}
CLUB_FOUNDERS = ["workers from the local railway depot", "students of the town's grammar school",
                 "members of a rowing club", "employees of a textile mill", "a group of schoolteachers",
                 "dock workers", "former soldiers returning from the war"]
COLOURS = ["green and white", "red and black", "blue and yellow", "claret and sky blue", "black and white",
           "orange and navy", "maroon and gold", "white and purple"]
COLOUR_REASONS = ["in honour of the town's coat of arms", "because the first kits were donated by a local factory",
                  "after the colours of the founders' old school", "to match the flag of the province",
                  "because they were the cheapest shirts available at the time"]


def fam_sportclub(rng, reg):
    R = reg.region()
    country, adj = reg.country(R)
    sport = rng.choice(sorted(SPORTS))
    unit, first_year, (cap_lo, cap_hi), patterns = SPORTS[sport]
    city = reg.place(R)
    club = rng.choice(patterns).format(c=city)
    founded = rng.randint(first_year, 1975)
    stadium_year = rng.randint(founded + 5, 2015)
    first_title = rng.randint(founded + 3, 2018)
    coach_from = rng.randint(max(founded + 10, 1950), 2010)
    rival = rng.choice(patterns).format(c=reg.place(R))
    P = Para(rng, "sport_club", club, dict(
        club=club, sport=sport, a_sport=a_an(sport), city=city, country=country, founded=founded, founders=rng.choice(CLUB_FOUNDERS),
        colours=rng.choice(COLOURS), colour_reason=rng.choice(COLOUR_REASONS),
        stadium=rng.choice([f"{reg.surname(R)} Park", f"the {reg.place(R)} Arena", f"the {rng.choice(BRANDS)} Stadium",
                            f"{reg.surname(R)} Road"]) if sport in ("football", "rugby union") else
        rng.choice([f"the {reg.place(R)} Arena", f"the {rng.choice(BRANDS)} Hall", f"{reg.surname(R)} Arena"]),
        stadium_year=stadium_year, capacity=num(round_to(rng.randint(cap_lo, cap_hi), 100)),
        titles=small(rng.randint(2, 19), rng), first_title=first_title, coach=reg.person(R, "m")[0],
        coach_from=coach_from, coach_to=coach_from + rng.randint(3, 14), scorer=reg.person(R, "m")[0],
        tally=num(rng.randint(90, 420) * (10 if unit == "points" else 1)), unit=unit,
        apps=rng.randint(180, 640), rival=rival,
        derby=rng.choice(["the River Derby", "the Valley Derby", "the Old Derby", "the Lighthouse Derby",
                          "the Miners' Derby", "the Cathedral Derby"]),
    ))
    P.say("{club} is a professional {sport} club based in {city}, {country}.",
          "{club} is {a_sport} club from {city} in {country}.",
          "Based in the city of {city}, {club} is one of the best-known {sport} clubs in {country}.")
    P.say("The club was founded in {founded} by {founders} and adopted its {colours} colours {colour_reason}.",
          "It was formed in {founded} by {founders}, who chose {colours} as the club colours {colour_reason}.",
          "{founders} founded the club in {founded}.")
    P.say("Since {stadium_year}, the team has played its home matches at {stadium}, which holds {capacity} spectators.",
          "Its home ground is {stadium}, opened in {stadium_year} with room for {capacity} spectators.", p=0.85)
    P.say("{club} has won the national championship {titles} times, the first of them in {first_title}.",
          "The club won its first national title in {first_title} and has since been champion {titles} times in total.",
          p=0.8)
    P.say("Its most successful coach was {coach}, who led the side from {coach_from} to {coach_to}.",
          "The club's most successful period came under coach {coach} between {coach_from} and {coach_to}.", p=0.55)
    P.say("The club's record scorer is {scorer}, with {tally} {unit} in {apps} appearances.",
          "{scorer} holds the club scoring record with {tally} {unit}.", p=0.5)
    P.say("Matches against the neighbouring club {rival} are known locally as {derby}.", p=0.4)

    P.ask("founded", "date", "When was {club} founded?", "In what year was {club} formed?")
    P.ask("founders", "person", "Who founded {club}?", "Who formed {club} in {founded}?")
    P.ask("city", "place", "Where is {club} based?", "In which city does {club} play?")
    P.ask("colour_reason", "phrase", "Why did {club} adopt {colours} as its colours?", "Why does {club} play in {colours}?")
    P.ask("colours", "thing", "What are the colours of {club}?")
    P.ask("stadium", "place", "Where does {club} play its home matches?", "What is the home ground of {club}?")
    P.ask("capacity", "number", "How many spectators does {stadium} hold?", "What is the capacity of {stadium}?")
    P.ask("stadium_year", "date", "Since when has {club} played at {stadium}?", "When did {stadium} open?")
    P.ask("titles", "number", "How many national championships has {club} won?", "How many times has {club} been national champion?")
    P.ask("first_title", "date", "When did {club} win its first national title?", "In what year did {club} first become champion?")
    P.ask("coach", "person", "Who was the most successful coach of {club}?", "Which coach led {club} from {coach_from} to {coach_to}?")
    P.ask("scorer", "person", "Who is the record scorer of {club}?", "Who holds {club}'s scoring record?")
    P.ask("tally", "number", "How many {unit} did {scorer} score for {club}?")
    P.ask("apps", "number", "How many appearances did {scorer} make?")
    P.ask("derby", "thing", "What are matches between {club} and {rival} called?")
    P.ask("rival", "organisation", "Which club is the local rival of {club}?")
    return P


SNOWY = {"Norway", "Sweden", "Germany", "Austria", "Switzerland", "Canada", "Japan", "Poland",
         "the Czech Republic", "Slovenia", "the United States", "Italy", "France"}
RACES = [
    # kind, noun pattern, distance range (km), description, record format, participants, allowed countries
    ("marathon", "the {c} Marathon", (42, 42), "running race", "h", (800, 38_000), None),
    ("cycling race", "the Tour of {c}", (600, 2100), "stage race for professional cyclists", "h", (90, 200), None),
    ("rowing regatta", "the {c} Regatta", (2, 8), "rowing regatta", "m", (300, 4_000), None),
    ("cross-country ski race", "the {c} Ski Classic", (30, 90), "cross-country ski race", "h", (500, 15_000), SNOWY),
    ("sled dog race", "the {c} Trail", (300, 1100), "long-distance sled dog race", "d", (20, 90),
     {"Norway", "Sweden", "Canada", "the United States"}),
    ("swimming race", "the {c} Lake Swim", (3, 25), "open-water swimming race", "h", (150, 3_000), None),
]
RACE_ORGANISER_REASONS = ["to raise money for the town hospital", "to attract visitors in the quiet season",
                          "to celebrate the opening of a new road", "to promote amateur sport among young people",
                          "to mark the centenary of the town charter"]


def fam_race(rng, reg):
    kind, pattern, (dlo, dhi), desc, rfmt, (plo, phi), allowed = rng.choice(RACES)
    R, (country, adj) = reg.region_with(lambda c: allowed is None or c in allowed, exclude=("india", "africa"))
    city = reg.place(R)
    event = pattern.format(c=city)
    first = rng.randint(1890, 1990)
    km = 42.195 if kind == "marathon" else rng.randint(dlo, dhi)
    distance = "42.195 kilometres" if kind == "marathon" else f"{num(km)} kilometres"
    speed = {"marathon": (19.5, 20.5), "cycling race": (38, 44), "rowing regatta": (18, 22),
             "cross-country ski race": (18, 25), "sled dog race": (6, 9), "swimming race": (4, 5.2)}[kind]
    holder, _, holder_g = reg.person(R)
    slow = 1.1 if holder_g == "f" else 1.0
    minutes = int(km / rng.uniform(*speed) * 60 * slow)
    if rfmt == "m":
        secs = int(km / rng.uniform(*speed) * 3600 * slow)
        record = f"{secs // 60} minutes {secs % 60} seconds"
    elif rfmt == "d":
        record = f"{minutes // 1440} days {minutes % 1440 // 60} hours"
    elif minutes < 60:
        record = f"{minutes} minutes"
    else:
        h = minutes // 60
        record = f"{h} hour{'s' if h > 1 else ''} {minutes % 60} minutes"
    if rng.random() < 0.35:
        organiser = f"the {city} {rng.choice(['Herald', 'Gazette', 'Courier', 'Post'])}"
        org_reason = rng.choice(["to increase the newspaper's circulation", "to give its readers something to cheer for"])
    else:
        organiser = rng.choice([f"the {city} {rng.choice(['Athletic', 'Sports', 'Touring'])} Club",
                                f"the {reg.surname(R)} family", f"the town council of {city}"])
        org_reason = rng.choice(RACE_ORGANISER_REASONS)
    month = rng.choice(MONTHS[:3] + MONTHS[-1:]) if kind in ("cross-country ski race", "sled dog race") else (
        rng.choice(MONTHS[5:8]) if kind == "swimming race" else rng.choice(MONTHS[3:10]))
    P = Para(rng, "race", event[4:] if event.startswith("the ") else event, dict(
        event=event, kind=kind, desc=desc, city=city, country=country, month=month, first=first,
        organiser=organiser, org_reason=org_reason, distance=distance, start=reg.place(R),
        finish=rng.choice([f"the {city} town square", f"the main square of {city}", f"{city} castle",
                           f"the old bridge in {city}"]),
        record=record, holder=holder, record_year=rng.randint(max(first + 5, 1980), 2022),
        participants=num(round_to(rng.randint(plo, phi), 10)),
        trophy=f"the {reg.surname(R)} {rng.choice(['Cup', 'Trophy', 'Shield', 'Bowl'])}",
        trophy_year=first + rng.randint(0, 40),
    ))
    P.say("{event} is an annual {desc} held every {month} in and around {city}, {country}.",
          "Held each {month}, {event} is a {desc} in {country}.",
          "{event} is {country}'s best-known {kind}, held every year in {month}.")
    P.say("It was first organised in {first} by {organiser}, which wanted {org_reason}.",
          "The first edition took place in {first}; it was organised by {organiser} {org_reason}.",
          "{organiser} founded the event in {first} {org_reason}.")
    P.say("The course covers {distance}, starting in {start} and finishing at {finish}.",
          "Competitors cover {distance} between {start} and {finish}.", p=0.8)
    P.say("The course record of {record} was set by {holder} in {record_year}.",
          "{holder} holds the course record, {record}, set in {record_year}.", p=0.75)
    P.say("In recent years the event has attracted more than {participants} participants.",
          "Around {participants} competitors now take part each year.", p=0.6)
    P.say("The winner receives {trophy}, first presented in {trophy_year}.", p=0.45)

    P.ask("first", "date", "When was {event} first held?", "In what year did {event} begin?",
          "When did the first edition of {event} take place?")
    P.ask("organiser", "organisation", "Who organised the first edition of {event}?", "Who founded {event}?")
    P.ask("org_reason", "phrase", "Why was {event} founded?", "Why did {organiser} start {event}?")
    P.ask("month", "date", "In which month is {event} held?", "When does {event} take place each year?")
    P.ask("distance", "number", "How long is the course of {event}?", "What distance do competitors cover in {event}?")
    P.ask("start", "place", "Where does {event} start?", "Where does the course of {event} begin?")
    P.ask("finish", "place", "Where does {event} finish?")
    P.ask("record", "number", "What is the course record of {event}?", "What time did {holder} set in {record_year}?")
    P.ask("holder", "person", "Who holds the course record of {event}?", "Who set the record time of {record}?")
    P.ask("record_year", "date", "When was the course record of {event} set?")
    P.ask("participants", "number", "How many people take part in {event}?", "How many participants does {event} attract?")
    P.ask("trophy", "thing", "What does the winner of {event} receive?", "What is the trophy of {event} called?")
    P.ask("trophy_year", "date", "When was {trophy} first presented?")
    P.ask("country", "place", "In which country is {event} held?")
    return P


ANIMALS = [
    # group, [(noun, length unit, min, max, weight grams min, max)], habitats, [(diet, how it gets it)]
    ("bird", [("warbler", "cm", 10, 15, 8, 20), ("finch", "cm", 11, 18, 15, 40), ("kingfisher", "cm", 12, 30, 20, 200),
              ("owl", "cm", 18, 45, 90, 900), ("sunbird", "cm", 9, 14, 5, 15), ("parrot", "cm", 20, 40, 100, 600)],
     ["the cloud forests", "the mangrove swamps", "the pine forests of the high plateau", "the reed beds"],
     [("insects and spiders", "finds", "by probing the bark of trees with its thin bill"),
      ("small fish and tadpoles", "catches", "by diving from a low perch"),
      ("seeds and berries", "gathers", "by foraging in small flocks at the forest edge"),
      ("beetles and moths", "catches", "by swooping from a high branch at dusk")]),
    ("mammal", [("shrew", "cm", 5, 9, 4, 15), ("marmot", "cm", 45, 65, 3000, 7000), ("bat", "cm", 4, 9, 5, 30),
                ("otter", "cm", 55, 90, 3500, 9000), ("dormouse", "cm", 7, 16, 20, 150),
                ("mongoose", "cm", 25, 50, 400, 3000)],
     ["the limestone hills", "the high alpine meadows", "the river valleys", "the coastal dunes"],
     [("earthworms and beetle larvae", "digs up", "with its strong front claws"),
      ("insects", "locates", "by listening for their movements at night"),
      ("fish and crayfish", "catches", "by diving along the riverbanks at dusk"),
      ("grass seeds and roots", "collects", "by foraging close to its burrow")]),
    ("lizard", [("gecko", "cm", 6, 20, 3, 80), ("skink", "cm", 8, 30, 5, 300), ("monitor", "cm", 60, 130, 1500, 8000),
                ("iguana", "cm", 40, 110, 800, 5000)],
     ["the rocky islands", "the dry scrubland", "the lowland rainforests"],
     [("beetles and crickets", "catches", "by ambushing them from crevices in the rocks"),
      ("snails", "eats", "by crushing their shells with its broad, flat teeth"),
      ("insects and small lizards", "tracks", "by flicking its forked tongue")]),
    ("frog", [("tree frog", "mm", 20, 60, 2, 20), ("toad", "mm", 40, 110, 20, 250), ("glass frog", "mm", 18, 30, 1, 5)],
     ["the mountain streams", "the flooded forests", "the cloud forests"],
     [("ants and small beetles", "catches", "with a rapid flick of its sticky tongue"),
      ("flies and mosquitoes", "catches", "by waiting motionless at the edge of the water")]),
    ("fish", [("killifish", "cm", 3, 8, 1, 10), ("char", "cm", 25, 60, 300, 3000), ("goby", "cm", 3, 12, 1, 30),
              ("catfish", "cm", 10, 45, 20, 1500), ("pupfish", "cm", 2, 6, 1, 5)],
     ["the spring-fed lakes", "the limestone caves", "the fast-flowing mountain rivers"],
     [("insect larvae", "finds", "by sifting through the gravel of the riverbed"),
      ("small shrimp", "detects", "with its sensitive barbels")]),
]
GENERA = {"warbler": "Phylloscopus", "finch": "Carduelis", "kingfisher": "Alcedo", "owl": "Otus",
          "sunbird": "Cinnyris", "parrot": "Pyrrhura", "shrew": "Crocidura", "marmot": "Marmota", "bat": "Myotis",
          "otter": "Lutra", "dormouse": "Dryomys", "mongoose": "Herpestes", "gecko": "Hemidactylus",
          "skink": "Trachylepis", "monitor": "Varanus", "iguana": "Cyclura", "tree frog": "Hyla", "toad": "Bufo",
          "glass frog": "Hyalinobatrachium", "killifish": "Aphyosemion", "char": "Salvelinus", "goby": "Gobius",
          "catfish": "Pimelodus", "pupfish": "Cyprinodon"}
ANIMAL_ADJS = ["amber-throated", "copper-tailed", "pale-winged", "ash-backed", "saffron-bellied", "blue-spotted",
               "moss-green", "rust-collared", "pearl-eyed", "silver-striped", "dusky-banded", "long-toed"]
THREATS = ["forest clearance for farmland", "the drainage of wetlands", "invasive predators such as rats",
           "pollution from nearby mines", "the construction of dams", "climate change"]


def fam_animal(rng, reg):
    R = reg.region()
    country, adj = reg.country(R)
    group, nouns, habitats, diets = rng.choice(ANIMALS)
    noun, lunit, llo, lhi, wlo, whi = rng.choice(nouns)
    naturalist, nlast, _ = reg.person(R)
    style = rng.randint(0, 2)
    if style == 0:
        common = reg.unique(lambda: f"{nlast}'s {noun}")
        animal = common
    elif style == 1:
        common = reg.unique(lambda: f"{reg.stem(R).capitalize()} {noun}")
        animal = "the " + common
    else:
        common = reg.unique(lambda: f"{rng.choice(ANIMAL_ADJS)} {noun}")
        animal = "the " + common
    genus = GENERA[noun]
    ascii_last = unicodedata.normalize("NFKD", nlast).encode("ascii", "ignore").decode().lower().replace(" ", "")
    epithet = ascii_last + ("i" if ascii_last[-1] not in "aeiou" else "e")
    frac = rng.random()
    length = int(llo + frac * (lhi - llo))
    weight = max(1, int(wlo + (frac ** 2) * (whi - wlo) * rng.uniform(0.85, 1.15)))
    wtxt = f"{weight / 1000:.1f} kilograms" if weight >= 1000 else (f"{weight} grams" if weight > 1 else "1 gram")
    diet, verb, how = rng.choice(diets)
    P = Para(rng, "animal", common[0].upper() + common[1:], dict(
        animal=animal, common=common, group=group, groups="fish" if group == "fish" else group + "s", habitat=f"{rng.choice(habitats)} of {in_part(rng.choice(PARTS), country)}",
        country=country, length=f"{length} {'centimetres' if lunit == 'cm' else 'millimetres'}", weight=wtxt,
        diet=diet, verb=verb, how=how, naturalist=naturalist,
        desc_year=rng.randint(1780, 1990), sci=f"{genus} {epithet}", lifespan=f"{rng.randint(2, 6) if weight < 100 else rng.randint(6, 22)} years",
        threat=rng.choice(THREATS), population=num(round_to(rng.randint(250, 40_000), 50)), noun=noun,
        status=rng.choice(["endangered", "vulnerable", "critically endangered", "near threatened"]),
        clutch={"bird": lambda: small(rng.randint(2, 6), rng), "lizard": lambda: small(rng.randint(2, 12), rng),
                "frog": lambda: f"{rng.randint(3, 60) * 10}", "fish": lambda: num(rng.randint(5, 150) * 10),
                "mammal": lambda: "0"}[group](), season=rng.choice(["spring", "the rainy season", "late summer", "early winter"]),
    ))
    P.say("{animal} ({sci}) is a {group} found mainly in {habitat}.",
          "{animal} is a species of {group} native to {habitat}.",
          "Found only in {habitat}, {animal} is one of the region's rarest {groups}.")
    P.say("Adults measure about {length} in length and weigh around {weight}.",
          "It grows to about {length} long and weighs up to {weight}.", p=0.85)
    P.say("It feeds mainly on {diet}, which it {verb} {how}.",
          "Its diet consists largely of {diet}, which it {verb} {how}.", p=0.9)
    P.say("The species was first described in {desc_year} by the naturalist {naturalist}.",
          "{naturalist} gave the species its scientific name in {desc_year}.", p=0.75)
    if group == "mammal":
        P.say("In the wild it can live for up to {lifespan}.", p=0.6)
    else:
        P.say("Females lay {clutch} eggs during {season}, and individuals can live for up to {lifespan} in the wild.",
              "In the wild it can live for up to {lifespan}.", p=0.6)
    P.say("Because its habitat is threatened by {threat}, fewer than {population} individuals are thought to remain, and it is classed as {status}.",
          "It is listed as {status}, mainly because of {threat}; the total population is estimated at {population}.", p=0.7)

    P.ask("habitat", "place", "Where is {animal} found?", "Where does {animal} live?", "What is the habitat of {animal}?")
    P.ask("sci", "thing", "What is the scientific name of {animal}?")
    P.ask("length", "number", "How long is {animal}?", "How long do adults of this species grow?")
    P.ask("weight", "number", "How much does {animal} weigh?", "What is the weight of an adult {noun} of this species?")
    P.ask("diet", "phrase", "What does {animal} eat?", "What does {animal} feed on?")
    P.ask("how", "phrase", "How does {animal} obtain its food?", "How does {animal} get the {diet} it eats?")
    P.ask("naturalist", "person", "Who first described {animal}?", "Who gave {animal} its scientific name?")
    P.ask("desc_year", "date", "When was {animal} first described?", "In what year did {naturalist} describe {animal}?")
    P.ask("lifespan", "number", "How long can {animal} live in the wild?", "What is the lifespan of {animal}?")
    P.ask("clutch", "number", "How many eggs does a female {common} lay?")
    P.ask("threat", "phrase", "What threatens the habitat of {animal}?", "Why is {animal} {status}?")
    P.ask("population", "number", "How many individuals of {animal} are thought to remain?",
          "What is the estimated population of {animal}?")
    P.ask("status", "phrase", "What is the conservation status of {animal}?")
    P.ask("group", "phrase", "What kind of animal is {animal}?")
    return P


TARGETS = [
    # body, short name, discoveries, arrival verb
    ("Mars", "Mars", (6, 11), ["evidence of ancient river deltas near the equator", "seasonal methane releases from the northern plains",
                      "layers of ice buried beneath the dust of the mid-latitudes"], "entered orbit around"),
    ("Venus", "Venus", (4, 7), ["signs of recent lava flows on its volcanoes", "lightning in the thick cloud layers",
                        "a slow wave travelling through the upper atmosphere"], "entered orbit around"),
    ("the Moon", "the Moon", (1, 4), ["water ice in permanently shadowed craters near the south pole",
                              "a thin layer of glass beads from ancient eruptions"], "entered orbit around"),
    ("Jupiter's moon Europa", "Europa", (60, 96), ["plumes of water vapour rising from cracks in the ice",
                                         "salts on the surface that probably came from the ocean below"], "reached"),
    ("Saturn's moon Titan", "Titan", (70, 96), ["seasonal changes in the level of its methane lakes",
                                      "dunes of organic sand near the equator"], "reached"),
    ("the comet {x}", "the comet", (20, 120), ["organic molecules in the dust surrounding the nucleus",
                                    "that the nucleus was shaped like a peanut"], "rendezvoused with"),
    ("the asteroid {x}", "the asteroid", (14, 60), ["that the asteroid was a loose pile of rubble",
                                          "grains of clay that had once been altered by water"], "arrived at"),
    ("Mercury", "Mercury", (60, 84), ["ice deposits inside craters at the north pole", "an unusually large iron core"],
     "entered orbit around"),
]
AGENCIES = ["the Nordic Space Agency", "the Pacific Space Consortium", "the Continental Space Office",
            "the Southern Hemisphere Space Agency", "the Atlantic Space Research Organisation",
            "the Alpine Space Institute", "the Equatorial Space Authority"]
END_REASONS = ["its fuel ran out", "contact was lost during a solar storm", "its solar panels became covered in dust",
               "controllers deliberately crashed it into the surface", "its main computer failed",
               "the radio transmitter stopped working"]


def fam_space(rng, reg):
    R = reg.region()
    body, short, (clo, chi), discoveries, verb = rng.choice(TARGETS)
    if "{x}" in body:
        x = reg.place(R)
        body = body.format(x=x)
        short = body
    mission = reg.unique(lambda: rng.choice(MODELS + BRANDS) + rng.choice(["", " 1", " 2", "-A", " Explorer", " Pathfinder"]))
    launch_year = rng.randint(1974, 2019)
    cruise_months = rng.randint(clo, chi)
    arrival = launch_year + max(1, cruise_months // 12)
    mass = rng.randint(350, 5200)
    rocket = f"{rng.choice(MODELS)}-{rng.randint(2, 7)}"
    cost = rng.randint(18, 290) * 10
    end_year = min(arrival + rng.randint(1, 12), 2023)
    P = Para(rng, "space", mission, dict(
        mission=mission, agency=rng.choice(AGENCIES), body=body, short=short,
        date=date_str(rng, launch_year, rng.randint(0, 1)), rocket=rocket, art_rocket=a_an(rocket).split()[0],
        site=f"the {reg.place(R)} Launch Centre", cruise=f"{cruise_months} months", verb=verb, arrival=arrival,
        mass_plain=f"{num(mass)} kilograms", instruments=small(rng.randint(4, 14), rng),
        builder=rng.choice([f"the University of {reg.place(R)}", f"{reg.place(R)} Aerospace", f"the {reg.place(R)} Observatory"]),
        discovery=rng.choice(discoveries), end_year=end_year, end_reason=rng.choice(END_REASONS),
        lead=reg.person(R)[0], cost=(f"{cost} million dollars" if cost < 1000 else f"{cost / 1000:.1f} billion dollars"),
    ))
    P.say("{mission} was a robotic space probe launched by {agency} to study {body}.",
          "{mission} was an uncrewed mission to {body} operated by {agency}.",
          "Built by {agency}, {mission} was a spacecraft designed to explore {body}.")
    P.say("It lifted off on {date} aboard {art_rocket} {rocket} rocket from {site}.",
          "The probe was launched on {date} on {art_rocket} {rocket} rocket from {site}.")
    P.say("After a cruise of {cruise}, the spacecraft {verb} {short} in {arrival}.",
          "It {verb} {short} in {arrival}, after a journey of {cruise}.", p=0.85)
    P.say("The probe, which weighed {mass_plain}, carried {instruments} scientific instruments, including a camera built by {builder}.",
          "The spacecraft weighed about {mass_plain} at launch and carried {instruments} instruments.",
          p=0.6)
    P.say("Its most important discovery was {discovery}.",
          "Among its main results was finding {discovery}.",
          "Scientists consider its most significant finding to be {discovery}.")
    if end_year > arrival:
        P.say("The mission ended in {end_year} when {end_reason}.",
              "Operations ended in {end_year}, after {end_reason}.", p=0.7)
    P.say("The science team was led by {lead}, and the mission cost about {cost}.", p=0.35)

    P.ask("agency", "organisation", "Which agency launched {mission}?", "Who operated {mission}?")
    P.ask("body", "place", "What did {mission} study?", "Which body was {mission} sent to explore?")
    P.ask("date", "date", "When was {mission} launched?", "On what date did {mission} lift off?")
    P.ask("rocket", "thing", "Which rocket launched {mission}?", "What rocket carried {mission} into space?")
    P.ask("site", "place", "Where was {mission} launched from?", "From which launch site did {mission} lift off?")
    P.ask("cruise", "number", "How long did {mission} take to reach {short}?", "How long was the cruise of {mission}?")
    P.ask("arrival", "date", "When did {mission} reach {short}?", "In what year did {mission} arrive at its target?")
    P.ask("mass_plain", "number", "How much did {mission} weigh?", "How heavy was {mission}?",
          "What was the mass of {mission}?")
    P.ask("instruments", "number", "How many scientific instruments did {mission} carry?")
    P.ask("builder", "organisation", "Who built the camera on {mission}?")
    P.ask("discovery", "phrase", "What was the most important discovery of {mission}?", "What did {mission} find?")
    P.ask("end_year", "date", "When did the {mission} mission end?", "In what year did {mission} stop operating?")
    P.ask("end_reason", "phrase", "Why did the {mission} mission end?", "What caused the end of {mission}?")
    P.ask("lead", "person", "Who led the science team of {mission}?")
    P.ask("cost", "number", "How much did {mission} cost?")
    return P


ROUTES = ["by the north-east ridge", "via the south face", "along the western glacier", "by the long east ridge",
          "through the steep central couloir", "up the rocky north-west buttress"]


def fam_mountain(rng, reg):
    R, (country, adj) = reg.region_with(lambda c: c in MAX_HEIGHT)
    stem = reg.place(R)
    top = MAX_HEIGHT[country]
    height_m = rng.randint(int(top * 0.45), int(top * 0.93))
    peak = rng.choice([f"Mount {stem}", f"{stem} Peak", f"the {stem}horn" if R.key == "germanic" else f"Mount {stem}",
                       f"Pico {stem}" if R.key == "iberian" else f"{stem} Peak"])
    title = peak[4:] if peak.startswith("the ") else peak
    survey = rng.randint(1780, 1900)
    ascent = rng.randint(survey + 2, 1965)
    c1, c2 = reg.person(R)[0], reg.person(R)[0]
    P = Para(rng, "mountain", title, dict(
        peak=peak, country=country, height=f"{num(height_m)} metres", height_adj=f"{num(height_m)}-metre",
        range=f"the {reg.place(R)} {rng.choice(['Range', 'Mountains', 'Alps', 'Massif'])}", namesake=reg.person(R, "m")[0],
        survey=survey, date=date_str(rng, ascent, rng.randint(0, 1)), ascent=ascent, climber1=c1, climber2=c2,
        route=rng.choice(ROUTES), glacier=f"the {reg.place(R)} Glacier", loss=f"{rng.randint(12, 65)} per cent",
        loss_year=rng.choice([1850, 1900, 1950, 1970]), hut=f"the {reg.surname(R)} Hut",
        hut_alt=f"{num(int(height_m * rng.uniform(0.45, 0.7)))} metres", hut_year=rng.randint(ascent + 1, 1990),
        days=f"{small(rng.randint(2, 5), rng)} days" if height_m > 3000 else f"{small(rng.randint(4, 9), rng)} hours",
        pc=in_part(rng.choice(PARTS), country),
    ))
    named = "Mount" in peak or "Pico" in peak
    P.say("{peak} is a {height_adj} mountain in {range}, in {pc}.",
          "Rising to {height}, {peak} is the highest summit of {range} in {country}.",
          "{peak}, at {height}, is one of the most prominent peaks of {range} in {pc}.")
    if named:
        P.say("It was named after {namesake}, a surveyor who mapped the area in {survey}.",
              "The mountain takes its name from {namesake}, who led the survey of the region in {survey}.", p=0.6)
    P.say("The first recorded ascent was made on {date} by {climber1} and {climber2}, who climbed {route}.",
          "{climber1} and {climber2} reached the summit for the first time on {date}, climbing {route}.")
    if height_m > 2300:
        P.say("The summit is surrounded by {glacier}, which has lost about {loss} of its area since {loss_year}.",
              "On its northern side lies {glacier}, whose area has shrunk by about {loss} since {loss_year}.", p=0.65)
    P.say("Most climbers today start from {hut}, a mountain hut at {hut_alt} built in {hut_year}.",
          "The usual starting point is {hut}, built in {hut_year} at an altitude of {hut_alt}.", p=0.7)
    P.say("A typical ascent from the hut takes {days}.", p=0.3)

    P.ask("height", "number", "How high is {peak}?", "What is the height of {peak}?")
    P.ask("range", "place", "In which range is {peak}?", "Which mountain range does {peak} belong to?")
    P.ask("namesake", "person", "Who is {peak} named after?", "After whom was {peak} named?")
    P.ask("survey", "date", "When was the area around {peak} first surveyed?", "In what year did {namesake} map the region?")
    P.ask("date", "date", "When was {peak} first climbed?", "On what date was the first ascent of {peak}?")
    P.ask("climber1", "person", "Who made the first ascent of {peak} together with {climber2}?",
          "Who reached the summit of {peak} with {climber2}?")
    P.ask("route", "phrase", "Which route did the first climbers of {peak} take?", "How did {climber1} and {climber2} climb {peak}?")
    P.ask("glacier", "place", "Which glacier surrounds {peak}?", "What glacier lies beside {peak}?")
    P.ask("loss", "number", "How much of its area has {glacier} lost?", "By how much has {glacier} shrunk since {loss_year}?")
    P.ask("hut", "place", "Where do most climbers of {peak} start?", "What is the usual starting point for climbing {peak}?")
    P.ask("hut_alt", "number", "At what altitude is {hut}?")
    P.ask("hut_year", "date", "When was {hut} built?")
    P.ask("days", "number", "How long does a typical ascent of {peak} take?")
    P.ask("country", "place", "In which country is {peak}?")
    return P


STRUCTURES = [
    # kind, profession, size phrase pattern, superlative, materials with reasons
    ("suspension bridge", "engineer", "a main span of {n} metres", "longest bridge span", 180, 1400, (1850, 1985)),
    ("lighthouse", "engineer", "a height of {n} metres", "tallest lighthouse", 25, 70, (1820, 1960)),
    ("opera house", "architect", "{n} seats", "largest theatre", 900, 2800, (1850, 1985)),
    ("railway station", "architect", "{n} platforms", "largest station", 8, 24, (1850, 1960)),
    ("television tower", "engineer", "a height of {n} metres", "tallest structure", 180, 420, (1955, 1990)),
    ("public library", "architect", "space for {n} books", "largest library", 200_000, 3_000_000, (1850, 1990)),
    ("covered market hall", "architect", "a floor area of {n} square metres", "largest covered market", 3000, 22_000,
     (1850, 1935)),
]
MATERIALS = [("granite", "because it could be quarried only a few kilometres away"),
             ("reinforced concrete", "because it was cheaper than steel at the time"),
             ("red brick", "to match the older buildings around it"),
             ("cast iron and glass", "to let as much daylight as possible into the interior"),
             ("local limestone", "because the city council insisted on a local material"),
             ("steel", "so that it could withstand strong winds from the sea")]
DAMAGE = ["a fire", "a severe storm", "a flood", "an earthquake"]


def fam_building(rng, reg):
    R = reg.region()
    country, adj = reg.country(R)
    kind, prof, size_pat, superl, lo, hi, (ylo, yhi) = rng.choice(STRUCTURES)
    city = reg.place(R)
    n = rng.randint(lo, hi)
    n = round_to(n, 1000) if n > 20000 else (round_to(n, 10) if n > 300 else n)
    name = reg.unique(lambda: rng.choice([f"the {city} {kind.title()}", f"the {reg.surname(R)} {kind.title()}",
                                          f"the {rng.choice(BRANDS)} {kind.title()}"]))
    start = rng.randint(ylo, yhi)
    end = start + rng.randint(2, 9)
    material, mreason = rng.choice(MATERIALS)
    if kind == "lighthouse" and material == "cast iron and glass":
        material, mreason = MATERIALS[0]
    architect, alast, _ = reg.person(R)
    damage_year = rng.randint(end + 3, 2015)
    damages = DAMAGE + (["wartime bombing"] if 1939 <= damage_year <= 1945 else [])
    P = Para(rng, "building", name[4:], dict(
        name=name, kind=kind, a_kind=a_an(kind), city=city, country=country, adj=adj, prof=prof, architect=architect, alast=alast,
        start=start, end=end, cost=cost_today(rng, country),
        size=size_pat.format(n=num(n)), superl=superl, material=material, mreason=mreason,
        visitors=num(round_to(rng.randint(40_000, 2_400_000), 1000)), damage=rng.choice(damages),
        damage_year=damage_year, restore=f"{small(rng.randint(2, 9), rng)} years",
        competition=small(rng.randint(20, 160), rng) if rng.random() < 0.5 else str(rng.randint(20, 160)),
    ))
    P.alias["alast"] = "architect"
    P.say("{name} is {a_kind} in {city}, {country}, designed by the {adj} {prof} {architect}.",
          "Designed by {architect}, {name} is {a_kind} in the city of {city}.",
          "{name} in {city} is {a_kind} built to plans by the {prof} {architect}.")
    P.say("{alast}'s design was chosen from {competition} entries in a public competition.", p=0.35)
    P.say("Construction began in {start} and was completed in {end}, at a cost equivalent to about {cost} today.",
          "Work started in {start}, and the {kind} opened in {end}.",
          "It was built between {start} and {end}; in today's money it cost about {cost}.")
    P.say("With {size}, it was the {superl} in {country} when it opened.",
          "When it was completed it had {size}, making it the {superl} in the country.", p=0.7)
    P.say("The structure is built mainly of {material}, chosen {mreason}.",
          "{alast} used {material} {mreason}.", p=0.75)
    P.say("In {damage_year} it was badly damaged by {damage}, and restoration took {restore}.",
          "After {damage} in {damage_year}, the building was closed for repairs for {restore}.", p=0.5)
    P.say("Today it receives around {visitors} visitors a year.", p=0.5)

    P.ask("architect", "person", "Who designed {name}?", "Which {prof} designed {name}?", "Who drew up the plans for {name}?")
    P.ask("city", "place", "In which city is {name}?", "Where is {name} located?")
    P.ask("start", "date", "When did construction of {name} begin?", "In what year did work on {name} start?")
    P.ask("end", "date", "When was {name} completed?", "In what year did {name} open?")
    P.ask("cost", "number", "How much did {name} cost to build?", "What was the cost of {name}?")
    P.ask("size", "number", "How big was {name} when it opened?", "What made {name} the {superl} in {country}?")
    P.ask("material", "thing", "What is {name} built of?", "Which material was mainly used for {name}?")
    P.ask("mreason", "phrase", "Why was {material} chosen for {name}?", "Why did {alast} use {material}?")
    P.ask("damage", "phrase", "What damaged {name} in {damage_year}?")
    P.ask("damage_year", "date", "When was {name} badly damaged?", "In what year was {name} damaged by {damage}?")
    P.ask("restore", "number", "How long did the restoration of {name} take?")
    P.ask("visitors", "number", "How many people visit {name} each year?")
    P.ask("competition", "number", "How many entries were submitted in the competition to design {name}?")
    return P


ISLAND_ECON_OLD = ["whaling", "the export of salted cod", "sheep farming", "the harvesting of seaweed",
                   "the quarrying of slate", "growing tobacco", "the production of sea salt"]
ISLAND_ECON_NEW = ["tourism", "offshore wind energy", "fish farming", "the ferry and shipping trade", "ecotourism"]
BIRDS = ["puffins", "gannets", "black-browed albatrosses", "kittiwakes", "storm petrels", "razorbills", "frigatebirds"]


def fam_island(rng, reg):
    R, (country, adj) = reg.region_with(lambda c: c not in LANDLOCKED)
    island = reg.place(R)
    settle = rng.randint(700, 1750)
    P = Para(rng, "island", island, dict(
        island=island, country=country, sea=rng.choice([f"the {reg.place(R)} Sea", f"the Gulf of {reg.place(R)}",
                                                          f"the {reg.place(R)} Strait", f"{reg.place(R)} Bay"]),
        distance=f"{rng.randint(6, 240)} kilometres", area=f"{num(rng.randint(8, 1900))} square kilometres",
        population=num(round_to(rng.randint(300, 85_000), 10)), town=reg.place(R),
        settlers=rng.choice(["fishermen from the mainland", "Norse farmers", "monks seeking solitude",
                             "families from the neighbouring islands", "shipwrecked sailors", "tin miners"]),
        settle=settle, old=rng.choice(ISLAND_ECON_OLD), new=rng.choice(ISLAND_ECON_NEW),
        birds=num(round_to(rng.randint(2_000, 250_000), 500)), bird=rng.choice(BIRDS), port=reg.place(R),
        ferry=rng.choice(["40 minutes", "an hour", "two hours", "three and a half hours", "90 minutes", "five hours"]),
        lighthouse_year=rng.randint(max(settle + 50, 1790), 1930), pc=in_part(rng.choice(PARTS), country),
        highest=f"{num(rng.randint(40, 1400))} metres",
    ))
    P.say("{island} is an island in {sea}, about {distance} off the coast of {country}.",
          "Located in {sea}, {island} lies roughly {distance} from the mainland of {country}.",
          "{island} is an island of {country} in {sea}, some {distance} offshore.")
    P.say("It covers {area} and has a population of about {population}, most of whom live in the main town, {town}.",
          "The island has an area of {area}; its {population} inhabitants live mostly in and around {town}.",
          "About {population} people live on the island, which covers {area}.", p=0.9)
    P.say("The island was first settled in {settle} by {settlers}.",
          "According to local records, {settlers} were the first to settle there, in {settle}.", p=0.8)
    P.say("For centuries its economy depended on {old}, but today {new} is more important.",
          "The traditional mainstay of the economy was {old}; in recent decades it has been replaced by {new}.", p=0.8)
    P.say("The cliffs on its western side host a colony of about {birds} breeding pairs of {bird}.",
          "Its sea cliffs are home to some {birds} breeding pairs of {bird}.", p=0.5)
    P.say("A ferry connects {town} with {port} on the mainland, a crossing of about {ferry}.",
          "The crossing from {port} on the mainland takes around {ferry} by ferry.", p=0.6)
    P.say("The highest point of the island rises to {highest}, and a lighthouse was built there in {lighthouse_year}.", p=0.3)

    P.ask("sea", "place", "In which body of water is {island}?", "Where is {island} located?")
    P.ask("distance", "number", "How far is {island} from the mainland?", "How far off the coast is {island}?")
    P.ask("area", "number", "How large is {island}?", "What is the area of {island}?")
    P.ask("population", "number", "How many people live on {island}?", "What is the population of {island}?")
    P.ask("town", "place", "What is the main town of {island}?", "Where do most inhabitants of {island} live?")
    P.ask("settle", "date", "When was {island} first settled?", "In what year did the first settlers arrive on {island}?")
    P.ask("settlers", "person", "Who first settled {island}?", "Who were the first inhabitants of {island}?")
    P.ask("old", "phrase", "What did the economy of {island} traditionally depend on?", "What was the traditional mainstay of {island}'s economy?")
    P.ask("new", "phrase", "What is the most important part of {island}'s economy today?", "What has replaced {old} on {island}?")
    P.ask("bird", "thing", "Which seabirds breed on {island}?", "What kind of birds nest on the cliffs of {island}?")
    P.ask("birds", "number", "How many pairs of {bird} breed on {island}?")
    P.ask("port", "place", "Which mainland port has a ferry to {island}?", "Where does the ferry to {island} leave from?")
    P.ask("ferry", "number", "How long is the ferry crossing to {island}?", "How long does it take to reach {island} by ferry?")
    P.ask("highest", "number", "How high is the highest point of {island}?")
    P.ask("lighthouse_year", "date", "When was the lighthouse on {island} built?")
    return P


ARTS = [
    # profession, work kind, work verb, works word, movements, venue words, qualities
    ("painter", "painting", "completed", "paintings", [("the Romantic movement", 1770, 1830), ("the plein-air school", 1820, 1870),
                                                       ("the Symbolist movement", 1840, 1875), ("early modernism", 1860, 1900),
                                                       ("abstract painting", 1880, 1950), ("the new figurative painting", 1900, 1950)],
     ["National Gallery", "Museum of Fine Arts", "Art Museum"],
     ["its luminous treatment of winter light", "its bold, flat areas of colour", "its quiet scenes of working life"]),
    ("composer", "symphony", "premiered", "works", [("late Romanticism", 1820, 1880), ("the national school", 1810, 1880),
                                                    ("neoclassicism", 1870, 1920), ("early minimalism", 1920, 1950)],
     ["Music Archive", "Conservatory Library", "State Library"],
     ["its use of folk melodies", "its dense, dramatic orchestration", "its slowly shifting harmonies"]),
    ("novelist", "novel", "published", "books", [("the regional novel", 1800, 1900), ("social realism", 1820, 1920),
                                                 ("the modernist movement", 1870, 1920), ("the postwar avant-garde", 1910, 1950)],
     ["City Library", "Literary Archive", "National Library"],
     ["its sharp portraits of small-town life", "its experiments with time and memory", "its dry humour"]),
    ("sculptor", "sculpture", "unveiled", "sculptures", [("neoclassicism", 1780, 1830), ("the Art Nouveau movement", 1850, 1880),
                                                          ("modernism", 1870, 1930), ("the new realism", 1910, 1950)],
     ["Sculpture Park", "Museum of Modern Art", "Art Museum"],
     ["its smooth, simplified forms", "its expressive use of rough stone", "its monumental scale"]),
    ("photographer", "photographic series", "exhibited", "photographs", [("the pictorialist movement", 1850, 1890),
                                                                          ("documentary photography", 1880, 1950)],
     ["Museum of Photography", "Art Museum"],
     ["its unsentimental record of industrial towns", "its dramatic use of shadow"]),
]
WORK_TITLES = ["The {p} Harbour", "Winter in {p}", "The Lantern Bearers", "Evening Tide", "The Salt Road",
               "Songs of the {p} Valley", "The Glass Orchard", "A House by the River", "The Long Summer",
               "North Light", "The Ferryman's Daughter", "Morning over {p}", "The Iron Garden", "Seven Bridges"]


def fam_artist(rng, reg):
    R = reg.region()
    country, adj = reg.country(R)
    prof, wkind, wverb, wword, movements, venues, qualities = rng.choice(ARTS)
    name, last, g = reg.person(R)
    movement, mlo, mhi = rng.choice(movements)
    born = rng.randint(max(mlo, 1800 if prof != "photographer" else 1820), mhi)
    died = born + rng.randint(45, 92)
    work_year = born + rng.randint(25, 44)
    pron, pos = ("he", "his") if g == "m" else ("she", "her")
    work = rng.choice(WORK_TITLES).format(p=reg.place(R))
    P = Para(rng, "artist", name, dict(
        name=name, last=last, a_adj=a_an(adj), prof=prof, born=born, died=died, movement=movement,
        city=reg.place(R), teacher=reg.person(R)[0], work=work, wkind=wkind, wverb=wverb, work_year=work_year,
        venue=f"the {reg.place(R)} {rng.choice(venues)}", career=f"{rng.randint(25, 60)} years", n_works=num(rng.randint(40, 900)),
        wword=wword, quality=rng.choice(qualities), pron=pron, pos=pos, birthplace=reg.place(R),
        prize=rng.choice(AWARDS), prize_year=work_year + rng.randint(1, 15),
    ))
    P.alias["last"] = "name"
    P.say("{name} ({born}–{died}) was {a_adj} {prof} associated with {movement}.",
          "{name} was {a_adj} {prof} born in {birthplace} in {born}.",
          "The {prof} {name}, born in {born}, was one of the leading figures of {movement}.")
    P.say("{pron} trained in {city} under {teacher} before setting up {pos} own studio.",
          "After studying in {city} with {teacher}, {pron} began to work independently.", p=0.75)
    P.say("{pos} best-known work, {work}, was {wverb} in {work_year}.",
          "{last}'s most famous {wkind}, {work}, was {wverb} in {work_year}.",
          "In {work_year}, {pron} {wverb} {work}, the {wkind} for which {pron} is best remembered.")
    if wkind in ("symphony", "novel"):
        P.say("The original manuscript of {work} is kept at {venue}.",
              "{pos} manuscripts, including that of {work}, are held by {venue}.", p=0.55)
    else:
        P.say("The {wkind} is now in the collection of {venue}.",
              "Today {work} is held by {venue}.", p=0.55)
    P.say("Over a career of {career}, {pron} produced more than {n_works} {wword}.",
          "{last} produced more than {n_works} {wword} in a career lasting {career}.", p=0.6)
    P.say("Critics admired {pos} work for {quality}.",
          "{pos} work is admired above all for {quality}.",
          "Critics have praised {last}'s work for {quality}.", p=0.75)
    P.say("In {prize_year}, {last} received {prize}.", p=0.3)

    P.ask("born", "date", "When was {name} born?", "In what year was {last} born?")
    P.ask("died", "date", "When did {name} die?")
    P.ask("prof", "phrase", "What was {name}'s profession?", "What kind of artist was {name}?")
    P.ask("movement", "phrase", "Which movement is {name} associated with?", "With which movement is {last} linked?")
    P.ask("teacher", "person", "Who taught {name}?", "Under whom did {last} train?")
    P.ask("city", "place", "Where did {name} train?", "In which city did {last} study?")
    P.ask("work", "thing", "What is {name}'s best-known work?", "What is {last}'s most famous {wkind}?")
    P.ask("work_year", "date", "When was {work} {wverb}?", "In what year did {last} complete {work}?")
    P.ask("venue", "organisation", "Where is {work} kept today?", "Which institution holds {work}?")
    P.ask("career", "number", "How long was {name}'s career?", "How long did {last}'s career last?")
    P.ask("n_works", "number", "How many {wword} did {name} produce?")
    P.ask("quality", "phrase", "What did critics admire in {name}'s work?", "Why is {last}'s work admired?")
    P.ask("prize", "thing", "Which prize did {name} receive in {prize_year}?")
    P.ask("birthplace", "place", "Where was {name} born?")
    return P


SUBJECTS = ["law and theology", "medicine and natural philosophy", "mining and metallurgy", "agriculture and forestry",
            "engineering and architecture", "navigation and astronomy", "commerce and languages"]
MOTTOS = ["Light and Learning", "Knowledge Serves the People", "Through Work to Wisdom", "Seek the Truth",
          "Let Reason Guide", "Learning for the Common Good"]
TREASURES = ["a fourteenth-century illuminated gospel book", "the original manuscripts of the city's founding charter",
             "one of the earliest printed atlases", "a collection of medieval star charts",
             "the private letters of its founder", "a rare first edition of the national epic"]


def fam_university(rng, reg):
    R = reg.region()
    country, adj = reg.country(R)
    city = reg.place(R)
    founder, flast, _ = reg.person(R)
    name = reg.unique(lambda: rng.choice([f"the University of {city}", f"the {city} Institute of Technology",
                                          f"{flast} College", f"the {city} School of Mines", f"{flast} University"]))
    earliest = {"africa": 1890, "india": 1840, "newworld": 1780, "japan": 1875}.get(R.key, 1450)
    if "Mines" in name or "Technology" in name:
        earliest = max(earliest, 1760)
    year = rng.randint(earliest, 1975)
    if "Mines" in name:
        subjects = "mining and metallurgy"
    elif "Technology" in name:
        subjects = rng.choice(["engineering and architecture", "chemistry and mechanical engineering"])
    else:
        subjects = rng.choice(SUBJECTS)
    P = Para(rng, "university", name[4:] if name.startswith("the ") else name, dict(
        name=name, city=city, country=country, year=year, founder=founder,
        founder_desc=rng.choice(["the merchant", "the banker", "the industrialist", "the physician", "the shipowner"]),
        first_students=rng.randint(12, 140), first_profs=small(rng.randint(3, 12), rng),
        subjects=subjects, students=num(round_to(rng.randint(2_000, 46_000), 100)),
        faculties=small(rng.randint(3, 12), rng), volumes=num(round_to(rng.randint(150_000, 4_500_000), 10_000)),
        treasure=rng.choice(TREASURES), motto=rng.choice(MOTTOS), alum=reg.person(R)[0],
        alum_desc=rng.choice(["the first woman to sit in the national parliament", "a pioneering heart surgeon",
                              "the founder of the national broadcaster", "a celebrated poet", "a two-time prime minister"]),
        women_year=rng.randint(max(year + 1, 1865), max(year + 1, 1865) + 45), campus=f"{reg.place(R)}",
        campus_year=rng.randint(max(year + 20, 1950), 2015),
    ))
    P.say("{name} is a public university in {city}, {country}, founded in {year} by {founder_desc} {founder}.",
          "Founded in {year} with a bequest from {founder_desc} {founder}, {name} is one of the oldest institutions of higher education in {country}.",
          "{name} was established in {city} in {year}, funded by {founder_desc} {founder}.")
    P.say("It opened with {first_students} students and {first_profs} professors, teaching mainly {subjects}.",
          "In its first year it had only {first_students} students, who studied {subjects}.", p=0.75)
    if year < 1890:
        P.say("Women were first admitted in {women_year}.", p=0.35)
    P.say("Today it enrols about {students} students in {faculties} faculties.",
          "It now has about {students} students, and in {campus_year} most departments moved to a new campus at {campus}.",
          p=0.85)
    P.say("Its library holds more than {volumes} volumes, including {treasure}.",
          "The university library, with over {volumes} volumes, owns {treasure}.", p=0.65)
    P.say("Its motto, \"{motto}\", is carved above the main entrance.",
          "Notable alumni include {alum}, {alum_desc}.", p=0.55)

    P.ask("year", "date", "When was {name} founded?", "In what year was {name} established?")
    P.ask("founder", "person", "Who founded {name}?", "Whose money was used to establish {name}?")
    P.ask("city", "place", "Where is {name}?", "In which city is {name} located?")
    P.ask("first_students", "number", "How many students did {name} have when it opened?",
          "How many students were there in the first year of {name}?")
    P.ask("first_profs", "number", "How many professors did {name} start with?")
    P.ask("subjects", "phrase", "What did students at {name} originally study?", "What was taught at {name} at first?")
    P.ask("women_year", "date", "When were women first admitted to {name}?")
    P.ask("students", "number", "How many students does {name} have today?", "How many students are enrolled at {name}?")
    P.ask("faculties", "number", "How many faculties does {name} have?")
    P.ask("campus", "place", "Where is the new campus of {name}?")
    P.ask("campus_year", "date", "When did most of {name} move to the new campus?")
    P.ask("volumes", "number", "How many volumes does the library of {name} hold?")
    P.ask("treasure", "thing", "What rare item is held in the library of {name}?")
    P.ask("motto", "thing", "What is the motto of {name}?")
    P.ask("alum", "person", "Which notable alumnus of {name} is mentioned?", "Who is one of the notable alumni of {name}?")
    return P


SHIPS = [
    # kind, short name, length range (m), launch years
    ("three-masted schooner", "schooner", (30, 60), (1820, 1925)),
    ("steamship", "steamer", (60, 140), (1850, 1955)),
    ("research vessel", "vessel", (40, 90), (1880, 1955)),
    ("icebreaker", "icebreaker", (60, 120), (1890, 1955)),
    ("paddle steamer", "steamer", (40, 90), (1825, 1900)),
    ("clipper", "clipper", (50, 85), (1840, 1875)),
]
VOYAGE_PURPOSES = ["to carry supplies to a remote whaling station", "to chart the coastline for the navy",
                   "to search for a missing expedition", "to collect specimens for a natural history museum",
                   "to lay a telegraph cable on the seabed", "to carry emigrants to a new colony"]
FATES = ["was wrecked in a storm off {p}", "was sold for scrap", "was turned into a museum ship in {p}",
         "was sunk by a mine", "was deliberately scuttled in the harbour of {p}", "caught fire and sank near {p}"]


def fam_ship(rng, reg):
    kind, short, (llo, lhi), (ylo, yhi) = rng.choice(SHIPS)
    cold = {"Norway", "Sweden", "Denmark", "Canada", "the United States", "Japan", "Germany", "Poland"}
    R, (country, adj) = reg.region_with(lambda c: c not in LANDLOCKED and (kind != "icebreaker" or c in cold),
                                        exclude=("africa",))
    sname = reg.unique(lambda: rng.choice(MODELS + BRANDS + [reg.place(R)]))
    launch = rng.randint(ylo, yhi)
    length_m = rng.randint(llo, lhi)
    voyage = launch + rng.randint(1, 12)
    fate = rng.choice(FATES).format(p=reg.place(R))
    P = Para(rng, "ship", sname, dict(
        ship=sname, kind=kind, short=short, adj=adj, yard=f"the {reg.place(R)} {rng.choice(['shipyard', 'Shipbuilding Company', 'Dockyard'])}",
        yard_city=reg.place(R), launch=launch, length=f"{length_m} metres", crew=int(length_m * rng.uniform(0.4, 1.3)),
        voyage=voyage, captain=reg.person(R, "m")[0],
        dest=rng.choice(["the Antarctic", "the Arctic", "Greenland", "Spitsbergen"] if kind == "icebreaker" else
                        ["the Antarctic", "the Arctic", "Patagonia", "the islands of the South Pacific",
                         f"the {reg.place(R)} Islands", "Greenland", "the Cape of Good Hope"]),
        purpose=rng.choice(VOYAGE_PURPOSES), days=f"{rng.randint(60, 900)} days", fate=fate,
        fate_year=voyage + rng.randint(3, 40), tonnage=num(round_to(int(length_m ** 2 * rng.uniform(0.35, 0.6)), 10)),
    ))
    P.say("The {ship} was {a_kind} built by {yard} in {yard_city} and launched in {launch}.".replace("{a_kind}", a_an(kind)),
          "{yard} in {yard_city} launched the {ship}, {a_kind}, in {launch}.".replace("{a_kind}", a_an(f"{adj} {kind}")))
    P.say("She was {length} long, displaced {tonnage} tonnes and carried a crew of {crew}.",
          "The {short} measured {length} in length and had a crew of {crew}.", p=0.75)
    P.say("In {voyage}, under the command of Captain {captain}, the {ship} sailed to {dest} {purpose}.",
          "Her most famous voyage began in {voyage}, when Captain {captain} took her to {dest} {purpose}.")
    P.say("The voyage lasted {days}.",
          "The expedition returned after {days} at sea.", p=0.6)
    P.say("The {ship} {fate} in {fate_year}.",
          "In {fate_year}, the {short} {fate}.", p=0.85)

    P.ask("kind", "phrase", "What kind of ship was the {ship}?")
    P.ask("yard", "organisation", "Who built the {ship}?", "Which shipyard built the {ship}?")
    P.ask("yard_city", "place", "Where was the {ship} built?", "In which town was the {ship} built?")
    P.ask("launch", "date", "When was the {ship} launched?", "In what year was the {ship} launched?")
    P.ask("length", "number", "How long was the {ship}?", "What was the length of the {ship}?")
    P.ask("crew", "number", "How many crew did the {ship} carry?", "How large was the crew of the {ship}?")
    P.ask("tonnage", "number", "What was the displacement of the {ship}?")
    P.ask("captain", "person", "Who commanded the {ship} in {voyage}?", "Who was the captain of the {ship} on its famous voyage?")
    P.ask("dest", "place", "Where did the {ship} sail in {voyage}?", "What was the destination of the {ship}'s famous voyage?")
    P.ask("purpose", "phrase", "Why did the {ship} sail to {dest}?", "What was the purpose of the {ship}'s voyage to {dest}?")
    P.ask("voyage", "date", "When did the {ship} sail to {dest}?")
    P.ask("days", "number", "How long did the voyage of the {ship} last?", "How long was the {ship} away on its famous voyage?")
    P.ask("fate", "phrase", "What happened to the {ship} in {fate_year}?", "What was the fate of the {ship}?")
    P.ask("fate_year", "date", "When did the career of the {ship} end?")
    return P


RAIL_PURPOSES = ["to carry coal from the mines to the coast", "to link the capital with the northern ports",
                 "to transport timber from the forests of the interior", "to carry iron ore to the steelworks",
                 "to open up the mountain valleys to tourism", "to give farmers faster access to city markets"]


def fam_railway(rng, reg):
    R = reg.region()
    country, adj = reg.country(R)
    a, b = reg.place(R), reg.place(R)
    line = reg.unique(lambda: rng.choice([f"the {a}–{b} Railway", f"the {a} Line", f"the {a} Valley Railway",
                                          f"the {b} Mountain Railway"]))
    earliest = {"africa": 1895, "india": 1855, "japan": 1875, "nordic": 1852, "iberian": 1850, "central": 1845,
                "italian": 1840, "newworld": 1832}.get(R.key, 1836)
    start = rng.randint(earliest, 1925)
    end = start + rng.randint(3, 11)
    old_h = rng.randint(3, 9)
    new_h = rng.randint(1, old_h - 1)
    lo, hi = {"small": (30, 240), "medium": (60, 520), "large": (120, 1400)}[size_class(country)]
    length_km = rng.randint(lo, hi)
    tunnel_km = f"{rng.randint(1, 8)}.{rng.randint(1, 9)}"
    P = Para(rng, "railway", line[4:], dict(
        line=line, a=a, b=b, country=country, length=f"{num(length_km)} kilometres",
        length_adj=f"{num(length_km)}-kilometre", start=start, end=end,
        engineer=reg.person(R)[0], purpose=rng.choice(RAIL_PURPOSES), tunnel=f"the {reg.place(R)} Tunnel",
        tunnel_len=f"{tunnel_km} kilometres", tunnel_adj=a_an(f"{tunnel_km}-kilometre"), mountain=f"the {reg.place(R)} Pass",
        workers=num(round_to(rng.randint(1500, 14000), 100)), elec=rng.randint(max(end + 10, 1920), 1995),
        old_time=f"{old_h} hours", new_time=f"{new_h} hour{'s' if new_h > 1 else ''} {rng.choice([10, 15, 20, 30, 40, 45])} minutes",
        stations=rng.randint(8, 60), passengers=num(round_to(rng.randint(300_000, 28_000_000), 10_000)),
        gauge=rng.choice(["standard gauge", "narrow gauge", "metre gauge"]),
    ))
    P.say("{line} is a {length_adj} railway linking {a} and {b} in {country}.",
          "{line} runs for {length} between {a} and {b}.",
          "Connecting {a} with {b}, {line} is one of the oldest railways in {country}, with a total length of {length}.")
    P.say("It was built between {start} and {end} under the direction of the engineer {engineer}.",
          "Construction, led by the engineer {engineer}, began in {start}, and the line opened in {end}.")
    P.say("The line was originally built {purpose}.",
          "It was first planned {purpose}.", p=0.8)
    P.say("The most difficult section was {tunnel}, {tunnel_adj} tunnel beneath {mountain} dug by about {workers} labourers.",
          "Its greatest engineering work is {tunnel}, which runs for {tunnel_len} under {mountain}.", p=0.7)
    P.say("Electrification was completed in {elec}, cutting the journey time from {old_time} to {new_time}.",
          "The line was electrified in {elec}, and the fastest trains now take {new_time} for the whole route.", p=0.6)
    P.say("Today it has {stations} stations and carries about {passengers} passengers a year.", p=0.5)

    P.ask("length", "number", "How long is {line}?", "What is the total length of {line}?")

    P.ask("a", "place", "Which town does {line} connect with {b}?")
    P.ask("b", "place", "Which town does {line} connect with {a}?")
    P.ask("start", "date", "When did construction of {line} begin?", "In what year did work on {line} start?")
    P.ask("end", "date", "When did {line} open?", "In what year was {line} completed?")
    P.ask("engineer", "person", "Who was the engineer of {line}?", "Who led the construction of {line}?")
    P.ask("purpose", "phrase", "Why was {line} built?", "What was the original purpose of {line}?")
    P.ask("tunnel", "place", "What is the most difficult section of {line}?", "Which tunnel is the greatest engineering work on {line}?")
    P.ask("tunnel_len", "number", "How long is {tunnel}?")
    P.ask("mountain", "place", "Beneath what does {tunnel} run?")
    P.ask("workers", "number", "How many labourers dug {tunnel}?")
    P.ask("elec", "date", "When was {line} electrified?", "In what year was electrification of {line} completed?")
    P.ask("old_time", "number", "How long did the journey on {line} take before electrification?")
    P.ask("new_time", "number", "How long does the journey on {line} take after electrification?",
          "How long do the fastest trains take on {line}?")
    P.ask("stations", "number", "How many stations does {line} have?")
    P.ask("passengers", "number", "How many passengers does {line} carry each year?")
    return P


FOODS = [
    # kind, made from, variants, process, aging unit, serving suggestions
    ("cheese", "the milk of {animal}", ["sheep", "goats", "cows", "water buffalo"],
     "is pressed into large wheels and rubbed with salt", "months",
     ["with rye bread and pickled onions", "grated over pasta", "with fresh figs", "with quince paste"]),
    ("ham", "the hind legs of {animal}", ["free-range pigs", "black pigs", "acorn-fed pigs"],
     "is salted and then hung to dry in cool mountain air", "months",
     ["in paper-thin slices", "with melon in summer", "with crusty bread and olives"]),
    ("wine", "{animal} grapes", ["late-harvested", "sun-dried", "white", "red"],
     "is fermented slowly in oak barrels", "years",
     ["with roast lamb", "with hard cheeses", "chilled, as an aperitif", "with almond biscuits"]),
    ("honey", "the nectar of {animal}", ["heather", "lime blossom", "wild thyme", "chestnut trees"],
     "is extracted cold to preserve its aroma", "weeks",
     ["on warm bread", "with fresh cheese", "stirred into herbal tea"]),
    ("bread", "{animal} flour", ["rye", "spelt", "buckwheat", "barley"],
     "is baked in wood-fired ovens", "days",
     ["with butter and smoked fish", "with thick vegetable soups", "toasted, with honey"]),
    ("sausage", "{animal}", ["pork and beef", "lamb", "venison"],
     "is smoked slowly over a wood fire", "weeks",
     ["with sauerkraut and mustard", "grilled, with roasted chestnuts", "with a glass of local cider"]),
]


def fam_food(rng, reg):
    R = reg.region(exclude=("japan", "india", "africa"))
    country, adj = reg.country(R)
    kind, made_tpl, animals, process, unit, pairings = rng.choice(FOODS)
    town = reg.place(R)
    name = reg.unique(lambda: f"{town} {kind}")
    first = rng.randint(1200, 1880)
    age = rng.randint(2, 24) if unit in ("months", "weeks", "days") else rng.randint(2, 6)
    if unit == "days":
        age = rng.randint(2, 9)
    P = Para(rng, "food", name, dict(
        name=name, kind=kind, town=town, country=country, made=made_tpl.format(animal=rng.choice(animals)),
        process=process, first=first, monks=rng.choice(["monks of the local abbey", "shepherd families",
                                                        "a local merchant guild", "farmers in the valley",
                                                        "the cooks of the bishop's palace"]),
        age=f"{age} {unit}" if age > 1 else f"one {unit[:-1]}", protected=rng.randint(1992, 2019),
        producers=small(rng.randint(4, 70), rng),
        tonnes=num(round_to(rng.randint(80, 24_000), 10)) + (" hectolitres" if kind == "wine" else " tonnes"),
        festival=rng.choice(MONTHS), pc=in_part(rng.choice(PARTS), country),
        pairing=rng.choice(pairings),
    ))
    P.say("{name} is a traditional {kind} from the area around {town} in {pc}.",
          "{name} is a regional {kind} made in and around {town}, {country}.",
          "Produced in the hills around {town}, {name} is one of the best-known regional products of {pc}.")
    P.say("It is made from {made} and {process}.",
          "Made from {made}, it {process}.")
    P.say("Records show that it was first produced in {first} by {monks}.",
          "Its production is first recorded in {first}, when {monks} made it for local markets.", p=0.8)
    if kind not in ("bread", "honey"):
        P.say("It must be aged for at least {age} before it can be sold.",
              "The {kind} is left to mature for a minimum of {age}.", p=0.7)
    P.say("In {protected}, the name received protected status, and it can now be made only by {producers} registered producers.",
          "Since {protected} its name has been legally protected; about {tonnes} are produced each year.", p=0.7)
    P.say("It is traditionally served {pairing}, and a festival in its honour is held in {town} every {festival}.",
          "Locals usually serve it {pairing}.", p=0.5)

    P.ask("town", "place", "Where does {name} come from?", "Around which town is {name} made?")
    P.ask("made", "phrase", "What is {name} made from?", "What is the main ingredient of {name}?")
    P.ask("process", "phrase", "How is {name} made?", "What happens to {name} during production?")
    P.ask("first", "date", "When was {name} first produced?", "In what year is the production of {name} first recorded?")
    P.ask("monks", "person", "Who first produced {name}?", "Who made {name} for the local markets?")
    P.ask("age", "number", "How long must {name} be aged?", "What is the minimum maturing time for {name}?")
    P.ask("protected", "date", "When did {name} receive protected status?", "Since when has the name {name} been protected?")
    P.ask("producers", "number", "How many registered producers make {name}?")
    P.ask("tonnes", "number", "How much {name} is produced each year?")
    P.ask("pairing", "phrase", "How is {name} traditionally served?", "How do locals serve {name}?")
    P.ask("festival", "date", "In which month is the festival of {name} held?")
    return P


FAMILIES = [fam_company, fam_city, fam_river, fam_invention, fam_scientist, fam_sportclub, fam_race, fam_animal,
            fam_space, fam_mountain, fam_building, fam_island, fam_artist, fam_university, fam_ship, fam_railway,
            fam_food]


# ---------------------------------------------------------------------------
# Hand-written paragraphs (real, well-documented history of technology).
# Each question is (question, answer text, type); the answer must occur in the
# context, and the first occurrence is used unless "@n" selects another.
# ---------------------------------------------------------------------------

CAR_TITLE = "Automobile"
CAR_CONTEXT = (
    "The car was invented in 1886, when the German engineer Karl Benz patented the Benz Patent-Motorwagen, "
    "a three-wheeled vehicle powered by a single-cylinder petrol engine. Benz built the vehicle in his workshop "
    "in Mannheim, and two years later his wife, Bertha Benz, showed that it was practical by driving it more than "
    "100 kilometres to visit her mother. Early cars were built by hand and were expensive, so only wealthy people "
    "could afford them. This changed in 1908, when Henry Ford introduced the Ford Model T, a simple and durable car "
    "that was cheap enough for many ordinary families to buy."
)
CAR_QUESTIONS = [
    ("When was the car invented?", "1886", "date"),
    ("Who invented the car?", "Karl Benz", "person"),
    ("What was the name of the first car?", "Benz Patent-Motorwagen", "thing"),
    ("How many wheels did the Benz Patent-Motorwagen have?", "three", "number"),
    ("In which city did Karl Benz build his vehicle?", "Mannheim", "place"),
    ("Who showed that the Benz car was practical?", "Bertha Benz", "person"),
    ("Why could only wealthy people afford early cars?", "Early cars were built by hand and were expensive", "phrase"),
    ("When did Henry Ford introduce the Model T?", "1908", "date"),
    ("Which car did Henry Ford introduce in 1908?", "Ford Model T", "thing"),
]

HANDWRITTEN = [
    # (title, context, questions, forced split or None)
    ("Automobile", CAR_CONTEXT, CAR_QUESTIONS, "dev"),
    ("Nicolas-Joseph Cugnot",
     "The French military engineer Nicolas-Joseph Cugnot is often credited with building the first self-propelled "
     "road vehicle. In 1769 he completed a steam-powered tractor, known as the fardier à vapeur, which was intended "
     "to haul artillery for the French army. The machine had three wheels, with a heavy boiler hanging in front of "
     "the single front wheel, and it could travel at only a few kilometres per hour. It was difficult to steer and "
     "had to stop frequently to build up steam. A surviving example is preserved at the Musée des Arts et Métiers in Paris.",
     [("Who built the first self-propelled road vehicle?", "Nicolas-Joseph Cugnot", "person"),
      ("When did Cugnot complete his steam-powered tractor?", "1769", "date"),
      ("What was Cugnot's vehicle called?", "fardier à vapeur", "thing"),
      ("What was the fardier à vapeur intended to do?", "haul artillery for the French army", "phrase"),
      ("How many wheels did Cugnot's machine have?", "three", "number"),
      ("Where is a surviving example of the fardier preserved?", "the Musée des Arts et Métiers in Paris", "place")],
     "train"),
    ("Bertha Benz",
     "In August 1888, Bertha Benz, the wife and business partner of Karl Benz, made the first long-distance journey "
     "in an automobile. Without telling her husband, she drove a Benz Patent-Motorwagen from Mannheim to her "
     "mother's home in Pforzheim, a trip of about 106 kilometres, accompanied by her two teenage sons. Along the way "
     "she bought ligroin, a petroleum solvent used as fuel, from a pharmacy in Wiesloch, which is sometimes called "
     "the world's first filling station. The journey showed that the motor car was practical for everyday travel "
     "and brought valuable publicity to the Benz company.",
     [("When did Bertha Benz make the first long-distance journey by car?", "August 1888", "date"),
      ("Who made the first long-distance journey in an automobile?", "Bertha Benz", "person"),
      ("Where did Bertha Benz start her journey?", "Mannheim", "place"),
      ("Where did Bertha Benz's mother live?", "Pforzheim", "place"),
      ("How long was Bertha Benz's trip?", "about 106 kilometres", "number"),
      ("What fuel did Bertha Benz buy on the way?", "ligroin", "thing"),
      ("Who accompanied Bertha Benz?", "her two teenage sons", "person"),
      ("Which town is said to have the world's first filling station?", "Wiesloch", "place")],
     "train"),
    ("Daimler and Maybach",
     "Gottlieb Daimler and Wilhelm Maybach developed lightweight, fast-running petrol engines in a workshop in "
     "Cannstatt, near Stuttgart. In 1885 they fitted one of their engines to a wooden two-wheeled frame, creating "
     "the Reitwagen, which is often described as the first motorcycle. In 1886 they installed an engine in a "
     "horse-drawn carriage, producing one of the earliest four-wheeled automobiles. In 1890 the two men founded the "
     "Daimler-Motoren-Gesellschaft, which merged with Benz & Cie. in 1926 to form Daimler-Benz.",
     [("Where was Daimler and Maybach's workshop?", "Cannstatt, near Stuttgart", "place"),
      ("When did Daimler and Maybach build the Reitwagen?", "1885", "date"),
      ("What is the Reitwagen often described as?", "the first motorcycle", "thing"),
      ("What did Daimler and Maybach install an engine in in 1886?", "a horse-drawn carriage", "phrase"),
      ("When was the Daimler-Motoren-Gesellschaft founded?", "1890", "date"),
      ("Which company did the Daimler-Motoren-Gesellschaft merge with?", "Benz & Cie.", "organisation"),
      ("What company was formed by the merger in 1926?", "Daimler-Benz", "organisation")],
     "train"),
    ("Ford assembly line",
     "Henry Ford founded the Ford Motor Company in Detroit in 1903. In 1913 the company introduced a moving assembly "
     "line at its Highland Park plant in Michigan, which cut the time needed to build a Model T chassis from more "
     "than twelve hours to about an hour and a half. Lower production costs allowed Ford to reduce the price of the "
     "car year after year. In 1914 the company also began paying many of its workers five dollars a day, roughly "
     "double the usual factory wage. By the time production ended in 1927, about 15 million Model Ts had been built.",
     [("When was the Ford Motor Company founded?", "1903", "date"),
      ("Where did Henry Ford found his company?", "Detroit", "place"),
      ("When did Ford introduce the moving assembly line?", "1913", "date"),
      ("At which plant was the moving assembly line introduced?", "Highland Park", "place"),
      ("How long did it take to build a Model T chassis on the assembly line?", "about an hour and a half", "number"),
      ("How much did Ford begin paying workers in 1914?", "five dollars a day", "number"),
      ("How many Model Ts were built?", "about 15 million", "number"),
      ("When did Model T production end?", "1927", "date")],
     "train"),
    ("Duryea Motor Wagon Company",
     "The brothers Charles and Frank Duryea built one of the first successful petrol-powered automobiles in the "
     "United States. They tested their vehicle on the streets of Springfield, Massachusetts, in 1893. Two years "
     "later they founded the Duryea Motor Wagon Company, which is often considered the first American company "
     "formed to build and sell petrol-powered cars. In November 1895, Frank Duryea won a race organised by the "
     "Chicago Times-Herald newspaper, driving about 87 kilometres through snow in just over ten hours.",
     [("Who built one of the first petrol-powered cars in the United States?", "Charles and Frank Duryea", "person"),
      ("Where did the Duryea brothers test their vehicle?", "Springfield, Massachusetts", "place"),
      ("When did the Duryeas first test their car?", "1893", "date"),
      ("What company did the Duryea brothers found?", "Duryea Motor Wagon Company", "organisation"),
      ("Which newspaper organised the race won by Frank Duryea?", "Chicago Times-Herald", "organisation"),
      ("How far did Frank Duryea drive in the race?", "about 87 kilometres", "number"),
      ("When did Frank Duryea win the race?", "November 1895", "date")],
     "train"),
    ("Paris–Rouen motor competition",
     "The first organised motoring competition was held in July 1894, when the Paris newspaper Le Petit Journal "
     "sponsored a run from Paris to Rouen, a distance of about 126 kilometres. Entries were judged not only on speed "
     "but also on whether they were safe, easy to handle and cheap to run. Count Jules-Albert de Dion arrived first "
     "in a steam-powered tractor, but the judges ruled that his vehicle needed a stoker and did not meet the rules. "
     "The first prize was shared between Panhard et Levassor and Peugeot, whose cars both used Daimler engines.",
     [("When was the first organised motoring competition held?", "July 1894", "date"),
      ("Which newspaper sponsored the Paris to Rouen run?", "Le Petit Journal", "organisation"),
      ("How long was the route from Paris to Rouen?", "about 126 kilometres", "number"),
      ("Who arrived first in Rouen?", "Count Jules-Albert de Dion", "person"),
      ("Why was de Dion's vehicle not given first prize?", "his vehicle needed a stoker and did not meet the rules", "phrase"),
      ("Which engines did the winning cars use?", "Daimler engines", "thing"),
      ("Which two makers shared the first prize?", "Panhard et Levassor and Peugeot", "organisation")],
     "train"),
    ("Electric starter",
     "Early cars had to be started with a hand crank, which was tiring and could be dangerous because the crank "
     "sometimes kicked back and injured the driver. The American engineer Charles Kettering developed a practical "
     "electric self-starter, which Cadillac introduced on its 1912 models. Kettering had co-founded the Dayton "
     "Engineering Laboratories Company, better known as Delco, in Dayton, Ohio. The electric starter made cars much "
     "easier to drive and removed one of the main advantages of electric vehicles, which did not need cranking.",
     [("How were early cars started?", "with a hand crank", "phrase"),
      ("Why was the hand crank dangerous?", "the crank sometimes kicked back and injured the driver", "phrase"),
      ("Who developed the electric self-starter?", "Charles Kettering", "person"),
      ("Which car maker first introduced the electric starter?", "Cadillac", "organisation"),
      ("In which model year did Cadillac introduce the electric starter?", "1912", "date"),
      ("What is the Dayton Engineering Laboratories Company better known as?", "Delco", "organisation"),
      ("Where was Delco founded?", "Dayton, Ohio", "place")],
     "train"),
    ("Wright brothers",
     "On 17 December 1903, Orville and Wilbur Wright made the first controlled, sustained flights in a powered, "
     "heavier-than-air aircraft near Kitty Hawk, North Carolina. The first flight, with Orville at the controls, "
     "lasted 12 seconds and covered about 37 metres. The brothers, who ran a bicycle shop in Dayton, Ohio, built "
     "their own lightweight engine with the help of their mechanic Charlie Taylor. Their aircraft, the Wright "
     "Flyer, is now displayed at the National Air and Space Museum in Washington, D.C.",
     [("When did the Wright brothers make the first powered flight?", "17 December 1903", "date"),
      ("Where did the Wright brothers make their first flights?", "near Kitty Hawk, North Carolina", "place"),
      ("Who piloted the first flight?", "Orville", "person"),
      ("How long did the first flight last?", "12 seconds", "number"),
      ("What business did the Wright brothers run?", "a bicycle shop", "phrase"),
      ("Who helped the Wright brothers build their engine?", "Charlie Taylor", "person"),
      ("Where is the Wright Flyer displayed?", "the National Air and Space Museum", "place")],
     None),
    ("Telephone",
     "Alexander Graham Bell was granted a United States patent for the telephone on 7 March 1876. Three days later "
     "he made the first successful call to his assistant, Thomas Watson, saying \"Mr. Watson, come here, I want to "
     "see you.\" Bell was born in Edinburgh, Scotland, and before his work on the telephone he taught deaf students "
     "in Boston. In 1877 he and his financial backers founded the Bell Telephone Company, and within a decade "
     "more than 150,000 people in the United States owned telephones.",
     [("When was Bell granted a patent for the telephone?", "7 March 1876", "date"),
      ("Who received the first telephone call?", "Thomas Watson", "person"),
      ("Where was Alexander Graham Bell born?", "Edinburgh, Scotland", "place"),
      ("Whom did Bell teach in Boston?", "deaf students", "phrase"),
      ("When was the Bell Telephone Company founded?", "1877", "date"),
      ("How many people in the United States owned telephones within a decade?", "more than 150,000", "number")],
     None),
    ("Sputnik 1",
     "Sputnik 1, the first artificial Earth satellite, was launched by the Soviet Union on 4 October 1957 from the "
     "Baikonur Cosmodrome. It was a polished metal sphere 58 centimetres in diameter with four long radio antennas "
     "that broadcast a simple beeping signal. The satellite circled Earth about every 96 minutes and transmitted for "
     "21 days before its batteries ran out. Its launch surprised the United States and marked the beginning of the "
     "Space Race.",
     [("What was the first artificial Earth satellite?", "Sputnik 1", "thing"),
      ("When was Sputnik 1 launched?", "4 October 1957", "date"),
      ("Which country launched Sputnik 1?", "the Soviet Union", "place"),
      ("Where was Sputnik 1 launched from?", "the Baikonur Cosmodrome", "place"),
      ("How large was Sputnik 1?", "58 centimetres in diameter", "number"),
      ("How often did Sputnik 1 circle the Earth?", "about every 96 minutes", "number"),
      ("Why did Sputnik 1 stop transmitting?", "its batteries ran out", "phrase")],
     None),
    ("Apollo 11",
     "Apollo 11 was the first crewed mission to land on the Moon. It was launched by NASA on 16 July 1969 on a "
     "Saturn V rocket from the Kennedy Space Center in Florida. On 20 July, Neil Armstrong and Buzz Aldrin landed "
     "the lunar module Eagle in the Sea of Tranquillity, while Michael Collins remained in orbit aboard the command "
     "module Columbia. Armstrong and Aldrin spent about two and a half hours outside the module and collected 21.5 "
     "kilograms of lunar material. The crew returned safely to Earth on 24 July, splashing down in the Pacific Ocean.",
     [("When was Apollo 11 launched?", "16 July 1969", "date"),
      ("Which rocket launched Apollo 11?", "Saturn V", "thing"),
      ("Where did the Apollo 11 lunar module land?", "the Sea of Tranquillity", "place"),
      ("Who remained in orbit during the Moon landing?", "Michael Collins", "person"),
      ("What was the name of the lunar module?", "Eagle", "thing"),
      ("How much lunar material did Armstrong and Aldrin collect?", "21.5 kilograms", "number"),
      ("Where did the Apollo 11 crew splash down?", "the Pacific Ocean", "place")],
     None),
    ("World Wide Web",
     "The World Wide Web was invented by the British computer scientist Tim Berners-Lee while he was working at "
     "CERN, the European particle physics laboratory near Geneva. He wrote his first proposal for a new information "
     "management system in March 1989, and by the end of 1990 he had created the first web server and web browser, "
     "which ran on a NeXT computer. The first website described the project itself. In April 1993 CERN placed the "
     "web software in the public domain, which helped the web spread rapidly around the world.",
     [("Who invented the World Wide Web?", "Tim Berners-Lee", "person"),
      ("Where was Tim Berners-Lee working when he invented the web?", "CERN", "organisation"),
      ("When did Berners-Lee write his first proposal?", "March 1989", "date"),
      ("What computer did the first web server run on?", "a NeXT computer", "thing"),
      ("What did the first website describe?", "the project itself", "phrase"),
      ("When did CERN place the web software in the public domain?", "April 1993", "date")],
     None),
    ("Eiffel Tower",
     "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris. It was designed by the "
     "engineers Maurice Koechlin and Émile Nouguier, who worked for the company of Gustave Eiffel, and it was built "
     "between 1887 and 1889 as the centrepiece of the 1889 World's Fair. At about 300 metres, it was the tallest "
     "man-made structure in the world until the Chrysler Building in New York was completed in 1930. Although many "
     "artists criticised its design at first, it has become one of the best-known symbols of France.",
     [("What is the Eiffel Tower made of?", "wrought-iron", "thing"),
      ("Where in Paris is the Eiffel Tower?", "the Champ de Mars", "place"),
      ("Who designed the Eiffel Tower?", "Maurice Koechlin and Émile Nouguier", "person"),
      ("When did construction of the Eiffel Tower begin?", "1887", "date"),
      ("For which event was the Eiffel Tower built?", "the 1889 World's Fair", "thing"),
      ("How tall is the Eiffel Tower?", "about 300 metres", "number"),
      ("Which building overtook the Eiffel Tower as the world's tallest structure?", "the Chrysler Building", "thing")],
     None),
    ("Printing press",
     "Johannes Gutenberg, a goldsmith from Mainz, developed a system of printing with movable metal type in the "
     "1440s. His process combined type cast in a hand mould, an oil-based ink and a wooden press adapted from the "
     "presses used to make wine. The most famous book he produced, the Gutenberg Bible, was completed around 1455. "
     "About 180 copies were printed, and 49 of them are known to survive today. Within fifty years, printing "
     "workshops had spread to more than 250 European cities.",
     [("Who developed printing with movable metal type in Europe?", "Johannes Gutenberg", "person"),
      ("What was Gutenberg's original trade?", "goldsmith", "phrase"),
      ("Where did Gutenberg come from?", "Mainz", "place"),
      ("What was Gutenberg's press adapted from?", "the presses used to make wine", "phrase"),
      ("When was the Gutenberg Bible completed?", "around 1455", "date"),
      ("How many copies of the Gutenberg Bible were printed?", "About 180", "number"),
      ("How many copies of the Gutenberg Bible survive?", "49", "number")],
     None),
]


def locate(context: str, answer: str) -> int:
    start = context.find(answer)
    assert start >= 0, f"answer {answer!r} not in context"
    return start


# ---------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------


def build_items(rng: random.Random):
    """Return a list of paragraph dicts with internal metadata."""
    reg = Registry(rng)
    items = []
    for title, context, qs, split in HANDWRITTEN:
        qlist = []
        for q, a, t in qs:
            assert t in QTYPES
            qlist.append({"question": q, "answer": a, "start": locate(context, a), "qtype": t})
        items.append({"title": title, "context": context, "family": "handwritten", "qs": qlist, "split": split})

    order = [FAMILIES[i % len(FAMILIES)] for i in range(N_GENERATED)]
    rng.shuffle(order)
    for fam in order:
        for _attempt in range(200):
            P = fam(rng, reg)
            if not (MIN_WORDS <= P.words() <= MAX_WORDS and MIN_SENTS <= P.n_sents <= MAX_SENTS):
                continue
            qs = P.questions(max_q=rng.choice([4, 5, 5, 6, 6, 7]))
            if len(qs) < 3:
                continue
            items.append({"title": P.title, "context": P.text, "family": P.family, "qs": qs, "split": None})
            break
        else:
            raise RuntimeError(f"could not build a valid paragraph for {fam.__name__}")
    return items


def assign_splits(rng: random.Random, items):
    """Stratified by family; hand-written paragraphs with a forced split keep it."""
    families = sorted({it["family"] for it in items})
    for fam in families:
        free = [it for it in items if it["family"] == fam and it["split"] is None]
        rng.shuffle(free)
        forced_dev = sum(1 for it in items if it["family"] == fam and it["split"] == "dev")
        total = sum(1 for it in items if it["family"] == fam)
        n_dev = max(0, round(total * DEV_FRACTION) - forced_dev)
        for i, it in enumerate(free):
            it["split"] = "dev" if i < n_dev else "train"


def to_squad(items, split):
    data = []
    for idx, it in enumerate(items):
        if it["split"] != split:
            continue
        qas = []
        for n, q in enumerate(it["qs"]):
            ctx = it["context"]
            assert ctx[q["start"]:q["start"] + len(q["answer"])] == q["answer"], (q, ctx)
            assert q["answer"].strip() == q["answer"] and q["answer"]
            qas.append({"id": f"wsq-{it['pid']:04d}-{n:02d}-{q['qtype']}", "question": q["question"],
                        "answers": [{"text": q["answer"], "answer_start": q["start"]}]})
        data.append({"title": it["title"], "paragraphs": [{"context": it["context"], "qas": qas}]})
    return {"version": VERSION, "data": data}


def generate(out_dir: Path):
    rng = random.Random(SEED)
    items = build_items(rng)
    # Shuffle paragraph order (deterministically) so families are interleaved, then number them.
    rng.shuffle(items)
    for pid, it in enumerate(items):
        it["pid"] = pid
    assign_splits(rng, items)

    contexts = [it["context"] for it in items]
    assert len(set(contexts)) == len(contexts), "duplicate paragraph"
    car = [it for it in items if it["context"] == CAR_CONTEXT]
    assert len(car) == 1 and car[0]["split"] == "dev"
    car_q = [q for q in car[0]["qs"] if q["question"] == "When was the car invented?"]
    assert len(car_q) == 1 and car_q[0]["answer"] == "1886"

    out_dir.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev"):
        squad = to_squad(items, split)
        with open(out_dir / f"{split}.json", "w", encoding="utf-8", newline="\n") as fh:
            json.dump(squad, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    with open(out_dir / "car.txt", "w", encoding="utf-8", newline="\n") as fh:
        fh.write(CAR_CONTEXT + "\n")
    return items


def validate_files(out_dir: Path):
    """Re-read the written files and check every answer span."""
    seen_ctx = {}
    n_q = 0
    for split in ("train", "dev"):
        d = json.loads((out_dir / f"{split}.json").read_text(encoding="utf-8"))
        ids = set()
        for art in d["data"]:
            for para in art["paragraphs"]:
                ctx = para["context"]
                assert ctx not in seen_ctx, "paragraph appears in two splits"
                seen_ctx[ctx] = split
                for qa in para["qas"]:
                    assert qa["id"] not in ids
                    ids.add(qa["id"])
                    for a in qa["answers"]:
                        s = a["answer_start"]
                        assert ctx[s:s + len(a["text"])] == a["text"], qa
                    n_q += 1
    return n_q


def describe(values):
    values = sorted(values)
    return (f"min {values[0]}, median {statistics.median(values):g}, mean {statistics.mean(values):.1f}, "
            f"max {values[-1]}")


def print_stats(items):
    print("Extractive QA dataset (SQuAD v1.1 format)")
    for split in ("train", "dev"):
        its = [it for it in items if it["split"] == split]
        print(f"  {split:5s}: {len(its):4d} paragraphs, {sum(len(it['qs']) for it in its):5d} questions")
    allq = [q for it in items for q in it["qs"]]
    print(f"  total: {len(items):4d} paragraphs, {len(allq):5d} questions")
    print("  paragraphs by family:")
    fam = Counter(it["family"] for it in items)
    for k in sorted(fam):
        dev = sum(1 for it in items if it["family"] == k and it["split"] == "dev")
        print(f"    {k:12s} {fam[k]:4d}  (dev {dev})")
    print("  questions by answer type:")
    qt = Counter(q["qtype"] for q in allq)
    for k in QTYPES:
        print(f"    {k:12s} {qt[k]:5d}  ({100 * qt[k] / len(allq):.1f}%)")
    first = Counter(q["question"].split()[0] for q in allq)
    print("  question first words:", ", ".join(f"{w} {c}" for w, c in first.most_common(10)))
    print("  distinct question strings:", len({q['question'] for q in allq}))
    print("  context length (words):", describe([len(it["context"].split()) for it in items]))
    print("  context length (sentences):",
          describe([len(re.findall(r"[.!?](?:\s|$)", it["context"])) for it in items]))
    print("  questions per paragraph:", describe([len(it["qs"]) for it in items]))
    print("  answer length (words):", describe([len(q["answer"].split()) for q in allq]))


def compare_dirs(a: Path, b: Path) -> bool:
    ok = True
    for name in OUTPUT_FILES:
        fa, fb = a / name, b / name
        if not fa.exists():
            print(f"MISSING: {fa}")
            ok = False
        elif not filecmp.cmp(fa, fb, shallow=False):
            print(f"DIFFERS: {fa} does not match a fresh regeneration")
            ok = False
        else:
            print(f"ok: {fa.name}")
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="output directory (default: data/qa)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary directory and fail if the files in --out-dir differ")
    ap.add_argument("--quiet", action="store_true", help="do not print statistics")
    args = ap.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            items = generate(Path(tmp))
            validate_files(Path(tmp))
            ok = compare_dirs(args.out_dir, Path(tmp))
        if not args.quiet:
            print_stats(items)
        if not ok:
            print("check FAILED: run `python3 data/make_qa.py` to regenerate", file=sys.stderr)
            return 1
        print("check passed: committed QA files are up to date")
        return 0
    items = generate(args.out_dir)
    n_q = validate_files(args.out_dir)
    assert n_q == sum(len(it["qs"]) for it in items)
    if not args.quiet:
        print_stats(items)
        print(f"wrote {', '.join(str(args.out_dir / n) for n in OUTPUT_FILES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
