"""The web app in a real headless Chromium against the real API and the test Neo4j.

A small seeded demo corpus (``kg generate``'s code) is loaded, the app runs under uvicorn on a
free loopback port, and each test drives the pages as a person would: keyboard and clicks.
Every page gets a screenshot under ``.kg/test-artifacts/screenshots``; every test ends with no
console errors and no failed requests (except the refusals a test provokes on purpose).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

from bench.browser import launch_chromium
from bench.graphs import wipe
from kg.extraction.pipeline import build_pipeline
from kg.graph.driver import create_driver
from kg.settings import Settings
from kg_api.main import create_app
from kg_api.webapp import WEB_DIST
from tests.integration.support import free_port, load_corpus, serving

pytestmark = [pytest.mark.integration, pytest.mark.browser]
KEYS = {"reader-key": "reader", "analyst-key": "analyst", "writer-key": "writer",
        "admin-key": "admin"}
SHOTS = Path(__file__).resolve().parents[2] / ".kg" / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def web_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from kg.ingestion.generator import generate
    from kg.neo4j_local import server

    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("web/dist is not built: scripts/setup builds it (scripts/build_web)")
    server.start(settings)
    configured = settings.model_copy(update={
        "rdf_store": tmp_path_factory.mktemp("web-rdf") / "mirror", "api_keys": KEYS})
    folder = tmp_path_factory.mktemp("web-corpus")
    generate(folder, customers=40, interactions=240, seed=11)
    with create_driver(configured) as driver:
        wipe(driver, configured)
    load_corpus(folder, configured, build_pipeline(configured),
                tmp_path_factory.mktemp("web-dead") / "dead.jsonl")
    return configured


@pytest.fixture(scope="module")
def base_url(web_settings: Settings) -> Iterator[str]:
    with serving(create_app(web_settings)) as url:
        yield url


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"X-API-Key": "analyst-key"},
                      timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What went wrong in the page: console errors, uncaught errors, failed requests."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    statuses: list[tuple[int, str]] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.console.append(message.text)

        def on_response(response: Response) -> None:
            if response.status >= 400:
                self.statuses.append((response.status, response.url))

        def on_failed(request: Request) -> None:
            # A fetch the page cancels itself (its view moved on before the answer came) is
            # reported as net::ERR_ABORTED; that is the page working, not a failure. Server
            # errors still arrive as responses and are caught by their status.
            if request.failure != "net::ERR_ABORTED":
                self.failed.append(f"{request.method} {request.url}: {request.failure}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.console.append(f"uncaught: {error}"))
        page.on("requestfailed", on_failed)
        page.on("response", on_response)

    def assert_clean(self, allowed: tuple[int, ...] = ()) -> None:
        unexpected = [s for s in self.statuses if s[0] not in allowed]
        console = [text for text in self.console
                   if not any(f"status of {code}" in text for code in allowed)]
        assert not self.failed, self.failed
        assert not unexpected, unexpected
        assert not console, console


@pytest.fixture
def watch() -> Watch:
    return Watch()


def open_page(browser: Browser, watch: Watch, viewport: dict[str, int] = DESKTOP) -> Page:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(20_000)
    watch.attach(page)
    return page


def shot(page: Page, name: str, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 5_000
    return path


def sign_in(page: Page, base_url: str, key: str) -> None:
    page.goto(f"{base_url}/")
    assert page.url.startswith(f"{base_url}/app/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert key not in page.url


def busiest_customer(api: httpx.Client) -> dict[str, Any]:
    rows = api.post("/query/cypher", json={"query": """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
        RETURN c.customerId AS id, c.displayName AS name, count(i) AS n
        ORDER BY n DESC, c.customerId LIMIT 1"""}).json()["rows"]
    return dict(rows[0])


def test_search_then_360_then_an_interaction_with_highlighted_spans(
        browser: Browser, base_url: str, api: httpx.Client, watch: Watch) -> None:
    customer = busiest_customer(api)
    view = api.get(f"/customers/{customer['id']}/360").json()
    page = open_page(browser, watch)
    sign_in(page, base_url, "reader-key")
    expect(page.get_by_label("Search customers")).to_be_focused()
    page.keyboard.type(customer["name"])
    results = page.get_by_test_id("search-results")
    expect(results.get_by_text(customer["id"])).to_be_visible()
    shot(page, "search")
    for _ in range(30):  # keyboard only: Tab to the customer's result, Enter to open it
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if focused.endswith(customer["id"]):
            break
    else:
        pytest.fail("the customer's result cannot be reached with Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("view-360")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(customer["name"])
    expect(page.get_by_test_id("identity-graph")).to_be_visible()
    identity_rows = page.locator("#identities tbody tr")
    expect(identity_rows).to_have_count(len(view["identities"]))
    expect(page.locator("#channels tbody tr")).to_have_count(len(view["channels"]))
    expect(page.locator(".timeline-item")).to_have_count(len(view["journey"]))
    expect(page.locator("#concepts tbody tr")).to_have_count(len(view["concepts"]))
    assert page.get_by_role("button", name="Merge with…").count() == 0  # a reader's view
    assert page.get_by_role("button", name=re.compile("^Split")).count() == 0
    page.wait_for_load_state("networkidle")
    shot(page, "customer-360")

    position, detail = next(
        (n, d) for n, d in ((n, api.get(f"/interactions/{step['interactionId']}").json())
                            for n, step in enumerate(view["journey"]))
        if any(span["label"] == "CONCEPT" for span in d["spans"]))
    page.locator(".timeline-text").nth(position).click()
    dialog = page.get_by_test_id("interaction-detail")
    expect(dialog).to_be_visible()
    text = page.get_by_test_id("highlighted-text")
    expect(text).to_have_text(detail["text"])
    # Overlapping spans (an order number inside a concept) cut a mark into pieces: compare the
    # characters marked as concepts with the characters the API's concept spans cover.
    concept_chars = {n for s in detail["spans"] if s["label"] == "CONCEPT"
                     for n in range(s["start"], s["end"])}
    marks = text.locator("mark[data-kind='concept']")
    marked_chars = {n for k in range(marks.count())
                    for n in range(int(marks.nth(k).get_attribute("data-start") or 0),
                                   int(marks.nth(k).get_attribute("data-end") or 0))}
    assert concept_chars and marked_chars == concept_chars
    shot(page, "interaction", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    concept = view["concepts"][0]
    page.locator("#concepts tbody tr").first.get_by_role("button").click()
    evidence = page.locator(".evidence-item")
    expect(evidence).to_have_count(len(concept["interactionIds"]))
    watch.assert_clean()


MESSAGE_QUERY = "parcel lost"


def test_message_search_highlights_words_filters_by_channel_and_pages(
        browser: Browser, base_url: str, api: httpx.Client, watch: Watch) -> None:
    every = api.get("/search", params={"q": MESSAGE_QUERY, "limit": 20}).json()
    channels = Counter(hit["channelId"] for hit in every["items"])
    # the channel most hits share that not every hit has: filtering by it must narrow
    channel = min((c for c, n in channels.items() if n < len(every["items"])),
                  key=lambda c: (-channels[c], c))
    narrowed = api.get("/search", params={"q": MESSAGE_QUERY, "channel": channel,
                                          "limit": 20}).json()
    assert 0 < narrowed["total"] < every["total"] and every["total"] > 20
    assert {hit["channelId"] for hit in narrowed["items"]} == {channel}

    page = open_page(browser, watch)
    sign_in(page, base_url, "reader-key")
    nav = page.get_by_role("navigation", name="Main").get_by_role("link")
    assert nav.all_inner_texts()[:2] == ["Customers", "Messages"]
    page.get_by_role("link", name="Search messages instead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Message search")
    expect(page.get_by_role("link", name="Search customers instead")).to_have_attribute(
        "href", "#/")
    expect(page.get_by_label("Search messages")).to_be_focused()
    page.keyboard.type(MESSAGE_QUERY)
    results = page.get_by_test_id("message-results")
    hits = results.locator("li.message-hit")
    expect(hits).to_have_count(len(every["items"]))
    expect(page.get_by_role("status")).to_contain_text(f"{every['total']} messages match")
    ids = [hit["interactionId"] for hit in every["items"]]
    assert [hits.nth(n).get_attribute("data-interaction") for n in range(len(ids))] == ids
    first, shown = every["items"][0], hits.first
    # the snippet is the API's text, its matched words (offsets into it) in <mark> elements
    expect(shown.locator(".snippet")).to_have_text(first["snippet"])
    assert first["highlights"]
    expect(shown.locator("mark")).to_have_text(
        [first["snippet"][start:end] for start, end in first["highlights"]])
    assert results.locator("mark").count() >= len(first["highlights"])
    customer = first["customer"]
    expect(shown.get_by_role("link", name=customer["displayName"])).to_have_attribute(
        "href", f"#/customers/{customer['customerId']}")
    expect(shown).to_contain_text(first["case"]["caseId"])
    shot(page, "message-search")

    page.get_by_role("button", name="Next").click()
    following = api.get("/search", params={"q": MESSAGE_QUERY, "offset": 20,
                                           "limit": 20}).json()
    expect(hits.first).to_have_attribute("data-interaction",
                                         following["items"][0]["interactionId"])
    expect(page.get_by_role("status")).to_contain_text(
        f"21\N{EN DASH}{20 + len(following['items'])} shown")
    page.get_by_role("button", name="Previous").click()
    expect(hits.first).to_have_attribute("data-interaction", ids[0])

    page.get_by_label("Channel", exact=True).select_option(channel)
    expect(page.get_by_role("status")).to_contain_text(
        f"{narrowed['total']} message{'' if narrowed['total'] == 1 else 's'} match")
    expect(hits).to_have_count(len(narrowed["items"]))
    assert [hits.nth(n).get_attribute("data-interaction")
            for n in range(len(narrowed["items"]))] == [
        hit["interactionId"] for hit in narrowed["items"]]
    expect(hits.locator(".hit-head .chip")).to_have_text(
        [channel.title()] * len(narrowed["items"]))
    page.wait_for_load_state("networkidle")
    shot(page, "message-search-by-channel")
    watch.assert_clean()


def elapsed(seconds: float) -> str:
    """The app's reading of a duration (format.ts elapsed), e.g. "2 h 30 min"."""
    if seconds < 60:
        return f"{max(0, math.floor(seconds + 0.5))} s"
    minutes = math.floor(seconds / 60 + 0.5)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h {minutes % 60} min" if minutes % 60 else f"{hours} h"
    return f"{hours // 24} d {hours % 24} h" if hours % 24 else f"{hours // 24} d"


def open_cases_seen_before(api: httpx.Client) -> tuple[str, dict[str, Any], str]:
    """A customer whose newest open case has closed cases like it, and an older open case of
    theirs that has none: its id, the newest one's similar cases, the older case's id."""
    rows = api.post("/query/cypher", json={"query": """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(:Interaction)
              -[:PART_OF_CASE]->(:Case {caseStatus: 'open'})
        RETURN DISTINCT c.customerId AS id ORDER BY id"""}).json()["rows"]
    for row in rows:
        cases = [c for c in api.get(f"/customers/{row['id']}/360").json()["cases"]
                 if c["status"] == "open" and c["interactionIds"]]
        similar = [api.get(f"/interactions/{c['interactionIds'][0]}/similar-cases").json()
                   for c in cases]
        unseen = [c["caseId"] for c, found in zip(cases, similar, strict=True)
                  if not found["items"]]
        if similar and similar[0]["items"] and unseen:
            return row["id"], similar[0], unseen[0]
    pytest.fail("the demo corpus (seed 11) has no customer with both kinds of open case")


def test_an_open_case_shows_the_closed_cases_seen_before(
        browser: Browser, base_url: str, api: httpx.Client, watch: Watch) -> None:
    customer, similar, unseen = open_cases_seen_before(api)
    page = open_page(browser, watch)
    sign_in(page, base_url, "reader-key")
    page.goto(f"{base_url}/app/#/customers/{customer}")
    panel = page.get_by_test_id("seen-before")
    expect(panel).to_have_count(1)  # the newest open case's, open at once
    cases = panel.locator(".seen-case")
    expect(cases).to_have_count(len(similar["items"]))
    for n, case in enumerate(similar["items"]):
        shown = cases.nth(n)
        expect(shown).to_contain_text(f"{math.floor(max(0, case['similarity']) * 100 + 0.5)}% "
                                      "similar")
        expect(shown).to_contain_text(case["caseId"])
        expect(shown.locator(".seen-said")).to_contain_text(case["matched"]["text"])
        expect(shown.locator(".seen-reply")).to_have_count(len(case["replies"]))
        for k, reply in enumerate(case["replies"]):
            expect(shown.locator(".seen-reply").nth(k)).to_contain_text(reply["text"])
        expect(shown).to_contain_text(f"closed in {elapsed(case['secondsToClose'])}")
    assert any(case["replies"] for case in similar["items"])
    page.wait_for_load_state("networkidle")
    shot(page, "customer-360-seen-before")

    toggle = page.get_by_role("button", name=f"Seen before: closed cases like {unseen}")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(panel).to_have_count(2)
    expect(page.locator(f"[id='seen-before-{unseen}']")).to_contain_text(
        "No similar closed case yet.")
    watch.assert_clean()


def test_pain_points_rank_concepts(browser: Browser, base_url: str, api: httpx.Client,
                                   watch: Watch) -> None:
    ranked = api.get("/insights/pain-points", params={"limit": 15}).json()
    assert ranked, "the demo corpus has complaints"
    page = open_page(browser, watch)
    sign_in(page, base_url, "reader-key")
    page.get_by_role("link", name="Pain points").click()
    rows = page.get_by_test_id("pain-points").locator("tbody tr")
    expect(rows).to_have_count(len(ranked))
    expect(rows.first).to_contain_text(ranked[0]["label"])
    expect(rows.first).to_contain_text(str(ranked[0]["negative"]))
    shot(page, "pain-points")
    rows.first.get_by_role("button").click()
    expect(page.locator(".evidence-item")).to_have_count(len(ranked[0]["sample"]))
    watch.assert_clean()


GIFT_CARD = [
    "Can I pay with a gift card in the mobile app?",
    "How do I use my gift card when paying in the app?",
    "Does the app accept gift cards as payment?",
    "Is it possible to pay by gift card in your mobile app?",
    "How do I redeem a gift card in the app at checkout?",
]
GIFT_CARD_ANSWER = ("Yes: in the app go to checkout, choose Payment, then Add a gift card and "
                    "type its number.")
AIRDROP = [
    "The NFT airdrop never showed up in my crypto wallet",
    "Still no NFT airdrop in my wallet, what happened?",
    "NFT airdrop missing from my wallet",
    "Did the NFT airdrop fail? My wallet is empty",
    "NFT airdrop still not in my wallet",
    "No sign of the NFT airdrop in my wallet yet",
]


def ask_in_the_default_window(api: httpx.Client) -> datetime:
    """Five customers ask the same thing on a forum in the default window; the brand answers
    four of them the same way two hours later, another customer answers the fifth; six more
    customers write this week about something no concept covers. Returns the graph's now."""
    window = api.get("/insights/recurring-questions").json()
    now = datetime.fromisoformat(window["until"]) - timedelta(seconds=1)
    asked = now - timedelta(days=6)  # before the graph's now, so it does not move

    def stamp(at: datetime) -> str:
        return at.isoformat().replace("+00:00", "Z")

    def record(source_id: str, at: datetime, text: str, author: str | None,
               reply_to: str | None = None) -> dict[str, Any]:
        made: dict[str, Any] = {"source": "forum", "source_id": source_id,
                                "kind": "Reply" if reply_to else "Post", "channel": "forum",
                                "occurred_at": stamp(at), "text": text,
                                "direction": "inbound" if author else "outbound"}
        if author:
            made["author"] = {"kind": "email", "value": author}
        if reply_to:
            made["reply_to"] = reply_to
        return made

    writer = {"X-API-Key": "writer-key"}
    batches = [[record(f"gift-{n}", asked + timedelta(hours=n), text, f"gift{n}@example.org")
                for n, text in enumerate(GIFT_CARD)],
               [record(f"gift-answer-{n}", asked + timedelta(hours=n + 2), GIFT_CARD_ANSWER,
                       None, f"gift-{n}") for n in range(4)],
               [record("gift-peer-4", asked + timedelta(hours=4, minutes=30),
                       "Checkout > Payment > Add a gift card, worked for me",
                       "giftfan@example.org", "gift-4")],
               [record(f"airdrop-{n}", now - timedelta(days=3, hours=n), text,
                       f"airdrop{n}@example.org") for n, text in enumerate(AIRDROP)]]
    for batch in batches:
        response = api.post("/interactions", json=batch, headers=writer)
        assert response.status_code == 200, response.text
    return now


def same_day(page: Page, value: str, shift_days: int = 0) -> str:
    """A day as the app shows it (en-GB medium, UTC), formatted by the browser itself."""
    return str(page.evaluate(
        """([value, shift]) => { const d = new Date(value); d.setUTCDate(d.getUTCDate() + shift);
             return new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" })
               .format(d); }""", [value, shift_days]))


def test_recurring_questions_with_their_answers_and_emerging_topics(
        browser: Browser, base_url: str, api: httpx.Client, watch: Watch) -> None:
    now = ask_in_the_default_window(api)
    report = api.get("/insights/recurring-questions").json()
    matching = [g for g in report["groups"]
                if any(e["text"] in GIFT_CARD for e in g["examples"])]
    assert len(matching) == 1, matching
    [group] = matching
    assert group["messages"] == len(GIFT_CARD) and group["customers"] == len(GIFT_CARD)
    assert group["commonAnswer"]["text"] == GIFT_CARD_ANSWER
    assert group["commonAnswer"]["givenTimes"] == 4 and group["publishedAnswerCandidate"]
    assert group["communityAnswered"] == 1 and len(group["advocates"]) == 1
    emerging = api.get("/insights/emerging-topics").json()
    [airdrop] = [t for t in emerging["topics"] if "airdrop" in t["terms"]]

    page = open_page(browser, watch)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    sign_in(page, base_url, "reader-key")
    page.get_by_role("link", name="Recurring questions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recurring questions")
    groups = page.get_by_test_id("recurring-groups").locator(":scope > li")
    expect(groups).to_have_count(len(report["groups"]))
    expect(page.get_by_test_id("recurring-window")).to_contain_text(re.compile(
        f"{re.escape(same_day(page, report['since']))}(, \\d\\d:\\d\\d)? \N{EN DASH} "
        f"{re.escape(same_day(page, report['until']))}"))
    total = report["deflectable"]
    expect(page.locator(".rq-deflectable")).to_have_text(
        f"{total:,} contact{'' if total == 1 else 's'}")

    shown = page.locator(f".rq-group[data-group='{group['groupId']}']")
    expect(shown.locator(".rq-messages")).to_have_text(str(group["messages"]))
    expect(shown.locator(".rq-trend")).to_have_text(re.compile(f"{group['trend']}$"))
    expect(shown).to_contain_text(f"({group['previousMessages']} before;")
    expect(shown.locator(".rq-question")).to_have_text(f"“{group['examples'][0]['text']}”")
    expect(shown.locator(".rq-answer")).to_contain_text("given 4 times")
    expect(shown.locator(".rq-answer-text")).to_have_text(GIFT_CARD_ANSWER)
    expect(shown.locator(".rq-badge")).to_have_text("Published answer candidate")
    expect(shown).to_contain_text(f"{group['deflectable']} contacts deflectable")
    expect(shown).to_contain_text(f"{group['answered']} of {group['messages']}")
    expect(shown).to_contain_text(f"median {elapsed(group['medianSecondsToAnswer'])} to answer")
    advocate = group["advocates"][0]["customerId"]
    expect(shown.locator(".rq-advocates a")).to_have_attribute("href", f"#/customers/{advocate}")
    expect(shown.locator(".rq-concepts a")).to_have_count(len(group["concepts"]))
    for n, concept in enumerate(group["concepts"]):
        expect(shown.locator(".rq-concepts a").nth(n)).to_have_attribute(
            "href", f"#/concepts/{concept['conceptId']}")
    toggle = shown.get_by_role("button", name=re.compile("examples?$"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    examples = shown.locator(".rq-example-text")
    expect(examples).to_have_text([e["text"] for e in group["examples"]])

    topics = page.get_by_test_id("emerging-topics").locator(":scope > li")
    expect(topics).to_have_count(len(emerging["topics"]))
    topic = page.locator(f".rq-topic[data-group='{airdrop['groupId']}']")
    expect(topic.locator(".rq-terms .chip")).to_have_text(airdrop["terms"])
    expect(topic).to_contain_text(f"{airdrop['messages']} messages against "
                                  f"{airdrop['previousMessages']} before")
    expect(topic.locator(".rq-example-text")).to_have_text(
        [e["text"] for e in airdrop["examples"]])
    expect(topic.locator("pre")).to_have_text(airdrop["suggestion"]["turtle"])
    page.wait_for_load_state("networkidle")
    shot(page, "recurring-questions")
    topic.get_by_role("button", name="Copy").click()
    expect(topic.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == airdrop["suggestion"]["turtle"]
    # A browser that refuses the clipboard: the Turtle is selected for Ctrl+C instead.
    page.evaluate("() => { navigator.clipboard.writeText = "
                  "() => Promise.reject(new Error('denied')); }")
    topic.get_by_role("button", name="Copy").click()
    expect(topic.get_by_role("status")).to_contain_text("Could not copy")
    selected = page.evaluate("getSelection().toString()")
    assert selected.strip() == airdrop["suggestion"]["turtle"].strip()

    # A window chosen by day: the To day is included (until is the next day's midnight).
    first, last = (now - timedelta(days=8)).date(), now.date()
    page.get_by_label("From").fill(first.isoformat())
    page.get_by_label("To", exact=True).fill(last.isoformat())
    chosen = api.get("/insights/recurring-questions", params={
        "since": f"{first.isoformat()}T00:00:00Z",
        "until": f"{(last + timedelta(days=1)).isoformat()}T00:00:00Z"}).json()
    window = page.get_by_test_id("recurring-window")
    expect(window).to_contain_text(f"{same_day(page, chosen['since'])} \N{EN DASH} "
                                   f"{same_day(page, chosen['until'], -1)}")
    expect(groups).to_have_count(len(chosen["groups"]))
    expect(shown.locator(".rq-messages")).to_have_text(str(len(GIFT_CARD)))
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    shot(page, "recurring-questions-phone")
    watch.assert_clean()


def test_channels_and_concept_explorer(browser: Browser, base_url: str, api: httpx.Client,
                                       watch: Watch) -> None:
    channels = api.get("/insights/channels").json()
    page = open_page(browser, watch)
    sign_in(page, base_url, "reader-key")
    page.get_by_role("link", name="Channels").click()
    expect(page.get_by_test_id("channel-insights").locator("tbody tr")).to_have_count(
        len(channels))
    expect(page.locator("canvas")).to_be_visible()
    shot(page, "channels")

    def flat(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [n for node in nodes for n in (node, *flat(node["narrower"]))]

    tree = api.get("/concepts").json()
    root = max(tree, key=lambda node: node["total"])
    top = max(flat(tree), key=lambda node: (node["interactions"], node["conceptId"]))
    page.get_by_role("link", name="Concepts").click()
    tree_view = page.get_by_role("list", name="Concept taxonomy")
    expect(tree_view.get_by_role("link", name=f"{root['label']} {root['total']} interactions",
                                 exact=True)).to_be_visible()
    page.goto(f"{base_url}/app/#/concepts/{top['conceptId']}")
    detail = page.get_by_test_id("concept-detail")
    expect(detail.get_by_role("heading", name=top["label"])).to_be_visible()
    correlations = api.get(f"/concepts/{top['conceptId']}/correlations").json()
    expect(page.locator("#concept-co tbody tr")).to_have_count(
        len(correlations["coOccurring"]))
    page.get_by_label("Channel", exact=True).select_option(channels[0]["channel"])
    filtered = api.get(f"/concepts/{top['conceptId']}/correlations",
                       params={"channel": channels[0]["channel"]}).json()
    expect(detail.get_by_text(f"{filtered['volume']:,} of "
                              f"{filtered['interactionsInScope']:,} interactions")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot(page, "concepts")
    watch.assert_clean()


SPARQL_EXAMPLE = "SPARQL: Concepts by interactions (SPARQL)"


def test_sparql_in_the_console_as_a_table_and_csv(browser: Browser, base_url: str,
                                                  api: httpx.Client, watch: Watch) -> None:
    page = open_page(browser, watch)
    sign_in(page, base_url, "analyst-key")
    page.get_by_role("link", name="Query console").click()
    page.get_by_label("Examples").select_option(label=SPARQL_EXAMPLE)
    expect(page.get_by_role("tab", name="SPARQL")).to_have_attribute("aria-selected", "true")
    editor = page.get_by_test_id("query-editor")
    expect(editor).to_contain_text("ckg:aboutConcept")
    assert editor.locator(".cm-line span").count() > 3  # tokens are highlighted
    query = page.evaluate("document.querySelector('.cm-content').innerText")
    expected = api.post("/sparql", content=query.encode(), headers={
        "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json"}).json()
    page.get_by_role("button", name="Run query").click()
    table = page.get_by_test_id("query-results")
    bindings = expected["results"]["bindings"]
    expect(table.locator("tbody tr")).to_have_count(len(bindings))
    expect(table.locator("thead th")).to_have_text(expected["head"]["vars"])
    expect(table.locator("tbody tr").first).to_contain_text(bindings[0]["c"]["value"])
    shot(page, "console-sparql")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows[0] == expected["head"]["vars"]
    assert rows[1] == [bindings[0]["c"]["value"], bindings[0]["n"]["value"]]
    assert len(rows) == len(bindings) + 1

    page.get_by_role("tab", name="Cypher").click()
    expect(editor).to_contain_text("MATCH (i:Interaction)")
    editor.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    expect(table.locator("thead th")).to_have_text(["concept", "interactions", "sentiment"])
    assert table.locator("tbody tr").count() > 0
    watch.assert_clean()


def test_the_labelling_queue_takes_one_key_per_label_least_sure_first(
        browser: Browser, base_url: str, api: httpx.Client, watch: Watch) -> None:
    queue = api.get("/labels/queue", params={"limit": 20}).json()["items"]
    assert len(queue) == 20  # the demo corpus holds far more unlabelled customer messages
    confidences = [item["modelConfidence"] for item in queue]
    assert confidences == sorted(confidences)  # the model's least sure first
    first, second = queue[0], queue[1]
    page = open_page(browser, watch)
    sign_in(page, base_url, "analyst-key")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Label").click()
    card = page.get_by_test_id("label-card")
    expect(card).to_have_attribute("data-interaction", first["interactionId"])
    expect(page.get_by_test_id("model-guess")).to_contain_text(str(first["modelSentiment"]))
    shot(page, "labelling-queue")
    page.keyboard.press("1")
    expect(page.get_by_test_id("labelled-count")).to_contain_text("1 labelled")
    expect(card).to_have_attribute("data-interaction", second["interactionId"])
    page.keyboard.press("3")
    expect(page.get_by_test_id("labelled-count")).to_contain_text("2 labelled")
    stored = api.post("/query/cypher", json={"query": """
        MATCH (l:AnalystLabel)-[:LABEL_OF]->(i:Interaction)
        RETURN i.interactionId AS id, l.labelSentiment AS sentiment, l.labelledBy AS by
        ORDER BY id"""}).json()["rows"]
    assert {(row["id"], row["sentiment"]) for row in stored} == {
        (first["interactionId"], "negative"), (second["interactionId"], "positive")}
    assert all(row["by"].startswith("api:analyst:") for row in stored)
    left = {item["interactionId"] for item in
            api.get("/labels/queue", params={"limit": 200}).json()["items"]}
    assert not left & {first["interactionId"], second["interactionId"]}
    watch.assert_clean()


def test_a_reader_does_not_see_the_console(browser: Browser, base_url: str,
                                           watch: Watch) -> None:
    page = open_page(browser, watch)
    sign_in(page, base_url, "reader-key")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Pain points")).to_be_visible()
    assert nav.get_by_role("link", name="Query console").count() == 0
    page.goto(f"{base_url}/app/#/console")
    expect(page.get_by_role("alert")).to_contain_text("needs the analyst role")
    assert page.get_by_test_id("query-editor").count() == 0
    shot(page, "console-refused-for-reader")
    watch.assert_clean()


def test_no_key_and_a_wrong_key_are_explained(browser: Browser, base_url: str,
                                              watch: Watch) -> None:
    page = open_page(browser, watch)
    page.goto(f"{base_url}/app/")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your API key")
    page.get_by_label("API key").fill("not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("This key was refused: unknown API key")
    shot(page, "sign-in-wrong-key")
    assert page.evaluate("sessionStorage.length") == 0
    watch.assert_clean(allowed=(401,))


def test_the_360_page_on_a_phone(browser: Browser, base_url: str, api: httpx.Client,
                                 watch: Watch) -> None:
    customer = busiest_customer(api)
    page = open_page(browser, watch, PHONE)
    sign_in(page, base_url, "reader-key")
    page.goto(f"{base_url}/app/#/customers/{customer['id']}")
    expect(page.get_by_test_id("view-360")).to_be_visible()
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    shot(page, "customer-360-phone")
    watch.assert_clean()


def test_neo4j_down_is_a_clear_message(browser: Browser, web_settings: Settings,
                                       watch: Watch) -> None:
    down = web_settings.model_copy(update={
        "neo4j_uri": f"bolt://127.0.0.1:{free_port()}", "neo4j_retry_seconds": 0.5,
        "api_graph_wait_seconds": 0.5})
    with serving(create_app(down)) as url:
        page = open_page(browser, watch)
        sign_in(page, url, "reader-key")
        page.get_by_label("Search customers").fill("smith")
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Service unavailable")
        expect(alert).to_contain_text("The graph database is unavailable; try again")
        shot(page, "neo4j-down")
        page.close()
    watch.assert_clean(allowed=(503,))


def test_an_admin_splits_and_merges_identities(browser: Browser, base_url: str,
                                               api: httpx.Client, watch: Watch) -> None:
    rows = api.post("/query/cypher", json={"query": """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity)
        WITH c, collect(x.identityId) AS ids WHERE size(ids) >= 2
        RETURN c.customerId AS id, ids ORDER BY size(ids) DESC, id LIMIT 1"""}).json()["rows"]
    customer, identities = rows[0]["id"], sorted(rows[0]["ids"])
    leaving = identities[-1]
    refused = api.post(f"/customers/{customer}/split", json={"identityId": leaving},
                       headers={"X-API-Key": "reader-key"})
    assert refused.status_code == 403

    page = open_page(browser, watch)
    sign_in(page, base_url, "admin-key")
    page.goto(f"{base_url}/app/#/customers/{customer}")
    view = api.get(f"/customers/{customer}/360").json()
    value = next(i["value"] for i in view["identities"] if i["identityId"] == leaving)
    page.get_by_role("button", name=f"Split {value} out of").click()
    page.get_by_role("dialog").get_by_role("button", name="Split out").click()
    expect(page.get_by_role("dialog")).to_have_count(0, timeout=60_000)  # resolves again

    def owners() -> dict[str, str]:
        return {r["identityId"]: r["customerId"] for r in api.post("/query/cypher", json={
            "query": "MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity) "
                     "WHERE x.identityId IN $ids "
                     "RETURN x.identityId AS identityId, c.customerId AS customerId",
            "parameters": {"ids": identities}}).json()["rows"]}

    after_split = owners()
    assert after_split[leaving] != after_split[identities[0]]
    expect(page).to_have_url(re.compile(f"#/customers/{re.escape(after_split[identities[0]])}$"))
    expect(page.get_by_test_id("view-360")).to_be_visible()
    shot(page, "after-split")

    other = api.post("/query/cypher", json={"query": """
        MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity) WHERE NOT x.identityId IN $ids
        RETURN c.customerId AS id, x.identityId AS identity ORDER BY id LIMIT 1""",
        "parameters": {"ids": identities}}).json()["rows"][0]
    identities.append(other["identity"])
    page.get_by_role("button", name="Merge with…").click()
    page.get_by_label("Customer id of the other customer").fill(other["id"])
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0, timeout=60_000)  # resolves again
    after_merge = owners()
    assert after_merge[other["identity"]] == after_merge[identities[0]]
    assert after_merge[leaving] != after_merge[identities[0]]  # the split still holds
    expect(page).to_have_url(re.compile(f"#/customers/{re.escape(after_merge[identities[0]])}$"))
    merged = api.get(f"/customers/{after_merge[identities[0]]}/360").json()
    expect(page.locator("#identities tbody tr")).to_have_count(len(merged["identities"]))
    watch.assert_clean()


def test_session_and_admin_routes_refuse_bad_input(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for key, role in KEYS.items():
            assert client.get("/session", headers={"X-API-Key": key}).json() == {"role": role}
        assert client.get("/session").status_code == 401
        admin = {"X-API-Key": "admin-key"}
        some = client.get("/customers", params={"q": "example", "limit": 2}, headers=admin)
        first, second = (item["customerId"] for item in some.json()["items"])
        itself = client.post(f"/customers/{first}/merge", json={"other": first}, headers=admin)
        assert itself.status_code == 400 and "itself" in itself.json()["detail"]
        unknown = client.post(f"/customers/{first}/merge", json={"other": "nobody"},
                              headers=admin)
        assert unknown.status_code == 404
        foreign = client.get(f"/customers/{second}/360", headers=admin).json()["identities"][0]
        refused = client.post(f"/customers/{first}/split",
                              json={"identityId": foreign["identityId"]}, headers=admin)
        assert refused.status_code == 400
        assert refused.json()["detail"].startswith("identityId: ")
        missing = client.post(f"/customers/{first}/split", json={}, headers=admin)
        assert missing.status_code == 422
        analyst = client.post(f"/customers/{first}/merge", json={"other": second},
                              headers={"X-API-Key": "analyst-key"})
        assert analyst.status_code == 403


def test_the_api_docs_render_from_the_package_under_the_apps_csp(
        browser: Browser, base_url: str, watch: Watch) -> None:
    """/docs is Swagger UI from the built app (npm's swagger-ui-dist), not a CDN: every
    request the page makes goes to this server, and the CSP lets it run."""
    page = open_page(browser, watch)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(f"{base_url}/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Customer knowledge graph")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert requested and all(url.startswith(base_url) for url in requested), requested
    shot(page, "api-docs")
    watch.assert_clean()
