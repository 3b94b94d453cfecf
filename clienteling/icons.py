"""The tablet's icons: the vendored Lucide set (static/vendor/lucide/icons) served as one SVG
sprite of symbols, which pages reference by name (`{% icon "heart" %}`). The sprite's URL
carries its digest, so browsers keep it until an icon changes."""

import functools
import hashlib
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.urls import reverse

ICONS_DIRECTORY = "vendor/lucide/icons"
# The drawing attributes of Lucide's <svg>, carried over to each symbol.
_KEPT_ATTRIBUTES = (
    "viewBox",
    "fill",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
)


@functools.cache
def icon_symbols() -> dict[str, str]:
    """Each icon's <symbol>, by name."""
    directory = finders.find(ICONS_DIRECTORY)
    if not directory:
        raise RuntimeError(f"The icons are missing: static/{ICONS_DIRECTORY}")
    symbols = {}
    for path in sorted(Path(directory).glob("*.svg")):
        text = re.sub(r"<!--.*?-->", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        opening = re.search(r"<svg\b([^>]*)>", text, flags=re.DOTALL)
        body = text[opening.end() : text.rindex("</svg>")] if opening else ""
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', opening.group(1) if opening else ""))
        kept = " ".join(
            f'{name}="{attributes[name]}"' for name in _KEPT_ATTRIBUTES if name in attributes
        )
        body = re.sub(r">\s+<", "><", body.strip())
        symbols[path.stem] = f'<symbol id="{path.stem}" {kept}>{body}</symbol>'
    return symbols


@functools.cache
def sprite() -> str:
    return '<svg xmlns="http://www.w3.org/2000/svg">' + "".join(icon_symbols().values()) + "</svg>"


@functools.cache
def sprite_url() -> str:
    digest = hashlib.sha256(sprite().encode()).hexdigest()[:12]
    return f"{reverse('clienteling:icons')}?v={digest}"
