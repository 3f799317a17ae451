"""While the operator types, the desk suggests a category (triage's classifier), earlier appeals the
call may repeat (triage's duplicate index) and standard answers (知识库). Only operators ask; they
see only appeals in their scope, with phone numbers in those appeals' text masked; asking too
often is refused for a while."""
import pytest
from django.urls import reverse

from gongzhi.appeals import knowledge, services
from gongzhi.appeals.models import Appeal, Status
from gongzhi.core.models import Role, RoleAssignment, User
from gongzhi.triage import services as triage
from gongzhi.triage.classifier import TextClassifier

from .helpers import signed_in

HOUSING = ["小区电梯坏了物业不修", "物业公司乱收物业费", "楼道堆放杂物物业不管", "小区停车位被物业占用",
           "物业服务差电梯经常停运", "物业不公开公共收益", "小区绿化被物业破坏", "物业维修基金使用不透明"]
NOISE = ["夜间施工噪音扰民严重", "广场舞音响太吵影响休息", "工地凌晨打桩噪声很大", "酒吧音乐噪音扰民",
         "装修电钻噪音周末不停", "餐馆排风机噪声大", "道路施工夜间噪音", "KTV深夜噪音扰民"]
NOISE_ANSWER = "您好，夜间22时至次日6时施工须取得夜间施工许可，您可拨打城管执法热线，执法人员将到场核查处理。"


@pytest.fixture
def classifier(org):
    texts = [f"{t}\n{t}，希望有关部门尽快处理。" for t in HOUSING * 3] + [f"{t}\n{t}，请相关部门处理。" for t in NOISE * 3]
    labels = [org.cat_root.name] * (len(HOUSING) * 3) + [org.cat_noise.name] * (len(NOISE) * 3)
    triage.register_model(TextClassifier().fit(texts, labels), "test", len(texts))


def live(client, title, content, phone=""):
    return client.post(reverse("staff:desk_live"), {"title": title, "content": content, "appellant_phone": phone})


def test_typing_shows_the_classifiers_category_and_a_matching_standard_answer(client, org, classifier):
    entry = knowledge.save_entry(org.supervisor, question="夜间施工噪音怎么投诉？", answer=NOISE_ANSWER,
                                 keywords="夜间施工 噪音", category=org.cat_noise)
    response = live(signed_in(client, org.operator), "夜间施工噪音", "隔壁工地晚上十一点还在打桩，噪音很大")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-category="{org.cat_noise.pk}"' in body and "噪声污染" in body
    assert f'data-knowledge="{entry.pk}"' in body and "夜间施工噪音怎么投诉" in body
    assert "夜间施工、噪音" in body, "the keywords that matched are named"


def test_a_withdrawn_answer_is_not_suggested(client, org, classifier):
    entry = knowledge.save_entry(org.supervisor, question="夜间施工噪音怎么投诉？", answer=NOISE_ANSWER, keywords="噪音")
    knowledge.set_active(org.supervisor, entry, False)
    body = live(signed_in(client, org.operator), "噪音扰民", "楼下酒吧噪音").content.decode()
    assert "data-knowledge" not in body and "没有匹配的知识库条目" in body


def test_repeats_are_only_those_in_scope_with_phone_numbers_masked(client, org, make_appeal):
    east = make_appeal(title="东湖社区3栋电梯坏了回电13811112222", lat=39.905, lon=116.405)
    west = make_appeal(title="西山社区电梯坏了", lat=39.905, lon=116.305)
    assert east.region == org.east_c and west.region == org.west_c
    east_operator = User.objects.create_user(username="east_operator", password="x")
    RoleAssignment.objects.create(user=east_operator, role=Role.OPERATOR, region=org.east)
    text = ("小区电梯坏了", "东湖社区3栋电梯坏了两个月，物业不修，老人上下楼困难。")

    body = live(signed_in(client, org.operator), *text).content.decode()
    assert east.tracking_number in body and west.tracking_number in body
    assert "13811112222" not in body and "138****2222" in body
    client.logout()
    body = live(signed_in(client, east_operator), *text).content.decode()
    assert east.tracking_number in body and west.tracking_number not in body, "outside the operator's scope"


def test_typing_does_not_look_the_caller_up_by_phone_number(client, org, make_appeal):
    """Earlier appeals by the caller's number are the caller-history panel's, whose lookups are audited."""
    earlier = make_appeal(title="路灯不亮", content="东湖路的路灯坏了一个星期", appellant_phone="13800001111")
    body = live(signed_in(client, org.operator), "楼上漏水", "楼上卫生间漏水到我家天花板", phone="13800001111").content.decode()
    assert earlier.tracking_number not in body


def test_a_closed_repeat_is_marked_as_closed(client, org, make_appeal):
    earlier = make_appeal()
    services.close(earlier, org.operator, "已电话解答")
    body = live(signed_in(client, org.operator), "小区电梯长期故障无人维修",
                "东湖社区3栋电梯坏了两个月，物业不修，老人上下楼困难。").content.decode()
    assert earlier.tracking_number in body and str(Status.CLOSED.label) in body


def test_only_operators_ask_and_too_many_questions_are_refused_for_a_while(client, org, settings):
    for somebody in (org.dispatcher, org.handler_housing, org.citizen):
        assert live(signed_in(client, somebody), "噪音", "噪音").status_code == 404
        client.logout()
    assert client.post(reverse("staff:desk_live"), {"title": "噪音"}).status_code == 302, "sign in first"
    settings.GONGZHI = {**settings.GONGZHI, "DESK_SUGGEST_PER_MINUTE": 2}
    signed_in(client, org.operator)
    assert live(client, "噪音", "a").status_code == 200
    assert client.post(reverse("staff:desk_places"), {"location_text": "东湖"}).status_code == 200
    refused = live(client, "噪音", "b")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "请求过于频繁" in refused.content.decode()


# ---------------------------------------------------------------- 直接答复 from the desk page

CALL = {"appellant_phone": "13922223333", "appellant_name": "王五", "title": "夜间施工噪音",
        "content": "隔壁工地晚上十一点还在打桩，想问问怎么投诉", "urgency": "normal", "location_text": "东湖社区"}


def test_answering_directly_from_the_desk_closes_the_call_answered(client, org):
    entry = knowledge.save_entry(org.supervisor, question="夜间施工噪音怎么投诉？", answer=NOISE_ANSWER, keywords="噪音")
    response = signed_in(client, org.operator).post(reverse("staff:desk_answer"), {
        **CALL, "knowledge": entry.pk, "answer_text": NOISE_ANSWER, "region": org.east_c.pk})
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("staff:appeal_detail", args=[appeal.pk])
    assert appeal.status == Status.CLOSED and appeal.answered_at_intake and appeal.region == org.east_c
    page = client.get(response["Location"]).content.decode()
    assert "已直接答复并办结" in page and NOISE_ANSWER in page


def test_a_direct_answer_without_an_entry_or_with_too_short_a_text_says_why(client, org):
    entry = knowledge.save_entry(org.supervisor, question="夜间施工噪音怎么投诉？", answer=NOISE_ANSWER, keywords="噪音")
    signed_in(client, org.operator)
    missing = client.post(reverse("staff:desk_answer"), CALL)
    assert missing.status_code == 400 and "请先从右侧推荐中选择一条知识库答复" in missing.content.decode()
    short = client.post(reverse("staff:desk_answer"), {**CALL, "knowledge": entry.pk, "answer_text": "去问城管"})
    body = short.content.decode()
    assert short.status_code == 400 and "答复内容过短" in body
    assert "去问城管" in body and CALL["content"] in body, "what was typed stays in the form"
    no_phone = client.post(reverse("staff:desk_answer"), {**CALL, "appellant_phone": "", "knowledge": entry.pk})
    assert no_phone.status_code == 400 and "实名诉求请留下联系电话" in no_phone.content.decode()
    assert not Appeal.objects.exists()


def test_standard_answers_rank_by_the_keywords_found_then_the_question_s_words():
    from gongzhi.triage.answers import Answer, rank_answers

    fund = Answer(1, "住房公积金如何提取？", ("公积金", "提取"), "城乡建设")
    water = Answer(2, "停水了，什么时候恢复供水？", ("停水",), "城乡建设")
    pension = Answer(3, "社保缴费记录怎么查询", (), "劳动和社会保障")
    found = rank_answers("你好，我想提取公积金，租房可以吗", [water, fund, pension])
    assert [s.answer.id for s in found] == [1] and found[0].matched == ["公积金", "提取"]
    assert [s.answer.id for s in rank_answers("社保缴费记录在哪里查询", [fund, pension])] == [3], "by the question"
    assert rank_answers("小区停水三天了", [water, fund])[0].answer.id == 2
    assert rank_answers("路灯坏了", [water, fund, pension]) == []
