"""The file formats `import_history` reads, and how a format is told from a file."""

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from journeys.history_import.omni_csv import OmniCsvMapper
from journeys.history_import.readers import CsvReader, JsonLinesReader, Reader
from journeys.history_import.shop_csv import ShopifyCsvMapper, WooCommerceCsvMapper

JSON_LINES = "jsonl"
OMNI_CSV = "csv"
SHOPIFY_CSV = "shopify-csv"
WOOCOMMERCE_CSV = "woocommerce-csv"
FORMATS = (JSON_LINES, OMNI_CSV, SHOPIFY_CSV, WOOCOMMERCE_CSV)
CSV_MAPPERS = {
    OMNI_CSV: OmniCsvMapper,
    SHOPIFY_CSV: ShopifyCsvMapper,
    WOOCOMMERCE_CSV: WooCommerceCsvMapper,
}
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")


class FormatError(ValueError):
    """The file, its format and the options given do not go together."""


def format_guess(path: Path) -> str:
    """JSON Lines by its suffix; a CSV file by its header (a shop's export has its own
    column names)."""
    if path.suffix.lower() in JSON_LINES_SUFFIXES:
        return JSON_LINES
    if path.suffix.lower() != ".csv":
        raise FormatError(
            _("Cannot tell the format of %(name)s: give --format.") % {"name": path.name}
        )
    with path.open("rb") as file:
        header = file.readline().decode("utf-8", errors="replace")
    if "Lineitem sku" in header:
        return SHOPIFY_CSV
    if "item_sku" in header and "order_id" in header:
        return WOOCOMMERCE_CSV
    return OMNI_CSV


def reader_for(file_format: str, kind: str, options: dict[str, Any]) -> Reader:
    if file_format == JSON_LINES:
        return JsonLinesReader()
    if file_format not in CSV_MAPPERS:
        raise FormatError(_("Unknown format “%(format)s”.") % {"format": file_format})
    try:
        mapper = CSV_MAPPERS[file_format](kind, **options)
    except (ValueError, LookupError) as error:
        raise FormatError(str(error)) from error
    return CsvReader(mapper, encoding=options.get("encoding") or "utf-8")
