"""Readers for the labelled and weakly labelled text in ``../shared/data``.

Each reader yields :class:`LabelledText` with the split it belongs to, so training, tuning and
reporting never mix: ``train`` is learned from, ``dev`` tunes choices, ``test`` is only measured.
Weak labels (review stars, a complaint narrative, a banking query's intent) are for training
only; figures are reported on labels people gave.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SENTIMENTS = ("negative", "neutral", "positive")

# Banking77 intents where the customer reports something that went wrong (a service failure
# stated as fact is a complaint); every other intent is a plain question or request (neutral).
BANKING_FAILURES = frozenset({
    "Refund_not_showing_up", "balance_not_updated_after_bank_transfer",
    "balance_not_updated_after_cheque_or_cash_deposit", "card_arrival", "card_not_working",
    "card_payment_not_recognised", "card_payment_wrong_exchange_rate", "card_swallowed",
    "cash_withdrawal_not_recognised", "compromised_card", "contactless_not_working",
    "declined_card_payment", "declined_cash_withdrawal", "declined_transfer",
    "direct_debit_payment_not_recognised", "extra_charge_on_statement", "failed_transfer",
    "lost_or_stolen_card", "lost_or_stolen_phone", "pending_card_payment",
    "pending_cash_withdrawal", "pending_top_up", "pending_transfer", "pin_blocked",
    "reverted_card_payment?", "top_up_failed", "top_up_reverted", "transaction_charged_twice",
    "transfer_not_received_by_recipient", "unable_to_verify_identity",
    "virtual_card_not_working", "wrong_amount_of_cash_received",
    "wrong_exchange_rate_for_cash_withdrawal", "card_payment_fee_charged",
    "transfer_fee_charged", "cash_withdrawal_charge", "beneficiary_not_allowed",
})


@dataclass(frozen=True)
class LabelledText:
    source: str
    split: str  # train | dev | test
    text: str
    label: str  # one of SENTIMENTS, or a topic id for topic corpora
    weak: bool = False
    record_id: str = ""


def tweet_sentiment(data: Path, dev_fold: int = 0) -> Iterator[LabelledText]:
    """Figure Eight tweets (CC BY 4.0); fold ``dev_fold`` of its 10 folds is the dev split."""
    path = data / "tweet_sentiment_extraction" / "train_10fold.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["text"].replace("`", "'").strip()
            if text and row["sentiment"] in SENTIMENTS:
                split = "dev" if int(row["kfold"]) == dev_fold else "train"
                yield LabelledText("tweet_sentiment", split, text, row["sentiment"],
                                   record_id=row["textID"])


def goemotions(data: Path) -> Iterator[LabelledText]:
    """GoEmotions (Apache-2.0) grouped to sentiment; ambiguous or mixed comments are left out."""
    names = (data / "goemotions" / "labels.txt").read_text(encoding="utf-8").split()
    for split in ("train", "dev", "test"):
        path = data / "goemotions" / f"{split}.tsv"
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) < 2:
                    continue
                labels = {names[int(i)] for i in row[1].split(",") if i.strip()}
                labels &= set(SENTIMENTS)
                if len(labels) == 1:
                    yield LabelledText("goemotions", split, row[0], labels.pop(),
                                       record_id=row[2] if len(row) > 2 else "")


def tweeteval(data: Path, split: str = "test") -> Iterator[LabelledText]:
    """TweetEval sentiment (SemEval-2017): for measuring only, never for training."""
    folder = data / "tweeteval_sentiment"
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    for number, (text, label) in enumerate(zip(texts, labels, strict=True)):
        yield LabelledText("tweeteval", split, text.strip(), SENTIMENTS[int(label)],
                           record_id=str(number))


def banking77(data: Path) -> Iterator[LabelledText]:
    """Banking queries (CC BY 4.0): failures reported are negative, questions neutral (weak)."""
    for split in ("train", "test"):
        with (data / "banking77" / f"{split}.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                label = "negative" if row["category"] in BANKING_FAILURES else "neutral"
                yield LabelledText("banking77", "train" if split == "train" else "dev",
                                   row["text"], label, weak=True, record_id=row["category"])


def cfpb_narratives(data: Path) -> Iterator[LabelledText]:
    """CFPB complaint narratives (US public domain): complaints to a regulator (weak negative)."""
    path = data / "cfpb_complaints" / "complaints_sample.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["Consumer complaint narrative"].strip()
            if text:
                yield LabelledText("cfpb", "train", text, "negative", weak=True,
                                   record_id=row["Complaint ID"])


def amazon_reviews(data: Path) -> Iterator[LabelledText]:
    """Amazon Fine Food Reviews: 1-2 stars negative, 5 stars positive (weak); 3-4 left out."""
    stars = {"1": "negative", "2": "negative", "5": "positive"}
    path = data / "amazon_food_reviews" / "Reviews_head5000.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            label = stars.get(row["Score"].strip())
            text = row["Text"].replace("<br />", " ").strip()
            if label and text:
                yield LabelledText("amazon_reviews", "train", text, label, weak=True,
                                   record_id=row["Id"])


def customer_care_turns(data: Path) -> Iterator[LabelledText]:
    """Customers' turns in the customer-care conversations of ``dev.json`` (Apache-2.0), with no
    label yet (``test.json`` holds gold records and is never trained on)."""
    path = data / "twitter_customer_care" / "dev.json"
    for conversation in json.loads(path.read_text(encoding="utf-8")):
        for turn in conversation["dialogContent"]:
            text = str(turn.get("message", "")).strip()
            if "client" in turn and text:
                yield LabelledText("customer_care", "train", text, "", weak=True,
                                   record_id=str(turn["tweet_ID"]))


def real_message_texts(data: Path) -> dict[tuple[str, str], str]:
    """(data set, record id) → customer text, for the data sets the real-message gold set uses.

    twcs: ``tweet_id``; twitter_customer_care: ``tweet_ID`` of a client turn in test.json;
    cfpb: ``Complaint ID``; amazon_reviews: ``Id``.
    """
    texts: dict[tuple[str, str], str] = {}
    with (data / "twcs_threads" / "twcs_head5000.csv").open(encoding="utf-8",
                                                           newline="") as handle:
        for row in csv.DictReader(handle):
            texts[("twcs", row["tweet_id"])] = row["text"]
    care = json.loads((data / "twitter_customer_care" / "test.json").read_text(encoding="utf-8"))
    for conversation in care:
        for turn in conversation["dialogContent"]:
            if "client" in turn:
                texts[("twitter_customer_care", str(turn["tweet_ID"]))] = turn["message"]
    for complaint in cfpb_narratives(data):
        texts[("cfpb", complaint.record_id)] = complaint.text
    path = data / "amazon_food_reviews" / "Reviews_head5000.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts[("amazon_reviews", row["Id"])] = row["Text"]
    return texts
