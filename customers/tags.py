"""Customer tags (VIP, press, bridal...): head office manages the list, channels set them."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Customer, Tag
from omni.errors import DomainError


@transaction.atomic
def customer_tags_set(*, customer: Customer, names: list[str], actor: Any = None) -> list[Tag]:
    """Replace the customer's tags by the named ones (any case); unknown names are refused."""
    wanted = {name.strip().lower() for name in names if name.strip()}
    tags = [tag for tag in Tag.objects.all() if tag.name.lower() in wanted]
    unknown = wanted - {tag.name.lower() for tag in tags}
    if unknown:
        raise DomainError(
            _("Unknown tags: %(names)s.") % {"names": ", ".join(sorted(unknown))},
            code="unknown_tag",
        )
    if customer.is_merged:
        raise DomainError(_("This profile was merged into another."), code="customer_merged")
    customer.tags.set(tags)
    return sorted(tags, key=lambda tag: tag.name)
