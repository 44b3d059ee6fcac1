"""Template texts of the generator: one arrow table of strings, picked by index arrays.

Rules the texts keep (they are checked in tests/test_generator.py):
- each category's customer texts carry its keywords and no other category's keywords;
- customer follow-ups that are not a resolution never match the resolution pattern of
  docs/contracts.md (thanks, fixed, sorted, perfect, ...); resolution tweets always do;
- only private-handoff agent replies mention DM / direct / private message;
- no double quote anywhere, so CSV quoting is only wrapping (see _csv.py).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ._profiles import CATEGORIES, SECTORS

TONES = ("angry", "negative", "neutral", "positive")

OPENERS = {
    "angry": ["Absolutely furious. ", "Worst service ever. ", "This is ridiculous. ",
              "Fed up and angry. ", "Terrible, just terrible. ", "Disgusting service. ",
              "I am so angry right now. ", "Awful, just awful. "],
    "negative": ["Not happy. ", "Really disappointed. ", "Frustrated. ", "Not impressed. ",
                 "Annoyed. ", "Ugh. "],
    "neutral": ["Hi, ", "Hello, ", "Hey, ", "Quick question: ", "", "Morning, "],
    "positive": ["Hi team, hope you are well! ", "Hello lovely people! ",
                 "Hi, love your service usually! ", "Hey, big fan here! ",
                 "Hi friends, hope you can help! ", "Good morning, hope you are having a great day! "],
}  # fmt: skip
CLOSERS = {
    "angry": [" Sort this out now, I am livid!", " Absolutely useless.", " Hopeless.", " Shocking service.",
              " Pathetic. \U0001f621", " Useless company."],
    "negative": [" Not good enough.", " Really poor.", " So frustrating.", " Very disappointing."],
    "neutral": [" Any ideas?", " What should I do?", " Any news?", " What now?", ""],
    "positive": [" Thanks in advance!", " Would really appreciate your help :)", " Cheers!",
                 " Thanks so much!", " Many thanks, you are great!"],
}  # fmt: skip

_COMMON = {
    "billing": ["I was charged twice on my bill this month.",
                "my latest invoice is wrong, I have been overcharged again.",
                "why has my bill gone up by \u00a315? I was charged for extras I never asked for.",
                "the direct debit charged me more than the invoice says."],
    "account": ["I can't get into my account, the password reset email never arrives.",
                "my account has been locked after a failed login.",
                "someone changed the password on my account and it was not me.",
                "the login page says my account does not exist."],
    "refund": ["still waiting for my refund after three weeks.",
               "I want my money back, this was cancelled ages ago.",
               "you promised a refund and nothing has arrived."],
    "technical": ["the app keeps showing an error when I try to pay.",
                  "the website is not working when I try to sign in.",
                  "getting error 503 in the app every time."],
    "other": ["do you have a number for the complaints team?", "where can I find your terms and conditions?",
              "do you work on bank holidays?", "how do I change my contact details?"],
}  # fmt: skip
BODIES = {
    "telecom": {
        "billing": _COMMON["billing"] + ["I've been overcharged for roaming on my bill but I never left the country."],
        "outage": ["no signal at all since this morning, is there an outage?",
                   "network down in my area again, no internet and no signal.",
                   "is there an outage in Leeds? The whole network is down.",
                   "total outage here, broadband and mobile both dead.",
                   "no signal for the third day running, what is going on?"],
        "technical": ["my router keeps dropping the wifi every hour.",
                      "my broadband is not working after the router update.",
                      "the hub lights are flashing orange and the internet is not working.",
                      "getting error 651 on the router every time I connect."] + _COMMON["technical"][:1],
        "account": _COMMON["account"], "refund": _COMMON["refund"] + ["I want my money back for the weeks without service."],
        "product": ["what is the price of the new SIM only deal?", "do you have the new phone in stock yet?",
                    "is the price of the unlimited plan going up in April?"],
        "praise": ["just wanted to say your engineer today was brilliant, great service!",
                   "thank you for the speedy help yesterday, amazing team.",
                   "big thanks to the team for the quick help with my move."],
        "other": _COMMON["other"] + ["can I move my plan to my partner's name?"],
    },
    "airline": {
        "travel": ["my flight to Madrid has been delayed for four hours with no updates.",
                   "my baggage did not arrive on the flight from Rome.",
                   "boarding was chaos, the gate changed twice and we nearly missed the flight.",
                   "flight AC214 delayed again, is it leaving today?",
                   "lost baggage for five days now, where is my bag?"],
        "billing": ["I was charged twice for the same booking.",
                    "the invoice for my booking shows a fee I did not agree to.",
                    "overcharged for seat selection, the bill says \u00a345 instead of \u00a315."],
        "refund": ["still no refund for my cancelled trip after six weeks.",
                   "I want my money back for the cancelled trip to Lisbon.",
                   "when will I get my refund? It has been two months."],
        "account": _COMMON["account"][:3] + ["my frequent flyer account is missing all my points."],
        "technical": ["the app crashes with an error when I try to check in.",
                      "online check in is not working on the website.",
                      "the app keeps throwing an error on the home screen."],
        "product": ["what is the price of extra legroom seats?", "what is the price of the premium meal?",
                    "what is the price of lounge access per person?"],
        "praise": ["thank you to the team on today's trip, fantastic service!",
                   "the team at the desk were amazing today, thank you.",
                   "great service from your team this morning, thank you!"],
        "other": _COMMON["other"][1:] + ["can I bring my dog on board?", "do you have a lost property contact?"],
    },
    "retail": {
        "order": ["my order still has not arrived, it was due on Monday.",
                  "the parcel says delivered but there is nothing here.",
                  "delivery was supposed to be today, where is my order?",
                  "I received the wrong item in my parcel.",
                  "my order was cancelled without any explanation."],
        "store": ["waited 40 minutes in the queue at your Leeds store.",
                  "the staff at the Manchester store were so rude today.",
                  "what time does the store on High Street close today?",
                  "huge queue at the tills and only one member of staff."],
        "product": ["is the blue jacket in stock in size 12?",
                    "the price on the website is different from the price on the shelf.",
                    "when will the trainers be back in stock?", "do these jeans come up true to size?"],
        "refund": ["returned the headphones two weeks ago and still no refund.",
                   "I want my money back for the broken kettle.",
                   "how long does a refund take to show on my card?"],
        "billing": ["I was charged twice for the same purchase.",
                    "overcharged at checkout, the bill was more than the basket.",
                    "my card was charged but the payment failed on the site."],
        "account": _COMMON["account"][:2] + ["my account shows someone else's address."],
        "technical": ["the app shows an error at checkout.", "the website is not working when I add to basket."],
        "praise": ["brilliant service from the team today, thank you!",
                   "just wanted to say thanks, the team went above and beyond."],
        "other": _COMMON["other"] + ["do you do gift cards?"],
    },
}  # fmt: skip

ANSWERS = {
    "billing": ["Sorry about the extra charge. I've checked and the duplicate payment will be credited back within 3 working days.",
                "Apologies for the confusion. That fee should not be on your bill, I've removed it and the next bill will be corrected.",
                "Thanks for flagging this. I've corrected the invoice and sent you a new copy by email."],
    "outage": ["Sorry for the disruption. Our engineers are working on a fault in your area and expect service back by 18:00.",
               "We're aware of an outage affecting your area and a fix is in progress. Please restart your devices once it is back.",
               "Apologies, there is a network fault near you. Engineers are on site now."],
    "technical": ["Sorry about that. Please restart the router by holding the reset button for 10 seconds, that clears this error in most cases.",
                  "Thanks for letting us know. Please update the app to the latest version, that removes this error.",
                  "Sorry for the trouble. I've refreshed your connection from our side, please try again now."],
    "account": ["Sorry about that. I've sent a fresh password reset link to your email address.",
                "I've unlocked it for you, you should be able to log in now.",
                "Thanks for telling us. I've secured the profile and reset the password, check your email for the link."],
    "order": ["Sorry your order is late. I've checked with the courier and your parcel will be delivered tomorrow.",
              "Apologies for the mix-up. I've arranged a replacement delivery and a free return label.",
              "Sorry about that. The courier has the parcel and it is out for delivery today."],
    "refund": ["Sorry for the wait. I've chased this and your refund was approved today, it takes 3 to 5 days to reach your card.",
               "Apologies, I can see it was stuck. I've pushed it through now and you'll have your money back this week."],
    "product": ["Good news, it is back in stock online from Friday."],
    "store": ["Sorry to hear that. I've passed this on to the store manager, who will be in touch.",
              "The store is open until 20:00 today and 17:00 on Saturday."],
    "travel": ["Sorry for the delay. The aircraft had a technical fault and the new departure time is 15:40.",
               "Apologies about your bag. It has been traced and will be delivered to your home tomorrow.",
               "Sorry about the gate change. I've rebooked you on the next departure at no cost."],
    "praise": ["Thank you so much for the kind words, we will pass them on to the team!",
               "That's lovely to hear, thank you!", "Thanks for taking the time to tell us, have a great day!"],
    "other": ["You can find that on our website under Help, and we're happy to answer here too.",
              "Yes, you can. It takes about 5 working days to set up.", "Yes, we are open as usual."],
}  # fmt: skip
SECTOR_ANSWERS = {  # where the generic answer would not fit the sector
    ("telecom", "product"): ["The SIM only deal is \u00a312 a month with no setup fee.",
                             "Good news, it is back in stock online from Friday."],
    ("airline", "product"): ["Extra legroom seats start at \u00a325 each way.",
                             "Cabin bags can be up to 55 x 40 x 20 cm and 10 kg."],
    ("retail", "product"): ["Good news, it is back in stock online from Friday.",
                            "Our size guide is on each product page, most people take their usual size."],
    ("airline", "other"): ["Yes, small pets can travel in the cabin, details are on our website.",
                           "Please arrive 2 hours before departure, 3 for long haul."],
}  # fmt: skip
AGENT = {
    "ask": ["Sorry to hear that. When did this start, and which town are you in?",
            "Sorry about this. Can you tell us a bit more about what happened?",
            "Thanks for getting in touch. What exactly do you see on your screen?",
            "Sorry for the trouble. Which item is this about?"],
    "followup": ["Thanks for the details. I've made a change on our side, please try again now.",
                 "Thanks, I've found the problem and corrected it. Can you check again?",
                 "Thanks for confirming. I've escalated this and applied a fix, it should be fine now."],
    "private": ["We'd like to look into this for you. Please send us a DM with your full name and postcode.",
                "Can you please send us a direct message with your reference number so we can check?",
                "Please DM us your details and we'll take a look.",
                "So we can help safely, please send us a private message with your details."],
    # only redirects the contract's rule recognises (etl/text/enrich.py: a bare help link is an answer)
    "runaround": ["Please call us on 0800 123 4567.", "Please contact our store.",
                  "Please fill in the form at https://help.example.com and the team will get back to you.",
                  "Please call our team on 0800 123 4567 who will be able to help.",
                  "You can raise a ticket at https://help.example.com",
                  "Please contact our customer service team on 0800 123 4567."],
    "phone": ["I've logged this with our specialist team, ref 48213. They need to run some checks with you, so please give them a call on 0800 123 4567 and quote the ref.",
              "This needs security checks we can only do by phone. Our team on 0800 123 4567 can do it today, I've added notes so you won't need to repeat yourself."],
    "close": ["Glad we could help! Have a lovely day.", "Great news, enjoy the rest of your day.", "Happy to help, take care!"],
    "sorry": ["Really sorry about that. I've escalated this to our specialist team and they will update you.",
              "Apologies, that's not the experience we want for you. I've raised this with the team."],
}  # fmt: skip
CUSTOMER = {
    "thanks": ["Thanks, that worked!", "All sorted now, thank you!", "Perfect, thanks for the quick help.",
               "That's fixed it, thanks a lot.", "Working now, cheers!", "Thank you, all good now :)",
               "Brilliant, thanks for sorting it out.", "Great, thank you so much!"],
    "still": ["That didn't help at all.", "Same problem, nothing has changed.",
              "I've already tried that and the problem is still there.", "Still waiting for a proper answer.",
              "This is useless, nothing has changed.", "No, that did not solve anything.",
              "Three days and still broken. Terrible."],
    "nocall": ["I don't want to call, can't you just answer here?", "I already tried the website and it didn't help.",
               "So you won't help on here? Typical.", "Why should I call? Just answer the question.",
               "Sending me somewhere else is not an answer."],
    "dmsent": ["Sent you a DM.", "Done, DM sent.", "Just messaged you.", "Have sent the details over DM."],
    "detail": ["It started yesterday evening.", "Since Monday, I live in Leeds.", "It was last week, on Tuesday.",
               "Yes, I restarted it twice.", "It happened on my last visit."],
    "reopen": ["Actually it has stopped again.", "Spoke too soon, same problem again today.",
               "And it's broken again!", "Back to square one, same issue today."],
    "chase": ["Hello? Anyone there?", "Still no reply...", "Is anyone reading these?", "Ignored again."],
    "praise_thanks": ["Thank you! Have a great day \u2764", "Thank you, keep it up!", "Thank you again!"],
}  # fmt: skip

EMAIL_DETAIL = ["\n\nThis started three days ago and I have already tried the usual steps.",
                "\n\nI have attached a screenshot for reference.", "\n\nMy reference number is in the subject line.",
                "\n\nI have contacted you before about this.", "\n\nIt happened again this morning."]  # fmt: skip
EMAIL_CLOSER = {
    "angry": ["\n\nI expect a reply today or I will cancel.", "\n\nThis is completely unacceptable."],
    "negative": ["\n\nPlease deal with this as soon as possible.", "\n\nVery disappointed."],
    "neutral": ["\n\nCould you please assist?", "\n\nKind regards"],
    "positive": ["\n\nMany thanks for your help!", "\n\nThank you in advance, kind regards."],
}  # fmt: skip
RESOLUTION = {
    "billing": ["Duplicate charge credited back and corrected invoice sent.", "Fee removed from the bill."],
    "outage": ["Fault cleared by engineers, service restored.", "Network fault repaired, customer informed."],
    "technical": ["Router reset remotely and error cleared.", "App update resolved the error."],
    "account": ["Password reset and account unlocked.", "Login restored after identity check."],
    "order": ["Replacement parcel sent by next day delivery.", "Courier traced the order, delivered."],
    "refund": ["Refund approved and paid to card.", "Money back issued in full."],
    "product": ["Answered price and stock question.", "Sent size guide."],
    "store": ["Feedback passed to store manager.", "Store opening hours provided."],
    "travel": ["Rebooked on the next flight, compensation paid.", "Baggage traced and delivered."],
    "praise": ["Thanked customer, feedback shared with the team."],
    "other": ["Answered general question.", "Sent the requested details."],
}  # fmt: skip
SUBJECTS = {
    "billing": ["Payment issue", "Overcharged on bill", "Duplicate charge", "Invoice query"],
    "outage": ["Network outage", "No signal"], "technical": ["Router error", "App error", "Software bug"],
    "account": ["Account access", "Password reset"], "order": ["Delivery problem", "Parcel missing"],
    "refund": ["Refund request", "Money back request"],
    "product": ["Product price question", "Stock availability", "Size question"],
    "store": ["Store staff complaint", "Store queue"],
    "travel": ["Flight delayed", "Lost baggage", "Boarding problem"], "praise": ["Compliment"],
    "other": ["General question"],
}  # fmt: skip
# Kaggle's five ticket types where one fits, a specific label where none does (so a label
# mapping or a keyword classifier recovers the category from the type alone).
TICKET_TYPE = {"billing": "Billing inquiry", "refund": "Refund request", "technical": "Technical issue",
               "product": "Product inquiry", "outage": "Network outage", "account": "Account access",
               "order": "Order inquiry", "store": "Store feedback", "travel": "Flight inquiry",
               "praise": "Compliment and thanks", "other": "General inquiry"}  # fmt: skip
TOPICS = {"billing": "Bill query", "outage": "Network outage", "technical": "Router or app error",
          "account": "Account and password", "order": "Order delivery", "refund": "Refund request",
          "product": "Product price and stock", "store": "Store staff", "travel": "Flight booking",
          "praise": "Thanks and compliments", "other": "General enquiry"}  # fmt: skip
VERBATIM = {  # by outcome class FR, FU, SR, SU, NR and would_recommend (yes, no)
    ("FR", 1): ["Quick and solved my problem, great service.", "Fast and helpful, thank you."],
    ("FR", 0): ["Solved in the end but I had to explain it twice."],
    ("FU", 1): ["Quick reply, friendly team."], ("FU", 0): ["Fast reply but my problem is still there.",
                                                            "They answered quickly but nothing happened."],
    ("SR", 1): ["Took a while but they got there."], ("SR", 0): ["Far too slow, days to get an answer."],
    ("SU", 1): ["Slow, but the people were nice."], ("SU", 0): ["Slow and still not solved."],
    ("NR", 1): ["Never heard back but the product is fine."], ("NR", 0): ["Nobody replied to me.", "No answer at all."],
}  # fmt: skip
CLASSES_KEYS = [("verbatim", c, r) for c in ("FR", "FU", "SR", "SU", "NR") for r in (0, 1)]
PRODUCTS = {"telecom": ["Fibre Broadband 500", "SIM Only 30GB", "Smart Hub 2", "Unlimited 5G Plan", "TV Essentials Bundle"],
            "airline": ["Economy Return", "Premium Economy", "Business Class", "City Break Package", "Extra Legroom Seat"],
            "retail": ["Wireless Headphones", "Running Trainers", "Winter Jacket", "Coffee Machine", "Smart Watch", "Kettle"]}  # fmt: skip
FIRST_NAMES = ["James", "Olivia", "Amelia", "Noah", "Isla", "Oliver", "Ava", "George", "Mia", "Leo", "Grace",
               "Arthur", "Freya", "Harry", "Lily", "Jack", "Ella", "Oscar", "Sophie", "Charlie", "Priya",
               "Mohammed", "Aisha", "Tom", "Chloe", "Daniel", "Emily", "Samuel", "Ruby", "Ethan"]  # fmt: skip
LAST_NAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
              "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Khan", "Clarke",
              "Lewis", "Young", "King", "Hughes", "Edwards"]  # fmt: skip


def sentence(opener: str, body: str) -> str:
    """Opener + body, the body capitalised when the opener ends a sentence (or is empty)."""
    if not opener or opener.rstrip()[-1] in ".!?":
        body = body[:1].upper() + body[1:]
    return opener + body


class Texts:
    """All strings in one arrow array; named groups are (offset, count) ranges in it."""

    def __init__(self) -> None:
        self.strings: list[str] = [""]  # index 0 is the empty piece
        self.groups: dict[object, tuple[int, int]] = {}

    def add(self, key: object, items: list[str]) -> None:
        """Register a group of strings under key."""
        self.groups[key] = (len(self.strings), len(items))
        self.strings.extend(items)

    def freeze(self) -> Texts:
        """Build the arrow table and per-string flags (needs CSV quoting)."""
        assert not any('"' in s for s in self.strings), "templates must not contain double quotes"
        self.array = pa.array(self.strings)
        self.quote = np.array([("," in s) or ("\n" in s) for s in self.strings])
        return self

    def table(self, keys: list[object]) -> tuple[np.ndarray, np.ndarray]:
        """(offset, count) arrays for group keys, in the given order (missing -> empty piece)."""
        oc = np.array([self.groups.get(k, (0, 1)) for k in keys], dtype=np.int64)
        return oc[:, 0], oc[:, 1]


def pick(rng: np.random.Generator, off: np.ndarray, cnt: np.ndarray, g: np.ndarray) -> np.ndarray:
    """One random string index per row from group ids g (rows of the off/cnt table)."""
    return off[g] + (rng.random(len(g), dtype=np.float32) * cnt[g]).astype(np.int64)


def _build() -> Texts:
    """Groups in blocks the writers rely on: openers, closers, bodies by sector, then the
    one-template tweets (answers, agent replies, customer follow-ups) contiguous."""
    t = Texts()
    for part, source in (("open", OPENERS), ("close", CLOSERS), ("eclose", EMAIL_CLOSER)):
        for tone in TONES:
            t.add((part, tone), source[tone])
    for s in SECTORS:
        for c in CATEGORIES:
            if c in BODIES[s]:
                t.add(("body", s, c), BODIES[s][c])
    for s in SECTORS:
        for c in CATEGORIES:
            t.add(("answer", s, c), SECTOR_ANSWERS.get((s, c), ANSWERS[c]))
    for k, v in {**AGENT, **CUSTOMER}.items():
        t.add(k, v)
    for c in CATEGORIES:
        t.add(("resolution", c), RESOLUTION[c])
        t.add(("subject", c), SUBJECTS[c])
        t.add(("topic", c), [TOPICS[c]])
        t.add(("ttype", c), [TICKET_TYPE[c]])
    t.add("edetail", EMAIL_DETAIL)
    for k, v in VERBATIM.items():
        t.add(("verbatim",) + k, v)
    for s in SECTORS:
        t.add(("product", s), PRODUCTS[s])
    return t.freeze()


def block(t: Texts, first: object, last: object) -> tuple[int, int]:
    """[start, stop) of the strings from group `first` to group `last` inclusive."""
    return t.groups[first][0], t.groups[last][0] + t.groups[last][1]


TEXTS = _build()
OPENER_BLOCK = block(TEXTS, ("open", TONES[0]), ("open", TONES[-1]))
CLOSER_BLOCK = block(TEXTS, ("close", TONES[0]), ("close", TONES[-1]))
ECLOSE_BLOCK = block(TEXTS, ("eclose", TONES[0]), ("eclose", TONES[-1]))
TWEET_BLOCK = block(TEXTS, ("answer", SECTORS[0], CATEGORIES[0]), list(CUSTOMER)[-1])


def body_block(sector: str) -> tuple[int, int]:
    """[start, stop) of all bodies of a sector."""
    keys = [k for k in TEXTS.groups if k[0] == "body" and k[1] == sector]
    return block(TEXTS, keys[0], keys[-1])
