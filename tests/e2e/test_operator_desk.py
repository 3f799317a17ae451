"""The operator desk in a real browser: typing a call shows a suggested category and a standard
answer (知识库), typing a place offers the gazetteer's match, and the operator answers on the spot."""
import pytest
from playwright.sync_api import expect

from gongzhi.appeals import knowledge
from gongzhi.appeals.models import Appeal, Status
from gongzhi.triage import services as triage
from gongzhi.triage.classifier import TextClassifier
from gongzhi.triage.models import PlaceName

HOUSING = ["小区电梯坏了物业不修", "物业公司乱收物业费", "楼道堆放杂物物业不管", "小区停车位被物业占用",
           "物业服务差电梯经常停运", "物业不公开公共收益", "小区绿化被物业破坏", "物业维修基金使用不透明"]
NOISE = ["夜间施工噪音扰民严重", "广场舞音响太吵影响休息", "工地凌晨打桩噪声很大", "酒吧音乐噪音扰民",
         "装修电钻噪音周末不停", "餐馆排风机噪声大", "道路施工夜间噪音", "KTV深夜噪音扰民"]
ANSWER = "您好，夜间22时至次日6时施工须取得夜间施工许可，您可拨打城管执法热线，执法人员将到场核查处理。"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_operator_sees_a_category_and_a_standard_answer_and_answers_directly(page, login, shot, org):
    texts = [f"{t}\n{t}，希望有关部门尽快处理。" for t in HOUSING * 3] + [f"{t}\n{t}，请相关部门处理。" for t in NOISE * 3]
    labels = [org.cat_root.name] * (len(HOUSING) * 3) + [org.cat_noise.name] * (len(NOISE) * 3)
    triage.register_model(TextClassifier().fit(texts, labels), "test", len(texts))
    knowledge.save_entry(org.supervisor, question="夜间施工噪音怎么投诉？", answer=ANSWER, keywords="夜间施工 噪音",
                         category=org.cat_noise)
    PlaceName.objects.create(name="东湖路", kind=PlaceName.Kind.ROAD, region=org.east_c)

    login("operator")
    page.goto("/staff/desk/")
    page.fill("#id_appellant_phone", "13922223333")
    page.fill("#id_title", "夜间施工噪音")
    page.locator("#id_content").press_sequentially("隔壁工地晚上十一点还在打桩，噪音很大，想问怎么投诉", delay=5)
    expect(page.get_by_test_id("category-option").first).to_have_text("噪声污染")
    expect(page.get_by_test_id("kb-answer").first).to_contain_text("夜间施工噪音怎么投诉")
    page.get_by_test_id("category-option").first.click()
    expect(page.locator("#id_category")).to_have_value(str(org.cat_noise.pk))

    page.locator("#id_location_text").press_sequentially("东湖路18号", delay=5)
    page.get_by_test_id("place-option").filter(has_text="东湖路").click()
    expect(page.locator("#place-picked")).to_contain_text("东湖路")
    expect(page.locator("#id_location_text")).to_have_value("东湖路18号")
    expect(page.locator("#id_region")).to_have_value(str(org.east_c.pk))
    shot(page, "desk-01-suggestions")

    page.get_by_test_id("kb-use").first.click()
    expect(page.locator("#id_answer_text")).to_have_value(ANSWER)
    page.get_by_test_id("desk-answer").click()
    expect(page.get_by_text("已直接答复并办结")).to_be_visible()
    shot(page, "desk-02-answered")
    appeal = Appeal.objects.get()
    assert appeal.status == Status.CLOSED and appeal.answered_at_intake
    assert appeal.category == org.cat_noise and appeal.region == org.east_c
    assert appeal.replies.get().text == ANSWER
