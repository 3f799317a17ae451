"""Dispute risk reasons in the reader's language: the sentences disputes.risk adds to triage's
(which triage.reasons registers), registered with core.reasons."""
from django.utils.translation import gettext_noop as N

from gongzhi.core import reasons


def register() -> None:
    reasons.register(r"涉及(?P<n>\d+)人，属群体性纠纷", N("涉及%(n)s人，属群体性纠纷"))
    reasons.register(r"涉及金额(?P<amount>[\d,]+)元", N("涉及金额%(amount)s元"))
    reasons.register(r"“(?P<kind>.+)”类纠纷易激化", N("“%(kind)s”类纠纷易激化"), ("kind",))
