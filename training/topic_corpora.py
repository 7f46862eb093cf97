"""Texts labelled with concepts of the scheme, for the topic classifier.

Two public sets whose own labels map onto the scheme (the maps below are the labelling), the
customers' turns of the customer-care conversations labelled by the matcher's specific wording
(several words or a hashtag, which are rarely wrong), and the dev half of the real-message gold
set (people's concept labels). The test half is never read here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language

from training.corpora import customer_care_turns, real_message_texts
from training.real_gold import RealGoldRecord

# Banking77 intent → concept. Intents that fit no concept (ordering a spare card, card
# limits, …) are left out rather than taught as "no topic".
BANKING_CONCEPTS = {
    "card_arrival": "late-delivery", "card_delivery_estimate": "tracking",
    "transaction_charged_twice": "overcharge", "extra_charge_on_statement": "overcharge",
    "card_payment_wrong_exchange_rate": "overcharge",
    "wrong_exchange_rate_for_cash_withdrawal": "overcharge",
    "wrong_amount_of_cash_received": "overcharge",
    "card_payment_fee_charged": "hidden-fees", "cash_withdrawal_charge": "hidden-fees",
    "transfer_fee_charged": "hidden-fees", "top_up_by_card_charge": "hidden-fees",
    "top_up_by_bank_transfer_charge": "hidden-fees", "exchange_charge": "hidden-fees",
    "exchange_rate": "billing-pricing",
    "compromised_card": "fraud", "card_payment_not_recognised": "fraud",
    "cash_withdrawal_not_recognised": "fraud", "direct_debit_payment_not_recognised": "fraud",
    "lost_or_stolen_card": "account-security", "lost_or_stolen_phone": "account-security",
    "passcode_forgotten": "login-problem", "pin_blocked": "account-access",
    "change_pin": "account-access", "activate_my_card": "account-access",
    "verify_my_identity": "account-access", "unable_to_verify_identity": "account-access",
    "why_verify_identity": "account-access",
    "declined_card_payment": "payment", "declined_cash_withdrawal": "payment",
    "declined_transfer": "payment", "failed_transfer": "payment", "top_up_failed": "payment",
    "reverted_card_payment?": "payment", "card_not_working": "payment",
    "contactless_not_working": "payment", "virtual_card_not_working": "payment",
    "apple_pay_or_google_pay": "payment", "topping_up_by_card": "payment",
    "top_up_reverted": "payment", "beneficiary_not_allowed": "payment",
    "pending_card_payment": "processing-time", "pending_cash_withdrawal": "processing-time",
    "pending_top_up": "processing-time", "pending_transfer": "processing-time",
    "transfer_timing": "processing-time",
    "balance_not_updated_after_bank_transfer": "processing-time",
    "balance_not_updated_after_cheque_or_cash_deposit": "processing-time",
    "Refund_not_showing_up": "refund", "request_refund": "refund",
    "terminate_account": "account-closure", "edit_personal_details": "personal-details",
    "age_limit": "policy", "country_support": "policy", "fiat_currency_support": "policy",
    "supported_cards_and_currencies": "policy", "visa_or_mastercard": "policy",
    "card_acceptance": "policy", "atm_support": "policy",
}

# CFPB product → concept, then issue → extra concepts (a complaint about a collector's
# threats is about collection practices whatever the product).
CFPB_PRODUCT = {
    "Credit reporting, credit repair services, or other personal consumer reports":
        "credit-report",
    "Debt collection": "collection-practices", "Mortgage": "loan", "Student loan": "loan",
    "Vehicle loan or lease": "loan", "Payday loan, title loan, or personal loan": "loan",
    "Consumer Loan": "loan", "Payday loan": "loan",
}
CFPB_ISSUE = {
    "Attempts to collect debt not owed": "collection-practices",
    "Written notification about debt": "collection-practices",
    "Took or threatened to take negative or legal action": "collection-practices",
    "Communication tactics": "collection-practices",
    "False statements or representation": "collection-practices",
    "Problem with fraud alerts or security freezes": "fraud",
    "Credit monitoring or identity theft protection services": "fraud",
    "Fraud or scam": "fraud", "Unauthorized transactions or other transaction problem": "fraud",
    "Trouble during payment process": "payment", "Problem when making payments": "payment",
    "Fees or interest": "hidden-fees", "Charged fees or interest you didn't expect": "hidden-fees",
    "Unexpected or other fees": "hidden-fees",
    "Closing an account": "account-closure", "Closing your account": "account-closure",
    "Managing an account": "account-access",
    "Problem with a purchase shown on your statement": "overcharge",
    "Advertising and marketing, including promotional offers": "discount-promotion",
    "Struggling to pay mortgage": "loan", "Struggling to pay your loan": "loan",
    "Struggling to repay your loan": "loan",
}


@dataclass(frozen=True)
class TopicText:
    source: str
    text: str
    concepts: frozenset[str]
    weak: bool


def banking_topics(data: Path) -> Iterator[TopicText]:
    with (data / "banking77" / "train.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            concept = BANKING_CONCEPTS.get(row["category"])
            if concept:
                yield TopicText("banking77", row["text"], frozenset({concept}), weak=True)


def cfpb_topics(data: Path, exclude: frozenset[str]) -> Iterator[TopicText]:
    """CFPB narratives labelled from their Product and Issue columns; gold records left out."""
    path = data / "cfpb_complaints" / "complaints_sample.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["Consumer complaint narrative"].strip()
            if not text or row["Complaint ID"] in exclude:
                continue
            concepts = {CFPB_PRODUCT.get(row["Product"]), CFPB_ISSUE.get(row["Issue"])}
            concepts.discard(None)
            if concepts:
                yield TopicText("cfpb", text, frozenset(c for c in concepts if c), weak=True)


def matched_care_topics(data: Path, matcher: Language, exclude: frozenset[str]
                        ) -> Iterator[TopicText]:
    """Customer-care turns (``dev.json``) labelled with the concepts the SKOS matcher
    (``matcher``: a pipeline ending in ``ckg_concepts``) finds by specific wording.

    Why: the other labelled texts are bank queries and complaint narratives; these teach the
    classifier the words tweets use around a topic ("flight", "gate", "DM me") so that it can
    judge short messages. Single-word matches are left out (often used in passing), and so
    are turns with no match (unlabelled is not "about nothing").
    """
    turns = [t for t in customer_care_turns(data) if t.record_id not in exclude]
    for turn, doc in zip(turns, matcher.pipe(t.text for t in turns), strict=True):
        concepts = frozenset(concept for _, _, concept, text in doc._.concepts or []
                             if len(text.split()) > 1 or text.startswith("#"))
        if concepts:
            yield TopicText("customer_care", turn.text, concepts, weak=True)


def gold_topics(data: Path, records: list[RealGoldRecord]) -> Iterator[TopicText]:
    """People's concept labels on real messages (only the records passed: the dev half)."""
    texts = real_message_texts(data)
    for record in records:
        yield TopicText(f"real_gold/{record.dataset}", texts[(record.dataset, record.record_id)],
                        record.concepts, weak=False)
