"""A person using the site in Chromium: search for a two-character word, see the
highlighted passage, open the report page, download the original."""

from __future__ import annotations

import hashlib

import pytest

from crawler.settings import BROWSER_ARGS, find_chromium

CHROMIUM = find_chromium()  # the Chromium the crawler renders with

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (make system-deps)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
        yield browser
        browser.close()


def test_search_snippet_report_page_and_download(browser, live_site, site_data, test_output, tmp_path):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_site + "/")
    page.fill("#nianbao-q", "复议")
    page.press("#nianbao-q", "Enter")
    page.wait_for_url("**/-/search?q=*")
    first_mark = page.locator(".nianbao-hit .snippet mark").first
    first_mark.wait_for()
    assert first_mark.inner_text() == "复议"
    # The highlight is drawn (a yellow background), not just present in the markup.
    assert first_mark.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 224, 102)"
    # Each report hit lists the pages holding the word, linking to the original at that page.
    page_link = page.locator(".hit-pages a").first.get_attribute("href")
    assert page_link.startswith("/-/files/")
    page.screenshot(path=str(test_output / "search-fuyi.png"), full_page=True)

    page.locator(".nianbao-hit .hit-title").first.click()
    page.wait_for_url("**/-/reports/*")
    assert page.locator("#table-3").count() == 1
    sha256 = page.url.rsplit("/", 1)[-1]
    page.screenshot(path=str(test_output / "report-page.png"), full_page=True)

    with page.expect_download() as info:
        page.click("#download-original")
    download = info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == sha256

    page.goto(live_site + "/-/charts")
    page.locator("svg.nianbao-chart rect").first.wait_for(state="attached")
    page.screenshot(path=str(test_output / "charts.png"), full_page=True)
    page.goto(live_site + "/reports/documents?_search=%E8%AF%89%E8%AE%BC")
    assert page.locator(".nianbao-snippet mark").count() > 0
    page.screenshot(path=str(test_output / "table-search.png"))
    context.close()


def test_archived_web_page_runs_no_script(browser, live_site, site_data):
    """A third party's page with a <script> and an <img onerror=…>: neither runs on our site,
    served as the original or shown as a report page."""
    from tests.support import REPORTS, sha256_of

    source = REPORTS / "tiantan-2023-web-trs.html"
    assert b"<script>" in source.read_bytes() and b"onerror=" in source.read_bytes()
    sha256 = sha256_of(source)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    dialogs, requests = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("response", lambda answer: requests.append(answer.url))  # a request CSP blocks gets no answer
    response = page.goto(f"{live_site}/-/files/{sha256}")
    assert response.ok and "sandbox" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert page.title() == "天坛街道办事处2023年政府信息公开工作年度报告_示例区人民政府"  # the script would prefix "ran: "
    assert page.get_by_text("本年新收政府信息公开申请数量").count() >= 1  # the page is shown, as archived
    page.goto(f"{live_site}/-/reports/{sha256}")
    assert page.locator("#table-3").count() == 1
    page.wait_for_timeout(300)
    assert not page.title().startswith("ran:")
    assert dialogs == []
    assert not [url for url in requests if "no-such-image" in url or "jquery" in url]  # nothing the page names was loaded
    context.close()
