"""Headless Chromium for the browser tests, launched once for tests that run back to back.

Launching Playwright's driver and Chromium costs a few seconds; the browser tests form one
xdist group (tests/services/xdist_groups.py), so they run one after another on one worker and
share one browser, each in a fresh context of its own. The browser cannot stay up for the rest
of the session: while Playwright's sync API runs, an asyncio loop runs in the main thread, and a
later test that calls `asyncio.run` would fail. So tests/conftest.py stops it after the last
browser test of a run of them (`pytest_runtest_teardown` knows the next test).
"""

from __future__ import annotations

from typing import Any


class SharedChromium:
    """One Playwright and Chromium, started on first use and stopped by `stop()`."""

    def __init__(self, executable: str, args: list[str]) -> None:
        self.executable = executable
        self.args = args
        self.launches = 0
        self._playwright: Any = None
        self._browser: Any = None

    def get(self) -> Any:
        """The running browser, launched now if there is none (or it died)."""
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        self.stop()
        # imported here: the controller of an xdist run and sessions without browser tests
        # never load Playwright
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable, args=self.args
            )
        except BaseException:
            self.stop()
            raise
        self.launches += 1
        return self._browser

    def close_contexts(self) -> None:
        """Close what a test left open (a context, a page of `browser.new_page()`)."""
        if self._browser is not None and self._browser.is_connected():
            for context in self._browser.contexts:
                context.close()

    @property
    def running(self) -> bool:
        return self._playwright is not None

    def stop(self) -> None:
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        try:
            if browser is not None and browser.is_connected():
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()
