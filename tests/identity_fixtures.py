"""The hand-built identity fixture of tests/golden/identity.md: 3 customers, 7 cases over
social (TWCS), phone (PwC calls) and e-mail (tickets), written as the real formats."""

from __future__ import annotations

from pathlib import Path

TWCS = """tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
1,alice_k,True,Mon Mar 04 10:00:00 +0000 2024,@TelcoCo my bill is wrong this month,2,
2,TelcoCo,False,Mon Mar 04 10:20:00 +0000 2024,@alice_k Sorry about that - we have corrected the bill.,3,1
3,alice_k,True,Mon Mar 04 10:30:00 +0000 2024,@TelcoCo thanks that fixed it,,2
11,bobby,True,Mon Mar 04 12:00:00 +0000 2024,@AirCo my booking disappeared from the app,12,
12,AirCo,False,Mon Mar 04 12:10:00 +0000 2024,@bobby We have restored the booking in your account.,13,11
13,bobby,True,Mon Mar 04 12:40:00 +0000 2024,@AirCo thank you it works now,,12
21,carol_c,True,Tue Mar 05 09:00:00 +0000 2024,@TelcoCo no signal at home since yesterday,22,
22,TelcoCo,False,Tue Mar 05 09:30:00 +0000 2024,@carol_c The mast near you is repaired now.,23,21
23,carol_c,True,Tue Mar 05 10:00:00 +0000 2024,@TelcoCo thanks sorted,,22
"""

CALLS = """Call Id,Agent,Date,Time,Topic,Answered (Y/N),Resolved,Speed of answer in seconds,AvgTalkDuration,Satisfaction rating,Customer Id,Brand
P1,Diane,2024-03-06,9:00:00,Bill query,Y,Y,20,0:03:00,4,9001,TelcoCo
P2,Sam,2024-03-08,15:00:00,Booking,Y,Y,40,0:05:00,,+44 20 7946 0002,AirCo
"""

TICKETS = """Ticket ID,Customer Name,Customer Email,Ticket Type,Ticket Subject,Ticket Description,Ticket Status,Resolution,Ticket Priority,Ticket Channel,First Response Time,Time to Resolution,Customer Satisfaction Rating,Brand,Created At
E1,Alice K,Alice@Example.org,Billing inquiry,Refund,Where is my refund for the cancelled flight?,Closed,Refund sent.,Low,Email,2024-03-07 11:00:00,2024-03-07 15:00:00,5,AirCo,2024-03-07 10:00:00
E2,Carol C,carol@example.org,Billing inquiry,Seat,Please change my seat on Friday.,Closed,Seat changed.,Low,Email,2024-03-06 14:30:00,2024-03-06 16:00:00,,AirCo,2024-03-06 14:00:00
"""

IDENTITIES = """customer_key,handle,email,phone,crm_id
K-ALICE,@Alice_K,alice@example.org,,9001
K-BOB,bobby,,+44 (0)20 7946 0002,
K-CAROL,@carol_c,carol@example.org,,
"""

CONFLICT = """customer_key,handle,email
K-ALICE,alice_k,
K-DAVE,davey,ALICE@example.org
"""


def identity_files(folder: Path) -> dict[str, Path]:
    """Write the fixture's four files into folder: twcs, calls, tickets, identities."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, text in (
        ("twcs", TWCS),
        ("calls", CALLS),
        ("tickets", TICKETS),
        ("identities", IDENTITIES),
    ):
        out[name] = folder / f"{name}.csv"
        out[name].write_text(text, encoding="utf-8")
    return out
