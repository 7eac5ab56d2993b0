"""End to end in headless Chromium (Debian's package, driven by Playwright) against `khabar serve` on loopback.

Screenshots of the home, article and story pages are saved under
``test-artifacts/`` (or ``KHABAR_TEST_ARTIFACTS``) and checked not to be blank.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from conftest import ROOT
from support.serving import running_server

CHROMIUM = os.environ.get("KHABAR_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("KHABAR_TEST_ARTIFACTS", ROOT / "test-artifacts"))
# Flags for a closed network: no background calls home, no sandbox (CI runs as root).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def server(web_store):
    """`khabar serve` in its own process on a free loopback port; its base URL."""
    with running_server(web_store) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's chromium package (bash .ci/run does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors, page errors and any dialog (alert) opened."""
    context = browser.new_context(locale="ar", viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.problems = []  # type: ignore[attr-defined]
    p.on("console", lambda m: m.type == "error" and p.problems.append(f"console: {m.text}"))
    p.on("pageerror", lambda e: p.problems.append(f"page error: {e}"))
    p.on("dialog", lambda d: (p.problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield p
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot and check that it is not blank."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    image = Image.open(path).convert("L")
    histogram = image.histogram()
    background = max(histogram)
    inked = 1 - background / sum(histogram)
    assert inked > 0.01, f"{path} looks blank ({inked:.2%} of pixels differ from the background)"
    assert len([n for n in histogram if n]) > 20, f"{path} has almost no distinct shades"
    return path


def test_pages_load_right_to_left_and_links_work(server, page):
    page.goto(server + "/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.locator("li.story").count() > 5
    screenshot(page, "home")

    page.locator("li.story a.title").first.click()
    page.wait_for_url("**/article/*")
    assert page.locator("h1").inner_text()
    assert page.locator(".tags a.tag").count() > 0
    screenshot(page, "article")
    article_url = page.url

    tag = page.locator(".tags a.tag").first
    tag_text = tag.inner_text()
    tag.click()
    page.wait_for_url("**/tag/*")
    assert tag_text in page.locator("h1").inner_text()
    # The tag's pages list the article, newest first: on this page or one the "next" link (التالي) leads to.
    listed = page.locator(f"a[href='/article/{article_url.rsplit('/', 1)[1]}']")
    for _ in range(5):
        if listed.count() or not page.locator("a[rel=next]").count():
            break
        following = page.locator("a[rel=next]").get_attribute("href")
        page.locator("a[rel=next]").click()
        page.wait_for_url("**/*" + following)
    assert listed.count() == 1

    page.goto(article_url)
    similar = page.locator(".similar a.title").first
    similar_title = similar.inner_text()
    similar.click()
    page.wait_for_url("**/article/*")
    assert page.url != article_url
    assert page.locator("h1").inner_text() == similar_title

    page.locator(".story-link a").click()
    page.wait_for_url("**/story/*")
    assert page.locator("ol.timeline li").count() >= 1
    screenshot(page, "story")
    assert page.problems == []


def test_search_returns_results(server, page):
    page.goto(server + "/")
    page.fill("header input[name=q]", "وزارة الصحة")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/search?*")
    assert page.locator("ul.results li").count() > 0
    assert page.locator("ul.results mark").count() > 0
    screenshot(page, "search")
    assert page.problems == []


def test_hostile_articles_run_nothing_in_the_browser(server, page):
    results = httpx.get(server + "/api/v1/search", params={"q": "كورونا الرياض", "limit": 50}).json()["results"]
    hostile = [r["id"] for r in results if "alert" in r["title"]]
    assert hostile
    for article_id in hostile:
        page.goto(f"{server}/article/{article_id}")
        assert "<script>" in page.locator("h1").inner_text() or "<a href" in page.locator("h1").inner_text()
        assert page.evaluate("window.pwned === undefined")
        assert page.locator("script, iframe, img, svg").count() == 0
    assert page.problems == [], "no alert dialog, no script error"
