"""The search box: results as the associate types."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from clienteling.selectors.search import MINIMUM_QUERY_LENGTH, customer_search
from clienteling.views.common import (
    associate_required,
    current_associate,
    journal_tablet_reads,
    render_page,
)
from omni.access_journal import Door


@require_GET
@associate_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    hits = customer_search(query, store_id=current_associate(request).store_id)
    # The customers shown, and what was typed (a search that found nobody journals nothing).
    journal_tablet_reads(
        request, [hit.customer.pk for hit in hits], Door.TABLET_SEARCH, query=query
    )
    context = {
        "query": query,
        "hits": hits,
        "too_short": 0 < len(query) < MINIMUM_QUERY_LENGTH,
        "nav": "search",
    }
    return render_page(request, "clienteling/search.html", context, partial="results")
