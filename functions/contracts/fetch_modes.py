"""How a retailer's pages are fetched: stack config `retailers.<name>.fetch`.

Imported by the Pulumi program (config validation, and whether the stack needs a renderer)
and by the scraper (`monitor.retailers`, `monitor.scrape`), so both speak the same names.
"""

from enum import StrEnum


class FetchMode(StrEnum):
    """A retailer's fetch mode.

    - `http`: the guarded HTTP client only (the default).
    - `browser`: every page rendered by the renderer function (headless Chromium); the
      dispatcher sends the retailer's jobs to the render queue.
    - `auto`: http first; a blocked answer, or one without a price that looks script
      rendered, sends the job on to the renderer, and the retailer's later jobs of that run
      go there directly.
    """

    HTTP = "http"
    BROWSER = "browser"
    AUTO = "auto"

    @property
    def needs_renderer(self) -> bool:
        """Whether a retailer in this mode needs the stack's renderer."""
        return self is not FetchMode.HTTP


DEFAULT_FETCH_MODE = FetchMode.HTTP
