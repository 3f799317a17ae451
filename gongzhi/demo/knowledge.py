"""The demo's gazetteer names and knowledge base (知识库).

Roads and compounds are the ones the demo's appeals name (organisation.SUBDISTRICTS, grid_info),
kept as place names so the operator desk locates them; the standard answers are invented in the
style of a 12345 hotline's and written through gongzhi.appeals.knowledge, as a supervisor would.
"""
from __future__ import annotations

from gongzhi.appeals import knowledge
from gongzhi.appeals.models import Category
from gongzhi.triage.models import PlaceName

# (category code, question, keywords, answer)
ENTRIES = [
    ("CX-ZF", "住房公积金如何提取？", "公积金 提取 住房公积金 取公积金",
     "您好，职工购买、建造、翻建、大修自住住房，偿还购房贷款本息，或租房自住且无自有住房的，可申请提取住房"
     "公积金。可通过“区公积金中心”网上服务大厅、手机公积金APP办理，或携带身份证、银行卡及相关证明材料到区"
     "政务服务中心公积金窗口办理（工作日9:00-17:00）。租房提取每月可提取一次，额度以当年规定为准。"
     "如需进一步咨询，可拨打公积金中心服务热线。"),
    ("LB-SB", "如何查询社保缴费记录？", "社保 查询 缴费记录 社保卡 养老保险 医保缴费",
     "您好，社会保险缴费记录可通过以下途径查询：一是登录区人力社保局网上办事大厅或“掌上社保”APP，实名认证后"
     "查询个人参保及缴费明细；二是携带社保卡到各街道社保服务窗口或自助终端查询打印；三是拨打12333社保服务热线"
     "按语音提示查询。如发现缴费记录有误，请联系用人单位核实，或到区社保经办机构申请更正。"),
    ("CX-GS", "停水了，什么时候恢复供水？", "停水 没水 恢复供水 断水 水压低",
     "您好，因供水管网维修或改造施工，区水务集团会提前在小区公告栏、物业群和官方网站发布计划停水通知，写明停水"
     "范围和预计恢复时间。突发爆管抢修的，一般在抢修完成后4至8小时内恢复供水。您可拨打区水务集团24小时客服"
     "热线查询所在小区的停水原因和恢复时间；停水超过24小时的，水务集团将安排送水车。恢复供水后请先放水片刻再使用。"),
    ("CX-GD", "突然停电了怎么办？", "停电 断电 没电 恢复供电 跳闸",
     "您好，请先查看家中空气开关是否跳闸、邻居家是否同样停电。若整栋楼或整个小区停电，可能为计划检修或线路故障，"
     "计划检修会提前公告；故障停电可拨打区供电公司24小时抢修热线报修，抢修人员一般在45分钟内到达城区现场。"
     "如发现电线断落，请远离并立即报告，切勿自行处理。"),
    ("ZF-HJ", "身份证丢了怎么补办？", "身份证 补办 丢失 挂失 临时身份证",
     "您好，居民身份证丢失的，可携带户口簿到户籍所在地或居住地的派出所户籍窗口申请补领，现场采集照片和指纹，"
     "工本费20元，一般20个工作日内制证完成。急需使用的，可同时申请临时居民身份证（3个工作日左右可领取）。"
     "补领期间原证件自动作废，如发现被冒用请及时报警。"),
    ("LB-TX", "退休手续怎么办理？", "退休 办理退休 养老金 退休手续 领取养老金",
     "您好，职工达到法定退休年龄且累计缴纳养老保险满15年的，可由用人单位或本人在到龄前3个月向区社保经办机构"
     "申请办理退休。需提供身份证、社保卡、人事档案（企业职工由单位或档案管理机构提供）等材料，审核通过后次月起"
     "按月领取基本养老金。灵活就业人员可携带本人身份证到街道社保服务窗口申请。"),
    ("JW-RX", "小学新生入学怎么报名？", "入学 报名 小学 学位 招生 划片",
     "您好，区教育局每年4月底前公布义务教育招生政策和各校施教区（划片）范围，5月中旬开放网上报名。适龄儿童家长"
     "可登录区教育局招生报名平台，按户籍和房产（或居住证）情况填报信息、上传材料，并在规定时间到学校现场审核。"
     "具体时间以当年招生公告为准，可关注区教育局官方网站或咨询学区学校。"),
    ("MZ-YL", "高龄老人补贴如何申请？", "高龄补贴 老人补贴 养老补贴 尊老金 80岁",
     "您好，本区户籍年满80周岁的老年人可享受高龄津贴，按年龄段按月发放。符合条件的老人或其家属可携带老人身份证、"
     "户口簿、银行卡到户籍所在社区居委会申请，社区初审、街道审核、区民政局审批后次月起发放。已申领的老人每年需"
     "进行一次资格认证，可通过手机APP人脸识别完成。"),
]


def build_gazetteer(city) -> int:
    """Each subdistrict's roads and each grid's compounds as place names; returns how many."""
    rows = []
    seen: set[tuple[str, int]] = set()
    for grid in city.grids:
        info = city.grid_info[grid.pk]
        subdistrict = city.subdistricts[info["sub"]]
        centre = info["shape"].representative_point()
        for compound in info["compounds"]:
            if (compound, info["community"].pk) not in seen:
                seen.add((compound, info["community"].pk))
                rows.append(PlaceName(name=compound, kind=PlaceName.Kind.COMPOUND, region=info["community"], grid=grid,
                                      lat=round(centre.y, 6), lon=round(centre.x, 6)))
        for road in info["roads"]:
            if (road, subdistrict.pk) not in seen:
                seen.add((road, subdistrict.pk))
                rows.append(PlaceName(name=road, kind=PlaceName.Kind.ROAD, region=subdistrict))
    PlaceName.objects.bulk_create(rows)  # no save signals: the desk's cached gazetteer is dropped here
    from gongzhi.triage.desk import forget_gazetteer

    forget_gazetteer()
    return len(rows)


def build_knowledge(editor) -> int:
    """The knowledge base's standard answers, through the knowledge service; returns how many."""
    categories = {c.code: c for c in Category.objects.all()}
    for code, question, keywords, answer in ENTRIES:
        knowledge.save_entry(editor, question=question, answer=answer, keywords=keywords,
                             category=categories.get(code))
    return len(ENTRIES)
