"""The workbench pages added for issue 13 leave no Chinese interface text in English: the sortable
queue with its bulk bar, the printed work order and list, the bulk result, the photo fields."""
import pytest
from django.urls import reverse

from gongzhi.appeals import services
from tests.english import assert_english, english

from .helpers import handling


@pytest.mark.django_db
def test_the_queue_prints_bulk_result_and_photo_fields_are_english(client, org, make_appeal):
    waiting = make_appeal(title="路灯不亮", urgency="urgent")
    worked = handling(org, make_appeal(title="电梯故障"))
    back = make_appeal(title="被退回的诉求")
    services.dispatch(back, org.dispatcher, org.housing)
    services.return_assignment(back.assignments.get(), org.handler_housing, "不属于本单位职责")

    c = english(client, org.dispatcher)
    page = assert_english(c, reverse("staff:appeal_list") + "?sort=urgency", "sortable queue")
    assert "Dispatch selected" in page and "Returned 1 time" in page and "Print list" in page
    assert_english(c, reverse("staff:appeal_list") + "?returned=yes&sort=-due", "filtered queue")
    assert_english(c, reverse("staff:queue_print") + "?urgency=urgent", "printed list")
    assert_english(c, reverse("staff:work_order", args=[back.pk]), "work order")
    result = assert_english(c, reverse("staff:bulk_action"), "bulk result", method="post",
                            data={"action": "dispatch", "ids": [str(waiting.pk), str(worked.pk)], "lead": str(org.env.pk)})
    assert "1 done" in result and "1 refused" in result

    c = english(client, org.handler_housing)
    detail = assert_english(c, reverse("staff:appeal_detail", args=[worked.pk]), "reply form with photos")
    assert "Show the photos to the appellant" in detail
