"""identities.csv: some social customers linked to an e-mail/phone customer of the same brand.

A share of the social customers who never called under their Twitter id get the CRM id of one
phone / e-mail customer of the same brand (no contact customer gets two handles), with that
customer's ticket e-mail (as tickets.csv writes it) and a made-up phone number. The draw uses
its own random stream, so the other files stay byte-identical with or without this one.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ._text import FIRST_NAMES, LAST_NAMES
from ._volume import CONTACT_CUSTOMER0, SOCIAL_CUSTOMER0

LINK_SHARE = 0.1  # of the social customers who never called under their Twitter id
HEADER = ["customer_key", "handle", "email", "phone"]
_DOMAINS = ("@example.com", "@example.org", "@example.net")


def ticket_email(cust: int) -> str:
    """The e-mail tickets.csv writes for a customer id (see _files.write_tickets)."""
    n = (cust * 2654435761) % (len(FIRST_NAMES) * len(LAST_NAMES))
    first, last = FIRST_NAMES[n // len(LAST_NAMES)], LAST_NAMES[n % len(LAST_NAMES)]
    m = cust % 3000
    return f"{first.lower()}.{last.lower()}{m // 3:03d}{_DOMAINS[m % 3]}"


def identity_rows(
    seed: int, nb: int, social: np.ndarray, calls: np.ndarray, tickets: np.ndarray
) -> list[list[str]]:
    """[customer_key, handle, email, phone] rows, sorted by key: social customer ids linked to
    contact customers (CRM ids) of the same brand."""
    rng = np.random.default_rng([seed, 20])
    soc = np.setdiff1d(np.unique(social), np.unique(calls))
    soc = soc[rng.random(len(soc)) < LINK_SHARE]
    contact = np.unique(np.concatenate([calls, tickets]))
    contact = contact[contact >= CONTACT_CUSTOMER0]
    rows, emails = [], set()
    for b in range(nb):
        s = soc[(soc - SOCIAL_CUSTOMER0) % nb == b]
        c = rng.permutation(contact[(contact - CONTACT_CUSTOMER0) % nb == b])
        for handle, key in zip(s, c[: len(s)], strict=False):
            email = ticket_email(int(key))
            if (
                email in emails
            ):  # two customers share a generated address: link neither e-mail twice
                continue
            emails.add(email)
            rows.append(
                [str(key), str(handle), email, f"+1 555 {int(key) - CONTACT_CUSTOMER0:08d}"]
            )
    return sorted(rows)


def write_identities(path: Path, rows: list[list[str]]) -> int:
    """Write identities.csv; returns its size in bytes."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
    return path.stat().st_size
