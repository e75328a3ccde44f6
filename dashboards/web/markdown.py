"""Markdown of text widgets, rendered safely: CommonMark with raw HTML off (it is escaped),
markdown-it's link check (no javascript:/data: URLs) and no images (no third-party loads)."""

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False}).disable("image")


def render_markdown(text: str) -> SafeString:
    return mark_safe(_renderer.render(text or ""))  # noqa: S308 - html is off: escaped
