"""知识库 pages: operators read the standard answers; supervisors and administrators keep them; anyone
else does not find the pages. A bad entry is refused with the reason next to its field."""
from django.urls import reverse

from gongzhi.appeals import knowledge
from gongzhi.appeals.models import KnowledgeEntry
from gongzhi.core.models import AuditEntry

from .helpers import signed_in

ANSWER = "您好，社会保险缴费记录可登录区人力社保局网上办事大厅，或携带社保卡到街道社保服务窗口查询打印。"


def test_a_supervisor_adds_an_entry_and_an_operator_reads_it(client, org):
    response = signed_in(client, org.supervisor).post(reverse("staff:knowledge_new"), {
        "question": "如何查询社保缴费记录？", "answer": ANSWER, "keywords": "社保 缴费记录",
        "category": org.cat_root.pk, "active": "on"})
    assert response.status_code == 302
    entry = KnowledgeEntry.objects.get()
    assert entry.keyword_list == ["社保", "缴费记录"] and entry.updated_by == org.supervisor
    assert AuditEntry.objects.filter(action="knowledge_created", target_id=str(entry.pk)).exists()
    client.logout()
    page = signed_in(client, org.operator).get(reverse("staff:knowledge_list"), {"q": "社保"})
    body = page.content.decode()
    assert page.status_code == 200 and "如何查询社保缴费记录？" in body and ANSWER in body
    assert reverse("staff:knowledge_new") not in body, "an operator is not offered to edit"


def test_only_supervisors_and_administrators_edit_and_others_do_not_find_the_pages(client, org):
    entry = knowledge.save_entry(org.supervisor, question="如何查询社保缴费记录？", answer=ANSWER)
    signed_in(client, org.operator)
    assert client.get(reverse("staff:knowledge_new")).status_code == 404
    assert client.post(reverse("staff:knowledge_toggle", args=[entry.pk])).status_code == 404
    client.logout()
    for somebody in (org.dispatcher, org.handler_housing, org.citizen):
        assert signed_in(client, somebody).get(reverse("staff:knowledge_list")).status_code == 404
        client.logout()
    signed_in(client, org.admin)
    assert client.post(reverse("staff:knowledge_toggle", args=[entry.pk])).status_code == 302
    entry.refresh_from_db()
    assert not entry.active


def test_a_withdrawn_entry_is_hidden_from_operators_but_kept(client, org):
    entry = knowledge.save_entry(org.supervisor, question="如何查询社保缴费记录？", answer=ANSWER)
    knowledge.set_active(org.supervisor, entry, False)
    body = signed_in(client, org.operator).get(reverse("staff:knowledge_list")).content.decode()
    assert "如何查询社保缴费记录？" not in body
    client.logout()
    body = signed_in(client, org.supervisor).get(reverse("staff:knowledge_list")).content.decode()
    assert "如何查询社保缴费记录？" in body and "已停用" in body


def test_a_bad_entry_says_why_and_keeps_what_was_typed(client, org):
    response = signed_in(client, org.supervisor).post(reverse("staff:knowledge_new"), {
        "question": "", "answer": "打12333", "keywords": "社保"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "请填写问题" in body and "标准答复过短" in body and "打12333" in body
    bad_char = client.post(reverse("staff:knowledge_new"), {"question": "社保\x07查询", "answer": ANSWER})
    assert bad_char.status_code == 400 and "控制字符" in bad_char.content.decode()
    assert not KnowledgeEntry.objects.exists()


def test_editing_an_entry_changes_it(client, org):
    entry = knowledge.save_entry(org.supervisor, question="如何查询社保缴费记录？", answer=ANSWER)
    url = reverse("staff:knowledge_edit", args=[entry.pk])
    form = signed_in(client, org.supervisor).get(url).content.decode()
    assert "如何查询社保缴费记录？" in form
    client.post(url, {"question": "社保缴费记录在哪里查？", "answer": ANSWER, "keywords": "社保", "active": "on"})
    entry.refresh_from_db()
    assert entry.question == "社保缴费记录在哪里查？" and entry.keywords == "社保"
    assert client.get(reverse("staff:knowledge_edit", args=[entry.pk + 99])).status_code == 404


def test_the_menu_leads_to_the_knowledge_base_only_those_who_may_open_it(org):
    from gongzhi.core import nav

    def has(user):
        return any(e["name"] == "staff:knowledge_list" for e in nav.menu(user, nav.STAFF))

    assert has(org.operator) and has(org.supervisor) and has(org.admin)
    assert not has(org.dispatcher) and not has(org.handler_housing) and not has(org.leader)
