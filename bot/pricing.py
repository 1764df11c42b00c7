"""What a member pays for a job: the rules the hold and the capture share.

A command holds the operation's price (scaled for the scope) plus the vendor's upload fee when
the member's audio will have to be uploaded. When the job finishes, the member pays only for
what was delivered: the delivered share of the price, rounded down (so a rounding never costs
the member a credit), and the upload fee only if the vendor really uploaded. The rest of the
hold is returned in the same transaction.
"""

from __future__ import annotations

from typing import NewType

# A credit amount at catalog prices: an operation's price is declared as ``Credits(14)``, never a
# bare number, and the ledger scales it for a scope (``Policy.price``) by this type, so mypy
# refuses a plain int where a price belongs.
Credits = NewType("Credits", int)


def owed(held: int, upload_fee: int, uploaded: bool, delivered: int, expected: int) -> int:
    """Credits to capture from a hold of ``held``, of which ``upload_fee`` was for the upload.

    ``delivered`` of ``expected`` results arrived (a song is two versions; a stems job one result
    per stem). The price part is paid pro rata, rounded down; the fee only if the vendor uploaded.
    """
    price = max(0, held - upload_fee)
    share = price if expected <= 0 or delivered >= expected else price * delivered // expected
    return share + (upload_fee if uploaded else 0)
