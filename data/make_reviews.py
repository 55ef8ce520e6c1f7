#!/usr/bin/env python3
"""Generate the workshop's review -> title summarisation dataset.

Each row is a short customer review of a clothing item together with a title
that summarises the review's main point (as on a clothing e-commerce site),
plus metadata: product, rating (1-5) and sentiment (positive / negative /
mixed).  The content is original and produced by combining pools of
hand-written sentences for many aspects (fit, fabric, colour, comfort,
quality, washing, price, shipping, occasion, warmth, ...), with pronoun and
verb agreement for plural items ("these jeans run small").  Titles come from
separate pools keyed by the review's main point, so they paraphrase rather
than copy the review.

Usage (from the repository root)::

    python3 data/make_reviews.py            # (re)write data/reviews/{train,validation,test}.csv
    python3 data/make_reviews.py --check    # regenerate into a temp dir and compare

Only the Python standard library is used and the output is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import random
import re
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

SEED = 20240612
N_TARGET = 2000
SPLITS = (("train", 0.70), ("validation", 0.15), ("test", 0.15))
MIN_WORDS, MAX_WORDS = 15, 150

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "reviews"
OUTPUT_FILES = tuple(f"{name}.csv" for name, _ in SPLITS)
FIELDS = ("review", "title", "product", "rating", "sentiment")

# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------


class Cat:
    def __init__(self, key, items, plural, fabrics, features, areas, details, sizes, events=()):
        self.key = key
        self.items = items          # list of (item name, short noun)
        self.plural = plural
        self.fabrics = fabrics
        self.features = set(features)
        self.areas = areas
        self.details = details
        self.sizes = sizes          # "alpha", "num", "waist", "shoe"
        self.events = events


CATS = [
    Cat("dress", [("wrap dress", "dress"), ("maxi dress", "dress"), ("midi dress", "dress"), ("slip dress", "dress"),
                  ("shirt dress", "dress"), ("sundress", "dress"), ("sweater dress", "dress"), ("tiered dress", "dress")],
        False, ["cotton", "linen", "rayon", "chiffon", "jersey", "satin", "crepe"],
        ["length", "lining", "pockets", "sheer", "wrinkles", "occasion"], ["bust", "waist", "shoulders", "hips"],
        ["the wrap tie", "the puff sleeves", "the smocked back", "the flutter sleeves", "the square neckline",
         "the tiered skirt", "the button front"], "alpha",
        [("wedding guest", "a summer wedding"), ("vacation", "a beach vacation"), ("office", "the office"),
         ("date night", "a date night"), ("party", "a friend's birthday party")]),
    Cat("jeans", [("skinny jeans", "jeans"), ("straight-leg jeans", "jeans"), ("bootcut jeans", "jeans"),
                  ("mom jeans", "jeans"), ("wide-leg jeans", "jeans"), ("boyfriend jeans", "jeans")],
        True, ["stretch denim", "soft-wash denim", "organic cotton denim"],
        ["length", "pockets", "stretch", "waist"], ["waist", "thighs", "hips", "calves"],
        ["the high rise", "the raw hem", "the vintage wash", "the wide leg", "the button fly"], "waist"),
    Cat("sweater", [("cable-knit sweater", "sweater"), ("crewneck sweater", "sweater"), ("turtleneck", "sweater"),
                    ("oversized cardigan", "cardigan"), ("V-neck pullover", "sweater"), ("chunky cardigan", "cardigan")],
        False, ["merino wool", "cashmere blend", "cotton knit", "acrylic knit", "mohair blend", "alpaca blend"],
        ["warmth", "pilling", "sleeves"], ["shoulders", "arms", "chest"],
        ["the chunky cable knit", "the balloon sleeves", "the cropped length", "the mock neck", "the pearl buttons"],
        "alpha"),
    Cat("jacket", [("denim jacket", "jacket"), ("utility jacket", "jacket"), ("faux leather jacket", "jacket"),
                   ("bomber jacket", "jacket"), ("rain jacket", "jacket"), ("blazer", "blazer")],
        False, ["denim", "cotton twill", "faux leather", "nylon", "wool blend"],
        ["warmth", "lining", "pockets", "sleeves", "occasion"], ["shoulders", "arms", "chest"],
        ["the oversized collar", "the gold buttons", "the cropped cut", "the belted waist", "the hood"], "alpha",
        [("office", "the office"), ("travel", "a work trip"), ("date night", "a date night")]),
    Cat("coat", [("wool coat", "coat"), ("puffer coat", "coat"), ("trench coat", "trench"), ("peacoat", "coat"),
                 ("teddy coat", "coat"), ("parka", "parka")],
        False, ["wool blend", "down fill", "faux shearling", "cotton gabardine", "recycled polyester"],
        ["warmth", "lining", "pockets", "sleeves", "length"], ["shoulders", "arms", "chest"],
        ["the belted waist", "the oversized lapels", "the double-breasted front", "the hood", "the storm flap"],
        "alpha"),
    Cat("shoes", [("ankle boots", "boots"), ("white sneakers", "sneakers"), ("ballet flats", "flats"),
                  ("block-heel sandals", "sandals"), ("loafers", "loafers"), ("running shoes", "shoes"),
                  ("knee-high boots", "boots")],
        True, ["leather", "suede", "canvas", "vegan leather", "knit mesh"],
        ["support", "shoes", "occasion"], ["toe box", "heel", "width"],
        ["the almond toe", "the chunky sole", "the block heel", "the buckle detail", "the stitching on the toe"],
        "shoe",
        [("wedding guest", "my cousin's wedding"), ("office", "the office"), ("travel", "a week of sightseeing")]),
    Cat("top", [("linen shirt", "shirt"), ("button-down shirt", "shirt"), ("silk blouse", "blouse"),
                ("peasant blouse", "blouse"), ("striped tee", "tee"), ("tank top", "tank"), ("wrap top", "top")],
        False, ["linen", "cotton poplin", "silk", "jersey", "chiffon", "modal"],
        ["sheer", "wrinkles", "sleeves", "occasion"], ["chest", "shoulders", "arms"],
        ["the relaxed fit", "the pearl buttons", "the pintucks", "the rolled sleeves", "the tie neck"], "alpha",
        [("office", "the office"), ("vacation", "a trip to Lisbon"), ("date night", "a dinner date")]),
    Cat("leggings", [("high-waisted leggings", "leggings"), ("fleece-lined leggings", "leggings"),
                     ("yoga leggings", "leggings"), ("ribbed leggings", "leggings")],
        True, ["nylon-spandex", "cotton blend", "brushed jersey", "recycled nylon"],
        ["sheer", "stretch", "pilling", "waist", "support", "length"], ["waist", "hips", "calves"],
        ["the high waistband", "the side pockets", "the seamless front", "the ribbed texture"], "alpha"),
    Cat("skirt", [("pleated midi skirt", "skirt"), ("denim mini skirt", "skirt"), ("A-line skirt", "skirt"),
                  ("satin slip skirt", "skirt"), ("wrap skirt", "skirt")],
        False, ["satin", "denim", "cotton", "crepe", "linen"],
        ["length", "lining", "pockets", "sheer", "waist", "wrinkles", "occasion"], ["waist", "hips"],
        ["the pleats", "the side slit", "the button front", "the flowy shape", "the tie waist"], "num",
        [("office", "the office"), ("wedding guest", "a garden wedding"), ("date night", "a date night")]),
    Cat("pants", [("wide-leg trousers", "trousers"), ("paperbag pants", "pants"), ("joggers", "joggers"),
                  ("chinos", "chinos"), ("linen pants", "pants"), ("cargo pants", "pants")],
        True, ["linen", "cotton twill", "crepe", "french terry", "wool blend"],
        ["length", "pockets", "stretch", "waist", "wrinkles"], ["waist", "hips", "thighs"],
        ["the pleated front", "the wide leg", "the paperbag waist", "the tapered ankle", "the drawstring"], "num"),
    Cat("shorts", [("denim shorts", "shorts"), ("linen shorts", "shorts"), ("bike shorts", "shorts")],
        True, ["denim", "linen", "nylon-spandex"], ["pockets", "stretch", "waist", "length"], ["waist", "thighs"],
        ["the paperbag waist", "the frayed hem", "the high rise"], "alpha"),
    Cat("swimwear", [("one-piece swimsuit", "swimsuit"), ("bikini set", "bikini"), ("swim shorts", "swim shorts")],
        False, ["recycled nylon", "ribbed lycra", "quick-dry fabric"], ["support", "sheer"], ["bust", "hips"],
        ["the ruched sides", "the tie straps", "the low back", "the high-cut leg"], "alpha",
        [("vacation", "a beach vacation")]),
    Cat("pajamas", [("flannel pajama set", "pajamas"), ("satin pajama set", "pajamas"), ("cotton sleep shirt", "sleep shirt")],
        False, ["flannel", "satin", "cotton", "modal"], ["warmth", "pilling"], ["hips", "shoulders"],
        ["the piping", "the button-up top", "the elastic waist"], "alpha"),
    Cat("hoodie", [("zip-up hoodie", "hoodie"), ("cropped hoodie", "hoodie"), ("fleece sweatshirt", "sweatshirt")],
        False, ["fleece", "french terry", "cotton blend"], ["warmth", "pilling", "pockets", "sleeves"],
        ["shoulders", "arms"], ["the thumbholes", "the oversized hood", "the cropped length", "the kangaroo pocket"],
        "alpha"),
    Cat("jumpsuit", [("linen jumpsuit", "jumpsuit"), ("wide-leg jumpsuit", "jumpsuit"), ("denim overalls", "overalls")],
        False, ["linen", "crepe", "denim", "cotton"], ["length", "pockets", "wrinkles", "occasion"],
        ["torso", "hips", "bust"], ["the wide legs", "the tie belt", "the V-neck", "the adjustable straps"], "alpha",
        [("wedding guest", "a rehearsal dinner"), ("vacation", "a weekend away"), ("party", "a friend's party")]),
]
FABRIC_WORDS = ["faux leather", "linen", "silk", "wool", "denim", "satin", "flannel", "fleece", "cotton"]
CAT_WEIGHTS = {"dress": 18, "jeans": 10, "sweater": 10, "jacket": 7, "coat": 7, "shoes": 9, "top": 11,
               "leggings": 6, "skirt": 6, "pants": 6, "shorts": 3, "swimwear": 3, "pajamas": 2, "hoodie": 3,
               "jumpsuit": 3}

COLOURS = ["black", "navy", "ivory", "olive", "rust", "blush pink", "burgundy", "mustard", "sage green",
           "heather grey", "cobalt blue", "camel", "cream", "charcoal", "emerald", "lavender", "terracotta",
           "floral print", "striped", "leopard print", "dusty rose", "chocolate brown", "white", "red", "teal"]
HEIGHTS = ["5'0\"", "5'1\"", "5'2\"", "5'3\"", "5'4\"", "5'5\"", "5'6\"", "5'7\"", "5'8\"", "5'9\"", "5'10\""]
ALPHA = [("XS", "an XS"), ("S", "a small"), ("M", "a medium"), ("L", "a large"), ("XL", "an XL")]

# ---------------------------------------------------------------------------
# Sentence pools.  Keys are "family:variant"; polarity "+", "-" or "0".
# Placeholders: {It}/{it} subject pronoun, {them} object pronoun, {its},
# {is}/{was}/{has}/{does}/{doesnt}/{isnt}/{s} (verb -s), {this}, {item},
# {short}, {a_item}, {fabric}, {colour}, {size}, {size_up}, {size_down},
# {area}, {detail}, {height}, {event}, {price}.
# ---------------------------------------------------------------------------

ASPECTS = {
    # ---------------- fit
    "fit:true": ("+", None, [
        "Fits true to size; I got my usual {size_bare}.",
        "The fit is spot on, and I'm normally hard to fit.",
        "{It} fit{s} like {it} {was} made for me.",
        "I ordered {size} as always and the fit is perfect through the {area}.",
        "Sizing is accurate, so just order what you normally wear.",
        "No guessing on size here, {it} fit{s} exactly as expected.",
        "I was nervous about ordering online, but {it} fit{s} perfectly right out of the package.",
    ]),
    "fit:small": ("-", None, [
        "I usually wear {size} and could barely get {them} on.",
        "{It} run{s} at least a full size small.",
        "Order a size up, the {area} {area_is} really snug.",
        "The {area} {area_was} so tight I couldn't move comfortably.",
        "{It} {is} much smaller than the size chart suggests.",
        "I had to exchange for {size_up}, which fits much better.",
        "Even in my usual {size_bare} {it} {was} squeezing me in the {area}.",
        "I could zip {them} up, but only by holding my breath, so the sizing is clearly off.",
    ]),
    "fit:large": ("-", None, [
        "{It} {is} huge; I'm normally {size} and could have sized down twice.",
        "Very boxy and oversized, even in {size_down}.",
        "The {area} gape{area_s} and the whole thing swallows me.",
        "I'm swimming in {them}, and I ordered my usual {size_bare}.",
        "{It} run{s} at least a size large, so size down.",
        "Way roomier than the photos suggest, especially in the {area}.",
        "Even after sizing down I had extra fabric bunching around the {area}.",
    ]),
    "fit:flattering": ("+", {"not": {"shoes"}}, [
        "The cut is so flattering and skims over my tummy.",
        "{It} {is} really flattering on, even on my pear-shaped figure.",
        "Somehow {it} make{s} my legs look a mile long.",
        "The shape is flattering without being clingy.",
        "It hugs in the right places and hides the rest.",
    ]),
    "fit:unflattering": ("-", {"not": {"shoes"}}, [
        "The cut is boxy and made me look twice my size.",
        "Very unflattering on my curvy frame.",
        "The shape does nothing for me, it just hangs like a sack.",
        "{It} looked cute on the model but frumpy on me.",
        "The proportions are strange and it sits in all the wrong places.",
    ]),
    # ---------------- length
    "length:long": ("-", {"feature": "length"}, [
        "{It} {is} way too long for my {height} frame.",
        "I'll need to get {them} hemmed because the length is huge.",
        "The length drags on the floor even with heels.",
        "{It} hit{s} much lower than shown on the model.",
    ]),
    "length:short": ("-", {"feature": "length"}, [
        "{It} {is} much shorter than pictured on the model.",
        "The length is shorter than I expected, even on my {height} frame.",
        "Way too short for anyone over {height}.",
    ]),
    "length:good": ("+", {"feature": "length"}, [
        "The length is perfect on my {height} frame.",
        "Love the length, it hits right where I want {it} to.",
        "Finally a length that works for me at {height}.",
    ]),
    # ---------------- fabric
    "fabric:soft": ("+", {"not": {"shoes"}}, [
        "The {fabric} is incredibly soft.",
        "The fabric feels luxurious and so soft against the skin.",
        "{It} feel{s} buttery soft, like {it} {has} already been washed a hundred times.",
        "Such soft {fabric}, I keep touching the sleeve.",
        "The material is soft and drapes beautifully.",
    ]),
    "fabric:thick": ("+", {"cats": {"sweater", "coat", "jacket", "hoodie", "jeans", "leggings", "pants", "pajamas"}}, [
        "The {fabric} is thick and substantial, not flimsy at all.",
        "Nice heavy fabric that feels expensive.",
        "{It} {has} a good weight to {them}, so {it} hang{s} nicely.",
    ]),
    "fabric:cheap": ("-", None, [
        "The material feels cheap and scratchy, like a costume.",
        "It looks nothing like {fabric}, more like plastic.",
        "The fabric is flimsy and shiny in a cheap way.",
        "You can tell the fabric is low quality the moment you touch {them}.",
        "The {fabric} feels thin and synthetic.",
    ]),
    "fabric:sheer": ("-", {"feature": "sheer"}, [
        "The fabric is paper thin and completely see-through.",
        "You can see right through {them} in daylight.",
        "I'd need to wear a slip underneath because {it} {is} so sheer.",
        "Way too sheer, you can see everything when you bend over.",
        "The {colour} is practically transparent.",
    ]),
    # ---------------- quality
    "quality:good": ("+", None, [
        "The stitching is neat and {it} feel{s} really well made.",
        "After a dozen wears {it} still look{s} brand new.",
        "I've had {them} for over a year now and there isn't a loose thread anywhere.",
        "Quality is excellent, far better than I expected.",
        "Sturdy construction, nothing is coming loose.",
        "{It} feel{s} like {it} will last for years.",
    ]),
    "quality:bad": ("-", None, [
        "A seam split the first time I wore {them}.",
        "A button fell off within a week.",
        "Loose threads everywhere straight out of the bag.",
        "There was already a small hole near the {area} when {it} arrived.",
        "The zipper broke on the second wear.",
        "I wore {them} exactly three times before a seam started coming apart at the {area}.",
        "The hem started unravelling after one wash.",
    ]),
    "quality:pilling": ("-", {"feature": "pilling"}, [
        "{It} started pilling after one wear.",
        "Pills everywhere after a single wash, especially under the arms.",
        "Within a week {it} looked old and fuzzy.",
        "The {fabric} pills wherever it rubs against my bag.",
    ]),
    # ---------------- colour
    "colour:good": ("+", None, [
        "The {colour} is even prettier in person.",
        "The color is exactly as pictured.",
        "Such a rich {colour}, it looks expensive.",
        "The {colour} goes with everything in my closet.",
        "The shade is rich and true to the photos, and it hasn't faded at all after months of wear.",
        "I love the shade, it's the perfect {colour}.",
    ]),
    "colour:bad": ("-", None, [
        "The {colour} looks nothing like the photo; it's much duller in person.",
        "The color is way brighter than pictured.",
        "What arrived was a completely different shade from the listing.",
        "The {colour} has a weird greenish tint that wasn't in the photos.",
        "The color looked washed out as soon as I took {them} out of the bag.",
        "I ordered {colour} expecting the shade in the photos, but what arrived was a completely different color.",
    ]),
    # ---------------- comfort
    "comfort:good": ("+", None, [
        "So comfortable I could sleep in {them}.",
        "I wore {them} all day at work and never felt restricted.",
        "{It} {is} the comfiest thing I own.",
        "Comfortable from morning to night, no pinching anywhere.",
        "I spent a long travel day in {them} and was still comfortable when I got home.",
        "I forget I'm even wearing {them}.",
    ]),
    "comfort:bad": ("-", None, [
        "The {fabric} is itchy and I couldn't wait to take {them} off.",
        "Really uncomfortable; the seams dig into my {area}.",
        "I lasted about an hour before I had to change.",
        "{It} {is} stiff and restrictive, no give at all.",
    ]),
    # ---------------- washing
    "wash:good": ("+", {"not": {"shoes"}}, [
        "Held up perfectly in the wash, no shrinking or fading.",
        "I've washed {them} several times and {it} still look{s} new.",
        "Machine washable and comes out looking great.",
    ]),
    "wash:shrank": ("-", {"not": {"shoes"}}, [
        "{It} shrank a full size after one cold wash.",
        "After the first wash {it} came out two inches shorter.",
        "I followed the care label exactly and {it} still shrank.",
        "{It} came out of the first wash noticeably smaller and tighter.",
    ]),
    "wash:wrinkles": ("-", {"feature": "wrinkles"}, [
        "{It} wrinkle{s} if you even look at {them}.",
        "Be ready to steam {them} every single time you wear {them}.",
        "After sitting for ten minutes {it} looked like I'd slept in {them}.",
    ]),
    # ---------------- price
    "price:good": ("+", None, [
        "Great value for the price.",
        "I got {them} on sale for ${price} and it feels like a steal.",
        "I've paid twice as much for things that didn't last half as long, so this is a great deal.",
        "For ${price}, I honestly expected much less.",
        "The quality is amazing for what you pay.",
    ]),
    "price:bad": ("-", None, [
        "Way overpriced for what it is.",
        "Not worth ${price}, honestly.",
        "At ${price} I expected much better quality.",
        "For what I paid I expected real quality, and this feels like something from a discount bin.",
        "You can find the same thing elsewhere for half the price.",
    ]),
    # ---------------- shipping
    "shipping:good": ("+", None, [
        "Arrived two days early and nicely packaged.",
        "Shipping was fast.",
        "Came quickly and was packed with care.",
    ]),
    "shipping:bad": ("-", None, [
        "Took almost three weeks to arrive.",
        "{It} arrived with a stain on the front.",
        "They sent the wrong size and the exchange took forever.",
        "The package showed up ripped open and {it} {was} wrinkled and dirty.",
        "Customer service took ten days to answer my email about the late delivery.",
    ]),
    # ---------------- style / compliments / occasion
    "style:good": ("+", None, [
        "I love {detail}.",
        "{detail} {detail_is} such a nice touch.",
        "The design is really pretty, especially {detail}.",
        "{It} look{s} just like the photos, and {detail} {detail_is} adorable.",
        "The details make {them} feel special, especially {detail}.",
    ]),
    "compliments:good": ("+", None, [
        "Got so many compliments the first time I wore {them}.",
        "Three strangers asked me where {it} {was} from.",
        "My coworkers keep asking where I bought {them}.",
        "My husband said it's the nicest thing I own.",
    ]),
    "occasion:good": ("+", {"feature": "occasion"}, [
        "Wore {them} to {event} and felt amazing.",
        "I bought {them} for {event} and {it} {was} perfect.",
        "{It} worked beautifully for {event}.",
    ]),
    "versatile:good": ("+", {"not": {"pajamas", "swimwear"}}, [
        "Easy to dress up or down.",
        "I've worn {them} to the office and on weekends.",
        "{It} go{es} with everything from sneakers to heels.",
        "A true wardrobe staple, I reach for {them} constantly.",
    ]),
    # ---------------- category specific
    "warmth:good": ("+", {"feature": "warmth"}, [
        "Kept me warm on a freezing morning walk.",
        "Surprisingly warm without being bulky.",
        "{It} {is} so cozy on cold days.",
        "Warm enough that I skipped a layer underneath.",
    ]),
    "warmth:bad": ("-", {"feature": "warmth"}, [
        "Not warm at all despite the {fabric}.",
        "The wind goes straight through {them}.",
        "I was freezing in {them} on a mild autumn day.",
    ]),
    "pockets:good": ("+", {"feature": "pockets"}, [
        "And {it} {has} real pockets!",
        "The pockets are deep enough for my phone.",
        "Bonus points for the pockets.",
    ]),
    "pockets:bad": ("-", {"feature": "pockets"}, [
        "The pockets are fake, which was disappointing.",
        "The pockets are so shallow my phone falls out.",
    ]),
    "lining:good": ("+", {"feature": "lining"}, [
        "Fully lined, so no need for anything underneath.",
        "The lining is smooth and makes {them} feel more expensive.",
    ]),
    "lining:bad": ("-", {"feature": "lining"}, [
        "There's no lining, so {it} cling{s} to my tights.",
        "The lining is shorter than the outer layer and peeks out.",
    ]),
    "stretch:good": ("+", {"feature": "stretch"}, [
        "Just enough stretch to move comfortably.",
        "Lots of stretch without losing shape.",
        "{It} {has} great recovery and never bag{s} at the knees.",
    ]),
    "stretch:bad": ("-", {"feature": "stretch"}, [
        "{It} stretched out and bagged at the knees by lunchtime.",
        "By the end of the day the waist had stretched a full size.",
        "The fabric loses its shape after a couple of hours of wear.",
    ]),
    "support:good": ("+", {"feature": "support"}, [
        "Great support, even on long days.",
        "{It} {has} excellent support and {it} stay{s} in place.",
        "Really supportive without feeling tight.",
    ]),
    "support:bad": ("-", {"feature": "support"}, [
        "Zero support whatsoever.",
        "No support at all, I felt like I had to keep adjusting {them}.",
        "{It} offer{s} barely any support.",
    ]),
    "shoes:good": ("+", {"feature": "shoes"}, [
        "Comfortable right out of the box, no break-in needed.",
        "I walked ten miles in {them} with no blisters.",
        "The cushioning is fantastic.",
    ]),
    "shoes:bad": ("-", {"feature": "shoes"}, [
        "Gave me blisters within an hour.",
        "My heels were rubbed raw by the end of the day.",
        "They hurt so much I had to carry them home.",
    ]),
    # ---------------- overall
    "overall:love": ("+", None, [
        "I absolutely love {this} {item}.",
        "This is hands down my favorite purchase this year.",
        "I'm obsessed with {them}.",
        "Everything about {them} is perfect.",
        "I love {them} so much I bought a second {one_bare}.",
    ]),
    "overall:hate": ("-", None, [
        "I really wanted to love {this} {item}.",
        "Huge disappointment.",
        "Nothing like the pictures.",
        "I regret buying {them}.",
    ]),
}

# Shoes need their own wording for a few aspects.
SHOE_OVERRIDES = {
    "fit:true": ["True to size, I got my usual {size_bare}.", "They fit perfectly in my normal size, even with socks.",
                 "Half sizes are accurate, so order what you normally wear."],
    "fit:small": ["They run a half size small; I'm usually {size} and my toes are crushed.",
                  "Order a half size up, the toe box is very narrow.",
                  "Way too tight across the width of my foot.",
                  "I had to exchange them for {size_up}, and even those are snug."],
    "fit:large": ["My heel slips out; they run at least half a size big.",
                  "I normally wear {size} and could have gone down half a size.",
                  "Roomy in the toe box and loose at the heel, so size down."],
    "comfort:good": ["Comfortable from the very first wear.", "I can stand in them all day at work without sore feet.",
                     "The insole is soft and my feet never ache."],
    "comfort:bad": ["They pinch across the toes after an hour.", "The insole is hard as a rock.",
                    "My feet ached after a short walk to the station."],
    "fabric:cheap": ["The {fabric} feels thin and plasticky.", "The material looks cheap up close and creases badly."],
    "quality:bad": ["The sole started peeling off after two weeks.", "A strap came loose on the second wear.",
                    "The stitching along the toe is already fraying.", "One heel cap fell off within a month."],
}

CONTEXT = [
    "I ordered the {colour} in {size}.",
    "For reference, I'm {height} and usually wear {size}.",
    "Bought {this} {item} for {purpose}.",
    "I've been looking for {a_item} like this for ages.",
    "Saw {them} on {source} and had to try {them}.",
    "A friend recommended {them}, so I finally ordered.",
    "I'm {height} and ordered {size}.",
    "This is my second order from this brand.",
    "I got the {colour} after reading the reviews.",
]
PURPOSES = ["a trip to Lisbon", "work", "my sister's birthday", "fall", "everyday wear", "a family reunion",
            "the holidays", "spring", "my vacation", "a weekend away"]
SOURCES = ["Instagram", "the homepage", "a TikTok video", "a fashion blog", "the sale page"]
NEUTRAL = [
    "I usually shop in stores, but I decided to give online ordering a try this season.",
    "I was hesitant because of the mixed reviews, so I read the size chart carefully before ordering.",
    "{It} came folded neatly in a paper bag with the tags still attached.",
    "I paired {them} with a plain white tee and sneakers for a casual look.",
    "I've tried similar styles from other brands over the years.",
    "The model in the photos looks about my height, which is why I went with this one.",
    "I needed something for the awkward weeks between seasons.",
    "I wore {them} for the first time last weekend.",
    "I have a fairly athletic build with broad shoulders, for what it's worth.",
    "I ordered two sizes to compare and kept only one.",
    "I've been burned by online sizing before, so I always read the reviews before buying anything.",
    "I tend to wear neutral colors to work and brighter ones on the weekend.",
    "I wore {them} on a long day of errands, school pickup and dinner out.",
    "My style is pretty classic, and I don't usually go for trends.",
]

CLOSE = {
    "positive": ["Highly recommend!", "Would definitely buy again.", "Already ordered another color.",
                 "Run, don't walk.", "So glad I took a chance on {them}.", "Can't recommend enough.",
                 "Five stars from me.", "Buying {one} for my mom too."],
    "negative": ["Returning {them}.", "Sent {them} back.", "Save your money.", "Very disappointed.",
                 "Would not recommend.", "Back {it} go{es}.", "Won't be ordering from here again.",
                 "Such a letdown."],
    "mixed": ["I'm keeping {them}, but with mixed feelings.", "On the fence about returning {them}.",
              "It's fine for the price.", "Would only buy on sale.", "Might keep {them}, might not.",
              "Not perfect, but I'll wear {them}.", "Three stars feels fair."],
}
MINOR_CONS = [
    ("Only wish {it} came in more colors.", "colour"),
    ("It wrinkles a little, but nothing a steamer can't fix.", "wash"),
    ("Shipping was a bit slow, but worth the wait.", "shipping"),
    ("The tag is a little scratchy, so I cut it out.", "comfort"),
    ("The price is a bit steep, but I think it's worth it.", "price"),
    ("My only complaint is that the sizing chart was confusing.", "fit"),
]
MINOR_PROS = [
    ("The color is nice, I'll give it that.", "colour"),
    ("Shipping was quick, at least.", "shipping"),
    ("The design itself is cute.", "style"),
    ("Customer service was helpful with the return.", "shipping"),
]

# ---------------------------------------------------------------------------
# Titles
# ---------------------------------------------------------------------------

POS_TITLES = {
    "overall:love": ["Love it!", "Obsessed", "My new favorite {short}", "Absolutely love this {short}",
                     "Best {short} I own", "Buy it in every color", "In love", "Ten out of ten"],
    "fit:true": ["Fits perfectly", "True to size", "Perfect fit", "Fits like a glove", "Finally, {a_short} that {fits}"],
    "fit:flattering": ["So flattering", "Flattering on my curves", "Most flattering {short} ever", "Flattering and easy"],
    "fabric:soft": ["Incredibly soft", "Softest {short} ever", "So soft and cozy", "Buttery soft"],
    "fabric:thick": ["Thick, quality fabric", "Substantial and well made", "Heavyweight in the best way"],
    "quality:good": ["Great quality", "Well made and sturdy", "Quality you can feel", "Built to last"],
    "colour:good": ["Gorgeous color", "Stunning {colour}", "The color is perfect", "Beautiful color in person"],
    "comfort:good": ["So comfortable", "Comfy all day", "Comfy enough to sleep in", "All-day comfort"],
    "comfort:good/shoes": ["So comfortable", "Comfy all day", "All-day comfort", "Like walking on clouds"],
    "price:good": ["Great value", "Worth every penny", "A steal for the price", "Amazing for the price"],
    "compliments:good": ["So many compliments", "Compliment magnet", "Everyone asks where {its_from}"],
    "versatile:good": ["Perfect everyday {short}", "Goes with everything", "Wardrobe staple", "Dress {them} up or down"],
    "warmth:good": ["So warm", "Warm without the bulk", "Perfect winter {short}", "Toasty and cozy"],
    "occasion:good": ["Perfect {event_title} {short}", "Ideal for {event}", "Great {event_title} pick"],
    "support:good": ["Great support", "Supportive and comfy"],
    "stretch:good": ["Perfect amount of stretch", "Stretchy and flattering"],
    "shoes:good": ["No break-in needed", "Comfy from day one", "Walk all day comfort"],
}
NEG_TITLES = {
    "fit:small": ["Runs small", "Size up!", "Runs very small", "Way too small", "Order a size up", "Sizing is way off"],
    "fit:large": ["Runs big", "Size down", "Huge and shapeless", "Way too big", "Runs a size large"],
    "fit:unflattering": ["Unflattering cut", "Shapeless on me", "Not flattering at all", "Frumpy fit"],
    "length:long": ["Way too long", "Too long for petites"],
    "length:short": ["Much shorter than pictured", "Too short"],
    "fabric:cheap": ["Cheap fabric", "Feels cheap", "Cheap material, returned {them}", "Cheap-feeling material"],
    "fabric:sheer": ["See-through!", "Too sheer to wear", "Completely see-through", "Needs a lining"],
    "quality:bad": ["Poor quality", "Cheaply made", "Shoddy construction", "Quality issues", "Badly made"],
    "quality:pilling": ["Pills terribly", "Pilled after one wear", "Pilling mess"],
    "colour:bad": ["Not the color pictured", "Color is way off", "Looks nothing like the photo"],
    "comfort:bad": ["Uncomfortable to wear", "So uncomfortable", "Couldn't wait to take {them} off"],
    "wash:shrank": ["Shrank after one wash", "Shrinks badly", "Ruined in the wash"],
    "price:bad": ["Not worth the price", "Overpriced", "Way too expensive for this"],
    "shipping:bad": ["Shipping nightmare", "Bad delivery experience", "Terrible order experience"],
    "warmth:bad": ["Not warm at all", "Useless in the cold"],
    "support:bad": ["Zero support", "No support at all"],
    "stretch:bad": ["Stretches out by noon", "Baggy after an hour"],
    "shoes:bad": ["Blisters and regret", "Painful shoes", "Hurt my feet"],
}
GOOD_FRAG = {
    "colour:good": ["gorgeous color", "beautiful color", "pretty color"],
    "style:good": ["cute style", "adorable design", "pretty", "cute"],
    "comfort:good": ["comfy", "super comfortable"],
    "fabric:soft": ["soft fabric", "so soft"],
    "fit:true": ["great fit", "fits well"],
    "price:good": ["good price", "great price"],
    "fit:flattering": ["flattering", "flattering cut"],
    "quality:good": ["well made", "good quality"],
    "warmth:good": ["warm", "nice and warm"],
}
BAD_FRAG = {
    "fit:small": ["runs small", "size up"],
    "fit:large": ["runs big", "size down"],
    "fabric:sheer": ["sheer", "thin fabric"],
    "quality:pilling": ["pills", "pills quickly"],
    "length:long": ["too long", "long on petites"],
    "length:short": ["runs short"],
    "quality:bad": ["so-so quality", "poor stitching"],
    "price:bad": ["pricey", "overpriced"],
    "colour:bad": ["color is off", "not the pictured color"],
    "wash:shrank": ["shrinks", "shrank in the wash"],
    "wash:wrinkles": ["wrinkles easily", "wrinkles a lot"],
    "fabric:cheap": ["cheap fabric", "feels cheap"],
    "comfort:bad": ["a bit itchy", "not very comfy"],
}
MIXED_PATTERNS = ["{G} but {b}", "{G}, {b}", "{B} but {g}", "{G}, but {b}", "{B}, but {g}", "{G}... {b}"]

CONNECTORS = ["Unfortunately, ", "However, ", "The downside: ", "But ", "Sadly, ", "That said, "]
REDEEMERS = ["Still, ", "On the plus side, ", "That said, ", "Otherwise, "]

# Aspect families that give a consistent review when used once each.
def family(key: str) -> str:
    return key.split(":")[0]


def applicable(key: str, cat: Cat) -> bool:
    cond = ASPECTS[key][1]
    if cond is None:
        return True
    if "not" in cond:
        return cat.key not in cond["not"]
    if "cats" in cond:
        return cat.key in cond["cats"]
    return cond["feature"] in cat.features


def title_applicable(key: str, cat: Cat) -> bool:
    if key == "occasion:good" and not cat.events:
        return False
    return applicable(key, cat) if key in ASPECTS else True


# ---------------------------------------------------------------------------
# Review construction
# ---------------------------------------------------------------------------


def forms(cat: Cat) -> dict:
    if cat.plural:
        return dict(It="They", it="they", them="them", its="their", one="a pair", **{"is": "are", "was": "were", "has": "have",
                    "does": "do", "doesnt": "don't", "isnt": "aren't", "s": "", "es": "", "this": "these",
                    "fits": "fit"})
    return dict(It="It", it="it", them="it", its="its", one="one", **{"is": "is", "was": "was", "has": "has", "does": "does",
                "doesnt": "doesn't", "isnt": "isn't", "s": "s", "es": "es", "this": "this", "fits": "fits"})


def sizes(rng: random.Random, cat: Cat):
    """Return (usual size with article, one size up, one size down, usual size without article)."""
    if cat.sizes == "alpha":
        i = rng.randint(0, 4)
        bare = ["XS", "small", "medium", "large", "XL"][i]
        return ALPHA[i][1], ALPHA[min(i + 1, 4)][1], ALPHA[max(i - 1, 0)][1], bare
    if cat.sizes == "num":
        n = rng.choice([0, 2, 4, 6, 8, 10, 12, 14, 16])
        return f"a size {n}", f"a size {min(n + 2, 18)}", f"a size {max(n - 2, 0)}", f"size {n}"
    if cat.sizes == "waist":
        n = rng.randint(24, 34)
        return f"a {n}", f"a {n + 1}", f"a {n - 1}", f"{n}"
    n = rng.choice([6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10, 11])
    fmt = lambda x: f"{x:g}"
    return f"a size {fmt(n)}", f"a {fmt(n + 0.5)}", f"a {fmt(n - 0.5)}", f"size {fmt(n)}"


def fill(template: str, v: dict) -> str:
    text = template.format(**v)
    return text[0].upper() + text[1:]


def lower_first(s: str) -> str:
    if s.startswith(("I ", "I'", "I,")):
        return s
    return s[0].lower() + s[1:]


def templates_for(key, cat):
    if cat.key == "shoes" and key in SHOE_OVERRIDES:
        return SHOE_OVERRIDES[key]
    return ASPECTS[key][2]


def pick_sentence(rng, key, v, used_templates, cat):
    pool = templates_for(key, cat)
    options = [t for t in pool if t not in used_templates]
    t = rng.choice(options or pool)
    used_templates.add(t)
    return fill(t, v)


def choose_sentiment(rng):
    r = rng.random()
    if r < 0.50:
        return "positive", (5 if rng.random() < 0.62 else 4)
    if r < 0.77:
        return "negative", (1 if rng.random() < 0.55 else 2)
    x = rng.random()
    return "mixed", (3 if x < 0.7 else (2 if x < 0.85 else 4))


LENGTH_WEIGHTS = [(1, 6), (2, 12), (3, 19), (4, 20), (5, 16), (6, 12), (7, 8), (8, 7)]


def make_review(rng: random.Random):
    cat = rng.choices(CATS, weights=[CAT_WEIGHTS[c.key] for c in CATS])[0]
    item, short = rng.choice(cat.items)
    colour = rng.choice(COLOURS)
    size, size_up, size_down, size_bare = sizes(rng, cat)
    detail = rng.choice(cat.details)
    area = rng.choice(cat.areas)
    event_title, event = rng.choice(cat.events) if cat.events else ("", "")
    f = forms(cat)
    fabric = next((w for w in FABRIC_WORDS if w in item), None) or rng.choice(cat.fabrics)
    a_item = (f"a pair of {item}" if cat.plural else ("an " if item[0] in "aeiouAEIOU" else "a ") + item)
    v = dict(f, item=item, short=short, colour=colour, fabric=fabric, one_bare="pair" if cat.plural else "one", size=size, size_up=size_up,
             size_down=size_down, size_bare=size_bare, area=area, detail=detail,
             detail_is="are" if detail.endswith("s") else "is", area_is="are" if area.endswith("s") else "is",
             area_was="were" if area.endswith("s") else "was", area_s="" if area.endswith("s") else "s",
             its_from="they're from" if cat.plural else "it's from",
             height=rng.choice(HEIGHTS), event=event, price=rng.choice([19, 25, 29, 35, 39, 45, 49, 58, 68, 79, 89, 98,
                                                                        120, 148, 180]),
             purpose=rng.choice(PURPOSES), source=rng.choice(SOURCES), a_item=a_item)
    sentiment, rating = choose_sentiment(rng)
    n_target = rng.choices([n for n, _ in LENGTH_WEIGHTS], weights=[w for _, w in LENGTH_WEIGHTS])[0]

    used_fam: set[str] = set()
    used_tpl: set[str] = set()
    main: list[str] = []

    # ---- main point and title
    if sentiment == "positive":
        keys = [k for k in POS_TITLES if "/" not in k and title_applicable(k, cat)]
        theme = rng.choice(keys)
        polarity_pool = "+"
        main.append(pick_sentence(rng, theme, v, used_tpl, cat))
        if n_target >= 4 and rng.random() < 0.4 and len(templates_for(theme, cat)) > 2 and theme != "occasion:good":
            main.append(pick_sentence(rng, theme, v, used_tpl, cat))
        title_key = theme + "/shoes" if cat.key == "shoes" and theme + "/shoes" in POS_TITLES else theme
        title_tpl = rng.choice(POS_TITLES[title_key])
        themes = [theme]
    elif sentiment == "negative":
        keys = [k for k in NEG_TITLES if title_applicable(k, cat)]
        theme = rng.choice(keys)
        polarity_pool = "-"
        main.append(pick_sentence(rng, theme, v, used_tpl, cat))
        if n_target >= 4 and rng.random() < 0.4 and len(templates_for(theme, cat)) > 2 and theme != "occasion:good":
            main.append(pick_sentence(rng, theme, v, used_tpl, cat))
        title_tpl = rng.choice(NEG_TITLES[theme])
        if rng.random() < 0.15 and "return" not in title_tpl.lower() and not title_tpl.endswith("!"):
            title_tpl += rng.choice([", returned {them}", ", sent {them} back", ". Returned"])
        themes = [theme]
    else:
        good = rng.choice([k for k in GOOD_FRAG if title_applicable(k, cat)])
        bad = rng.choice([k for k in BAD_FRAG if title_applicable(k, cat) and family(k) != family(good)])
        polarity_pool = "0"
        g_sent = pick_sentence(rng, good, v, used_tpl, cat)
        b_sent = pick_sentence(rng, bad, v, used_tpl, cat)
        g_raw, b_raw = g_sent, b_sent
        if rng.random() < 0.75:          # good point first, then the drawback
            if rng.random() < 0.65:
                b_sent = rng.choice(CONNECTORS) + lower_first(b_sent)
            main += [g_sent, b_sent]
        else:                            # drawback first, then what redeems it
            if rng.random() < 0.65:
                g_sent = rng.choice(REDEEMERS) + lower_first(g_sent)
            main += [b_sent, g_sent]
        g, b = rng.choice(GOOD_FRAG[good]), rng.choice(BAD_FRAG[bad])
        title_tpl = rng.choice(MIXED_PATTERNS).format(G=g[0].upper() + g[1:], g=g, B=b[0].upper() + b[1:], b=b)
        themes = [good, bad]
    for t in themes:
        used_fam.add(family(t))

    # ---- secondary sentences
    # Other aspects support the main point without competing with it: a positive
    # review gets up to three other positives, a negative one up to two other
    # complaints, a mixed one at most one more remark; the rest is neutral context.
    cap = {"positive": 3, "negative": 2, "mixed": rng.choice([0, 1])}[sentiment]
    want = {"positive": "+", "negative": "-", "mixed": rng.choice("+-")}[sentiment]
    pool = [k for k, (pol, _, _) in ASPECTS.items()
            if pol == want and applicable(k, cat) and not k.startswith("overall")]
    rng.shuffle(pool)
    n_extra = max(0, n_target - len(main) - (1 if n_target >= 3 else 0))
    extra: list[str] = []
    for k in pool:
        if len(extra) >= min(cap, n_extra):
            break
        if family(k) in used_fam:
            continue
        extra.append(pick_sentence(rng, k, v, used_tpl, cat))
        used_fam.add(family(k))
    # A 4-star positive may carry a minor reservation; a 2-star negative a small consolation.
    if rating == 4 and sentiment == "positive" and rng.random() < 0.5:
        opts = [t for t, fam in MINOR_CONS if fam not in used_fam]
        if opts:
            extra.append(fill(rng.choice(opts), v))
    if rating == 2 and sentiment == "negative" and rng.random() < 0.5:
        opts = [t for t, fam in MINOR_PROS if fam not in used_fam]
        if opts:
            extra.append(fill(rng.choice(opts), v))
    neutral = [fill(t, v) for t in rng.sample(CONTEXT, 2)] + [fill(t, v) for t in rng.sample(NEUTRAL, 2)]
    lead: list[str] = []
    while len(main) + len(extra) + len(lead) < n_target - (1 if n_target >= 3 else 0) and neutral:
        sent = neutral.pop()
        (lead if rng.random() < 0.5 and not lead else extra).append(sent)
    rng.shuffle(extra)
    # The main point comes first (possibly after one line of context), so it dominates.
    sentences = lead + main + extra
    if n_target >= 3 or (n_target == 2 and len(sentences) < 2):
        sentences.append(fill(rng.choice(CLOSE[sentiment]), v))
    sentences = sentences[:8]
    if n_target == 1:
        if sentiment == "mixed":
            sentences = [g_raw.rstrip(".!") + ", but " + lower_first(b_raw)]
        else:
            close = fill(rng.choice(CLOSE[sentiment]), v).rstrip(".!")
            sentences = [main[0].rstrip(".!") + rng.choice([", ", "; "]) + lower_first(close) + "."]
    review = " ".join(sentences)
    review = re.sub(r"\s+", " ", review).strip()
    if rng.random() < 0.08:
        review = review.rstrip(".") + "!"

    title = fill(title_tpl, dict(v, a_short=(short if cat.plural else "a " + short), event_title=event_title)).strip()
    style = rng.random()
    if style < 0.15:
        title = " ".join(w[0].upper() + w[1:] if w not in ("a", "an", "the", "of", "in", "for", "but", "and", "it")
                         else w for w in title.split())
    elif style < 0.22 and not title.endswith(("!", ".")):
        title += "!"
    product = item
    return dict(review=review, title=title, product=product, rating=rating, sentiment=sentiment,
                themes="|".join(themes), n_sent=len(re.findall(r"[.!?](?:\s|$)", review)))


# ---------------------------------------------------------------------------
# Dataset assembly, output and checks
# ---------------------------------------------------------------------------


def build_rows(rng: random.Random):
    rows, seen = [], set()
    attempts = 0
    while len(rows) < N_TARGET:
        attempts += 1
        assert attempts < N_TARGET * 20, "could not generate enough unique reviews"
        r = make_review(rng)
        words = len(r["review"].split())
        if not (MIN_WORDS <= words <= MAX_WORDS):
            continue
        tw = len(r["title"].split())
        if not (1 <= tw <= 8):
            continue
        key = re.sub(r"\W+", " ", r["review"].lower()).strip()
        if key in seen:
            continue
        seen.add(key)
        rows.append(r)
    return rows


def split_rows(rng: random.Random, rows):
    idx = list(range(len(rows)))
    rng.shuffle(idx)
    out, start = {}, 0
    for i, (name, frac) in enumerate(SPLITS):
        end = len(idx) if i == len(SPLITS) - 1 else start + round(frac * len(idx))
        out[name] = [rows[j] for j in idx[start:end]]
        start = end
    return out


def generate(out_dir: Path):
    rng = random.Random(SEED)
    rows = build_rows(rng)
    splits = split_rows(rng, rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, part in splits.items():
        with open(out_dir / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            w.writerow(FIELDS)
            for r in part:
                w.writerow([r[k] for k in FIELDS])
    return splits


def validate_files(out_dir: Path):
    seen = set()
    total = 0
    for name, _ in SPLITS:
        with open(out_dir / f"{name}.csv", encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            assert tuple(reader.fieldnames) == FIELDS, reader.fieldnames
            for row in reader:
                assert row["review"] and row["title"]
                assert row["review"] not in seen, "duplicate review across/within splits"
                seen.add(row["review"])
                rating = int(row["rating"])
                assert 1 <= rating <= 5
                expected = {"positive": (4, 5), "negative": (1, 2), "mixed": (2, 3, 4)}[row["sentiment"]]
                assert rating in expected, row
                total += 1
    return total


def describe(values):
    values = sorted(values)
    return (f"min {values[0]}, median {statistics.median(values):g}, mean {statistics.mean(values):.1f}, "
            f"max {values[-1]}")


def print_stats(splits):
    rows = [r for part in splits.values() for r in part]
    print("Review -> title dataset (CSV: review,title,product,rating,sentiment)")
    for name, part in splits.items():
        print(f"  {name:10s}: {len(part):5d} rows")
    print(f"  total     : {len(rows):5d} rows (all reviews unique)")
    print("  sentiment:", ", ".join(f"{k} {v}" for k, v in sorted(Counter(r['sentiment'] for r in rows).items())))
    print("  rating:   ", ", ".join(f"{k}★ {v}" for k, v in sorted(Counter(r['rating'] for r in rows).items())))
    cats = Counter()
    for r in rows:
        for c in CATS:
            if any(r["product"] == it for it, _ in c.items):
                cats[c.key] += 1
    print("  product categories:", ", ".join(f"{k} {v}" for k, v in cats.most_common()))
    print("  distinct products:", len({r['product'] for r in rows}), "| distinct titles:",
          len({r['title'].lower() for r in rows}))
    print("  review length (words):", describe([len(r["review"].split()) for r in rows]))
    print("  review length (sentences):", describe([r["n_sent"] for r in rows]))
    print("  sentences per review:", ", ".join(f"{k}: {v}" for k, v in sorted(Counter(r['n_sent'] for r in rows).items())))
    print("  title length (words):", describe([len(r["title"].split()) for r in rows]))
    verbatim = sum(1 for r in rows if r["title"].lower().rstrip("!.") in r["review"].lower())
    print(f"  titles appearing verbatim in their review: {verbatim} ({100 * verbatim / len(rows):.1f}%)")
    top = Counter(t for r in rows for t in r["themes"].split("|")).most_common(8)
    print("  most common main points:", ", ".join(f"{k} {v}" for k, v in top))


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
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="output directory (default: data/reviews)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary directory and fail if the files in --out-dir differ")
    ap.add_argument("--quiet", action="store_true", help="do not print statistics")
    args = ap.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            splits = generate(Path(tmp))
            validate_files(Path(tmp))
            ok = compare_dirs(args.out_dir, Path(tmp))
        if not args.quiet:
            print_stats(splits)
        if not ok:
            print("check FAILED: run `python3 data/make_reviews.py` to regenerate", file=sys.stderr)
            return 1
        print("check passed: committed review files are up to date")
        return 0
    splits = generate(args.out_dir)
    n = validate_files(args.out_dir)
    assert n == sum(len(p) for p in splits.values())
    if not args.quiet:
        print_stats(splits)
        print(f"wrote {', '.join(str(args.out_dir / n) for n in OUTPUT_FILES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
