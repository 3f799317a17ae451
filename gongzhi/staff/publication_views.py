"""公开审核: the queue of appeals a moderator has still to look at before the delay publishes them.

The decision is appeals.services.review_publication, posted to the appeal's action URL (the same as
the button on the appeal page); the rule the public outputs apply is gongzhi.core.publication."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from gongzhi.core import publication

from . import pages


@pages.PUBLICATION.guard
def publication_queue(request):
    now = timezone.now()
    rows = (Appeal.objects.restrict(request.user).awaiting_publication_review(now)
            .select_related("category", "category__parent"))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    delay = publication.delay()
    for appeal in page:
        appeal.shown_title = services.shown_text(appeal, request.user, appeal.title)
        appeal.shown_content = services.shown_text(appeal, request.user, appeal.content)[:200]
        appeal.published_from = appeal.received_at + delay
    return render(request, "staff/publication_queue.html", {"page": page, "delay_days": delay.days})
