"""The demo city: an invented district with its organisation, people and three months of appeals.

Everything here is the project's own invention (names, places, texts); nothing is copied from real
data. Appeals are not written into tables directly: they go through gongzhi.appeals.services, in
time order, with the services' clock (`services._now`) moved back to the moment of each action, so
every appeal carries a coherent history (received, dispatched, returned, acknowledged, extended,
urged, replied late or on time, rated, reopened, merged, closed) and the same checks a real one
would pass. Hooks of other apps (triage, alerts …) are switched off while the history is written,
so the story does not depend on which apps are installed; they can back-fill from the data.
"""
from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

DISTRICT_CODE = "GZ01"
DEMO_PASSWORD = "Gongzhi#demo2026"

# ------------------------------------------------------------------ geography
# A 0.12° x 0.06° rectangle east of 120.10E, north of 30.24N: three subdistricts side by side,
# each three communities stacked south to north, each community cut into 3-4 grids.
ORIGIN_LON, ORIGIN_LAT = 120.100, 30.240
SUB_WIDTH, COMMUNITY_HEIGHT = 0.040, 0.020

SUBDISTRICTS = [
    ("清河街道", ["柳岸社区", "桂苑社区", "石桥社区"], ["清河大道", "柳岸路", "桂苑街", "石桥路", "杏林路"]),
    ("望湖街道", ["湖滨社区", "青枫社区", "文澜社区"], ["望湖路", "湖滨大道", "青枫路", "文澜街", "紫荆路"]),
    ("新港街道", ["港湾社区", "锦绣社区", "春晖社区"], ["新港大道", "港湾路", "锦绣路", "春晖街", "滨河路"]),
]
GRIDS_PER_COMMUNITY = [3, 3, 4, 3, 4, 3, 3, 4, 3]  # 30 grids
COMPOUND_HEADS = ["金桂", "翠柳", "阳光", "景湖", "康乐", "和睦", "枫林", "紫荆", "望江", "云栖", "锦园", "春江",
                  "丽水", "嘉禾", "馨苑", "绿城", "东湖", "新月", "怡和", "长庚", "百合", "松涛", "晨曦", "青竹",
                  "碧水", "安居", "幸福", "芳草", "朝晖", "星河"]
COMPOUND_TAILS = ["花园", "小区", "家园", "新村", "公寓", "苑"]

# ------------------------------------------------------------------ organisation
# (code, name, kind, where) — where: "district" or the subdistrict index.
DEPARTMENTS = [
    ("ZJJ", "区住房和城乡建设局", "bureau", "district"),
    ("HBJ", "区生态环境分局", "bureau", "district"),
    ("CGJ", "区城市管理局", "bureau", "district"),
    ("JTJ", "区交通运输局", "bureau", "district"),
    ("JYJ", "区教育局", "bureau", "district"),
    ("WJW", "区卫生健康委员会", "bureau", "district"),
    ("RSJ", "区人力资源和社会保障局", "bureau", "district"),
    ("SCJ", "区市场监督管理局", "bureau", "district"),
    ("MZJ", "区民政局", "bureau", "district"),
    ("NYJ", "区农业农村局", "bureau", "district"),
    ("GHJ", "区自然资源和规划分局", "bureau", "district"),
    ("WLJ", "区文化和旅游体育局", "bureau", "district"),
    ("YJJ", "区应急管理局", "bureau", "district"),
    ("SJJ", "区数据资源管理局", "bureau", "district"),
    ("FGJ", "区发展和改革局", "bureau", "district"),
    ("JW", "区纪委监委", "office", "district"),
    ("ZFB", "区政府办公室", "office", "district"),
    ("GAJ", "共治示范区公安分局", "police", "district"),
    ("PCS1", "清河派出所", "police", 0),
    ("PCS2", "望湖派出所", "police", 1),
    ("PCS3", "新港派出所", "police", 2),
    ("JD1", "清河街道办事处", "subdistrict", 0),
    ("JD2", "望湖街道办事处", "subdistrict", 1),
    ("JD3", "新港街道办事处", "subdistrict", 2),
    ("SW", "区水务集团", "company", "district"),
    ("GD", "区供电公司", "company", "district"),
    ("RQ", "区燃气公司", "company", "district"),
]
# Departments often confused with each other: the source of wrong dispatches and returns (退单).
CONFUSED_WITH = {
    "ZJJ": "CGJ", "CGJ": "ZJJ", "HBJ": "CGJ", "SCJ": "WJW", "WJW": "SCJ", "JTJ": "GAJ", "GAJ": "JTJ",
    "SW": "ZJJ", "GD": "ZJJ", "RQ": "YJJ", "MZJ": "@office", "@office": "MZJ", "@station": "@office",
    "RSJ": "SCJ", "JYJ": "WLJ", "WLJ": "JYJ",
}

# ------------------------------------------------------------------ categories and texts
# First level: (code, name, department, ack hours, handle working days, weight, children)
# child: (code, name, department or None (= parent's), handle days or None, urgent-prone, templates)
# template: (title, problem, measure). Slots: {where} short place, {place} full place, {road},
# {compound}, {community}, {n}, {company}, {shop}, {school}, {hospital}, {river}, {biz}.
CATEGORIES = [
    ("CX", "城乡建设", "ZJJ", 24, 15, 22, [
        ("CX-WY", "物业管理", None, 10, False, [
            ("{compound}物业不作为", "{place}的楼道灯坏了几个月，垃圾清运也不及时，物业费照收却什么都不管", "约谈物业公司负责人，督促其更换楼道灯具并增加垃圾清运频次"),
            ("{compound}电梯频繁故障", "{place}的电梯这个月已经停运{n}次，上周还困过人，楼里老人上下楼非常困难", "责成物业联系维保单位全面检修电梯，更换老化的主板和门机"),
            ("{compound}物业擅自占用公共绿地停车", "{place}物业把楼下的公共绿地铺成了收费停车位，没有征求业主意见", "责令物业停止收费并恢复绿地，相关情况已在小区公告栏公示"),
        ]),
        ("CX-WJ", "违章建筑", "CGJ", 15, False, [
            ("{where}顶楼违章搭建", "{place}顶楼住户在楼顶搭了一间彩钢板房，施工噪音大，楼下担心屋面漏水", "执法队员现场核实后下达限期拆除通知书，当事人已自行拆除"),
            ("{where}底商违规扩建", "{place}沿街的几家店铺把门面往外扩了两米，占用了人行道", "依法责令店主拆除违规扩建部分并恢复人行道原状"),
        ]),
        ("CX-SZ", "市政设施", "CGJ", 7, False, [
            ("{road}路灯不亮", "{road}从{n}号到路口这一段路灯全部不亮，晚上一片漆黑，行人走路很害怕", "安排路灯维护单位更换损坏的线路和灯具，路灯已恢复照明"),
            ("{where}井盖缺失", "{place}附近一个窨井盖不见了，只插了一根树枝提醒，晚上很容易掉进去", "当天设置围挡，次日补装了防坠落井盖"),
            ("{road}人行道地砖松动", "{road}人行道很多地砖松动翘起，下雨天一踩就溅一身泥水", "对松动地砖进行翻铺修复"),
        ]),
        ("CX-GS", "供水服务", "SW", 5, True, [
            ("{compound}停水无通知", "{place}从昨天早上开始停水，事先没有任何通知，打热线也说不清什么时候恢复", "经查为主管爆裂抢修，已恢复供水，今后计划停水将提前在小区公告"),
            ("{compound}自来水发黄", "{place}的自来水最近几天发黄，有铁锈味，不敢给孩子喝", "对小区二次供水水箱进行清洗消毒，水质检测合格"),
        ]),
        ("CX-GD", "供电服务", "GD", 5, True, [
            ("{compound}频繁停电", "{place}这两周晚上已经停了{n}次电，冰箱里的东西都坏了", "更换老化的配电变压器并对线路扩容"),
        ]),
        ("CX-RQ", "燃气服务", "RQ", 3, True, [
            ("{where}楼道有燃气味", "{place}楼道里有明显的燃气味，已经好几天了，担心是管道泄漏", "抢修人员到场检测，更换泄漏的阀门接头，并对整栋楼进行安全检查"),
            ("燃气开户安装等待太久", "{place}新房申请燃气开户一个多月了还没人上门安装，一直没法做饭", "已安排工程人员上门完成安装通气"),
        ]),
        ("CX-GZ", "老旧小区改造", None, 15, False, [
            ("{compound}加装电梯进展缓慢", "{place}加装电梯的事去年就签了意见书，到现在还没有开工，也没人说明原因", "街道和住建部门召集居民协调会，明确了施工单位和开工时间"),
            ("{compound}改造工程质量差", "{place}刚做完外墙改造不到半年，墙皮就开始大面积脱落", "责令施工单位按保修约定返工，并对工程质量进行复查"),
        ]),
        ("CX-ZF", "住房保障", None, 15, False, [
            ("公租房申请审核进度慢", "我是{community}居民，三个月前递交了公租房申请，一直显示审核中，打电话问也没有结果", "经核查申请材料已补齐，已进入轮候名单并电话告知申请人"),
        ]),
    ]),
    ("HJ", "环境保护", "HBJ", 24, 10, 11, [
        ("HJ-ZS", "噪声污染", None, 5, False, [
            ("{where}夜间施工噪音扰民", "{place}附近的工地每天晚上十点以后还在施工，打桩声吵得整栋楼睡不着觉", "对施工单位夜间违规作业立案调查，责令其严格遵守夜间施工许可时间"),
            ("{shop}噪音扰民", "{place}的{shop}每天营业到凌晨，音响声音很大，严重影响周边居民休息", "约谈经营者并责令其安装隔音设施、降低音量"),
        ]),
        ("HJ-DQ", "大气污染", None, 7, False, [
            ("{where}烧烤油烟扰民", "{place}楼下的烧烤摊每晚油烟直接往楼上飘，窗户都不敢开", "责令商户安装油烟净化设备，并规范经营时间"),
            ("{where}工地扬尘严重", "{place}旁边工地的渣土没有覆盖，风一吹满天灰尘，车身上全是土", "责令施工单位落实渣土覆盖和洒水降尘措施"),
        ]),
        ("HJ-SW", "水体污染", None, 10, False, [
            ("{river}河水发黑发臭", "{river}流经{where}的一段河水发黑发臭，还漂着死鱼，夏天味道更大", "排查发现一处雨污混接排口，已完成封堵并对河道清淤"),
        ]),
        ("HJ-LJ", "垃圾分类", "CGJ", 5, False, [
            ("{compound}垃圾桶满溢无人清理", "{place}的垃圾分类桶天天满溢，垃圾堆在地上发臭，招来很多苍蝇", "督促保洁公司增加清运频次并增设一组分类桶"),
        ]),
    ]),
    ("JT", "交通运输", "JTJ", 24, 10, 7, [
        ("JT-GJ", "公交出行", None, 10, False, [
            ("{road}公交站台破损", "{road}公交站台的顶棚破了个大洞，雨天候车的人全被淋湿，站牌信息也早就过时了", "维修站台顶棚并更新站牌信息"),
            ("{n}路公交车发车间隔太长", "早高峰{n}路公交车经常半小时都等不来一辆，在{where}上车的上班族天天迟到", "协调公交公司在早高峰加密班次"),
        ]),
        ("JT-DL", "道路养护", None, 7, False, [
            ("{road}路面坑洼严重", "{road}路面出现多处坑洼，最大的坑直径有半米，晚上骑电动车的人已经摔倒好几次", "安排养护单位对坑洼路面进行沥青修补"),
        ]),
        ("JT-CZ", "出租车网约车", None, 10, False, [
            ("出租车拒载", "在{place}打车，出租车司机嫌路程太近拒绝载客，态度还很恶劣", "经调取车载记录核实，已对驾驶员作出处罚并进行教育"),
        ]),
        ("JT-TC", "停车管理", "CGJ", 7, False, [
            ("{where}周边乱停车严重", "{place}门口人行道上长期停满车辆，行人只能走机动车道，很不安全", "加强巡查，对违停车辆依法处理并增设隔离桩"),
        ]),
    ]),
    ("LB", "劳动和社会保障", "RSJ", 24, 15, 8, [
        ("LB-QX", "拖欠工资", None, 10, True, [
            ("{company}拖欠工资", "我在{company}工作，公司已经拖欠{n}个月工资，老板一直推脱，二十多个工友都没拿到钱", "劳动保障监察大队立案调查，督促企业在约定期限内足额支付拖欠工资"),
        ]),
        ("LB-SB", "社会保险", None, 15, False, [
            ("单位未依法缴纳社保", "入职{company}半年多了，公司一直没有给缴纳社保，问人事说试用期不交", "责令用人单位限期为劳动者补缴社会保险费"),
            ("医保异地备案办不了", "家里老人在外地随子女居住，想办医保异地就医备案，网上一直提交失败", "工作人员已电话指导完成备案"),
        ]),
        ("LB-JY", "就业创业", None, 15, False, [
            ("求职创业补贴迟迟未发", "今年毕业的大学生，申请的求职创业补贴提交一个多月了一直没有消息", "经核查材料已审核通过，补贴已于本月发放到账"),
        ]),
        ("LB-TX", "退休待遇", None, 15, False, [
            ("退休手续办理困难", "母亲今年到了退休年龄，原单位已经改制，档案找不到，退休手续办不下来", "协助查找档案并指导按程序补办相关材料"),
        ]),
    ]),
    ("JW", "教育文体", "JYJ", 24, 15, 7, [
        ("JW-RX", "入学招生", None, 10, False, [
            ("孩子入学学区划分问题", "我们住在{place}，今年孩子上小学却被划到离家很远的学校，附近的{school}反而进不去", "已向家长解释今年学区划分依据，并告知统筹调剂的申请渠道"),
        ]),
        ("JW-SF", "教育收费", None, 10, False, [
            ("{school}违规收费", "{school}要求每个学生交{n}百元的资料费和午托费，没有收据也没有公示", "责令学校停止违规收费并退还已收取的费用"),
        ]),
        ("JW-PX", "校外培训", None, 10, False, [
            ("{where}违规开设学科培训班", "{place}有一家机构周末偷偷开语文数学培训班，收费很高", "联合执法检查，责令该机构停止违规培训"),
        ]),
        ("JW-WT", "文体设施", "WLJ", 10, False, [
            ("{where}健身器材损坏", "{place}的公共健身器材有好几件坏了，螺丝松动，老人小孩用着很危险", "更换了损坏的器材并张贴安全使用须知"),
        ]),
    ]),
    ("WS", "卫生健康", "WJW", 24, 10, 5, [
        ("WS-YL", "医疗服务", None, 10, False, [
            ("{hospital}挂号难", "在{hospital}看专家门诊，网上号源一放出就没了，现场也挂不上", "医院已增加专家号源并开放电话预约"),
        ]),
        ("WS-GW", "公共卫生", None, 7, False, [
            ("{where}鼠患蚊虫严重", "{place}附近的垃圾堆旁老鼠成群，晚上到处乱窜，蚊子也特别多", "组织开展病媒生物集中消杀"),
        ]),
        ("WS-SP", "食品安全", "SCJ", 7, True, [
            ("{shop}卫生条件差", "在{place}的{shop}吃完饭后全家拉肚子，后厨看起来很脏，怀疑食材不新鲜", "执法人员现场检查，对该店立案查处并责令停业整改"),
        ]),
    ]),
    ("SM", "商贸旅游", "SCJ", 24, 10, 6, [
        ("SM-XF", "消费维权", None, 10, False, [
            ("{shop}预付卡关门跑路", "在{place}的{shop}办了{n}千元的会员卡，现在店门关了，老板联系不上", "已立案调查并登记受损消费者信息，协调经营者退款"),
        ]),
        ("SM-JG", "计量价格", None, 10, False, [
            ("{community}菜市场缺斤短两", "在{community}菜市场买菜，回家一称少了近二两，不止一个摊位这样", "对市场内电子秤进行检定，查处作弊计量器具"),
        ]),
        ("SM-LY", "旅游管理", "WLJ", 10, False, [
            ("景区停车收费不合理", "周末去湖滨景区游玩，停车场两小时收了{n}十元，也没有公示收费标准", "责令停车场公示收费标准并退还多收费用"),
        ]),
    ]),
    ("ZF", "政法", "GAJ", 12, 7, 7, [
        ("ZF-ZA", "社会治安", "@station", 5, True, [
            ("{where}夜间有人聚集喧哗", "{place}附近每天半夜都有人聚集喝酒喧哗，还有人打架，居民很害怕", "加强夜间巡逻，对滋事人员进行教育训诫"),
            ("{compound}电动车被盗", "我的电动车停在{place}楼下被偷了，小区监控说是坏的", "已受理立案，并督促物业修复监控"),
        ]),
        ("ZF-JT", "交通管理", None, 7, False, [
            ("{road}大货车闯禁行", "{road}白天明明禁止货车通行，可每天都有渣土车呼啸而过，很不安全", "在路口增设卡口抓拍并加强路面执法"),
        ]),
        ("ZF-HJ", "户籍证件", "@station", 10, False, [
            ("户口迁移材料要求太多", "办理孩子户口迁入{community}，窗口一次说要这个一次说要那个，来回跑了{n}趟", "已向申请人一次性告知所需材料，并完成迁入登记"),
        ]),
        ("ZF-TJ", "矛盾纠纷", "@office", 10, False, [
            ("楼上漏水邻里纠纷", "{place}楼上卫生间漏水把我家天花板泡坏了，楼上住户不肯维修也不肯赔偿", "社区人民调解委员会组织双方调解，达成维修和赔偿协议"),
        ]),
    ]),
    ("MZ", "民政", "MZJ", 24, 15, 4, [
        ("MZ-JZ", "社会救助", None, 15, False, [
            ("低保申请未通过", "我家老人常年生病，家庭收入很低，申请低保却没有通过，也没说明理由", "重新入户核查家庭经济状况，符合条件的已纳入保障"),
        ]),
        ("MZ-YL", "养老服务", None, 15, False, [
            ("社区老年食堂停办", "{community}的老年食堂突然停办了，很多独居老人吃饭成了问题", "协调街道引入新的运营方，老年食堂已恢复供餐"),
        ]),
        ("MZ-SQ", "社区治理", "@office", 10, False, [
            ("社区办事找不到人", "去{community}居委会办事，工作时间经常没人在岗，电话也打不通", "对社区工作人员进行作风提醒，公示值班表和联系电话"),
        ]),
    ]),
    ("NY", "农村农业", "NYJ", 24, 15, 1, [
        ("NY-BT", "惠农补贴", None, 15, False, [
            ("耕地地力补贴未到账", "我家在{community}的承包地，去年的耕地地力保护补贴至今没有发放", "经核查为银行账户信息有误，更正后补贴已发放"),
        ]),
        ("NY-FY", "动物防疫", None, 10, False, [
            ("{where}附近有人散养家禽", "{place}附近有住户散养几十只鸡鸭，气味很大，还担心传播疫病", "督促养殖户规范圈养并做好消毒"),
        ]),
    ]),
    ("GT", "国土资源", "GHJ", 24, 15, 1, [
        ("GT-ZS", "土地征收", None, 15, False, [
            ("征地补偿标准不公开", "村里的地被征收修路，补偿标准一直没有公开，村民心里没底", "已在村务公开栏公布征地补偿安置方案"),
        ]),
        ("GT-WF", "违法用地", None, 15, False, [
            ("{where}有人违法占地建房", "{place}附近农田里有人在盖仓库，推土机天天在干，怀疑没有审批", "现场核查确认未经审批，已责令停止施工并立案查处"),
        ]),
    ]),
    ("KJ", "科技与信息产业", "SJJ", 24, 15, 1, [
        ("KJ-WL", "通信网络", None, 15, False, [
            ("{compound}手机信号差", "{place}室内手机信号很差，打电话经常断线，在家上网课都受影响", "协调运营商新建一处基站，信号已明显改善"),
        ]),
        ("KJ-SZ", "数字政务", None, 10, False, [
            ("政务服务App无法登录", "用手机登录政务服务App一直提示系统繁忙，办{biz}的事拖了一个星期", "系统故障已修复，工作人员电话协助完成办理"),
        ]),
    ]),
    ("JJ", "纪检监察", "JW", 24, 15, 1, [
        ("JJ-ZF", "作风问题", None, 15, False, [
            ("窗口工作人员上班时间玩手机", "到{community}便民服务中心办{biz}，窗口工作人员一直在玩手机，让群众排队等了很久", "已对相关工作人员进行批评教育，并加强日常督查"),
        ]),
        ("JJ-YQ", "优亲厚友", None, 15, False, [
            ("反映社区工作人员优亲厚友", "{community}困难补助名单里有社区干部的亲戚，家里条件并不困难", "经调查核实，已取消不符合条件人员的补助资格并通报"),
        ]),
    ]),
    ("JG", "经济管理", "FGJ", 24, 15, 2, [
        ("JG-QY", "企业服务", None, 15, False, [
            ("小微企业贴息兑现慢", "我们{company}申请的小微企业贷款贴息，半年了还没兑现", "加快审核流程，贴息资金已拨付到位"),
        ]),
        ("JG-SF", "收费管理", None, 15, False, [
            ("{compound}物业费涨价未经听证", "{place}物业突然通知物业费每平方米上涨{n}角，没有开业主大会也没有听证", "责令物业公司暂停调价，按规定程序征求业主意见"),
        ]),
    ]),
    ("DZ", "党务政务", "ZFB", 24, 15, 1, [
        ("DZ-ZW", "政务服务", None, 10, False, [
            ("办事窗口服务态度差", "到区政务服务中心办理{biz}，窗口工作人员态度冷淡，材料要求前后说法不一，跑了{n}趟还没办成", "已对窗口人员批评教育，推行一次性告知制度"),
        ]),
        ("DZ-GK", "政务公开", None, 15, False, [
            ("{compound}改造方案公示不全", "社区公示栏贴出的{compound}改造方案只有一页，没有施工时间和资金安排，居民无从了解", "已补充公示完整的改造方案和资金预算"),
        ]),
    ]),
    ("YJ", "应急安全", "YJJ", 4, 5, 2, [
        ("YJ-YH", "安全隐患", None, 3, True, [
            ("{where}楼道堆放杂物堵塞消防通道", "{place}楼道里堆满了纸箱和电动车，消防通道完全堵死，还有人在楼道里充电", "联合消防和社区开展清理，拆除楼道私拉电线"),
            ("{where}广告牌松动", "{place}沿街一块大广告牌松动了，刮风时摇摇晃晃，下面每天很多人经过", "当天拉设警戒线，次日拆除了松动的广告牌"),
        ]),
    ]),
]

COMPANIES = ["恒达建材有限公司", "锦程装饰工程有限公司", "新港物流有限公司", "华宇电子厂", "盛源餐饮管理公司",
             "明远保安服务公司", "佳美服装厂", "启航教育咨询公司", "宏图建筑劳务公司", "顺泰汽车维修厂"]
SHOPS = ["老张烧烤店", "悦动健身房", "美丽人生美容院", "川味小馆", "星光KTV", "阿芳理发店", "金牌火锅店",
         "乐学教育培训中心", "好邻居便利店", "香满园面馆"]
SCHOOLS = ["清河小学", "望湖实验小学", "新港中学", "文澜初级中学", "锦绣幼儿园"]
HOSPITALS = ["区第一人民医院", "区中医院", "望湖社区卫生服务中心", "新港社区卫生服务中心"]
RIVERS = ["柳溪河", "港河", "青枫渠", "望湖支河"]
BUSINESS = ["营业执照", "居住证", "社保卡", "不动产登记", "新生儿落户", "公积金提取"]

OPENINGS = ["", "", "您好，", "你好，", "我是{community}居民，", "本人住在{where}附近，", "反映一个问题：",
            "领导您好，", "我是附近的住户，", "再次反映："]
DURATIONS = ["已经持续两个多星期了", "从上个月开始就是这样", "之前反映过好几次都没人管", "已经快一个月了",
             "这几天越来越严重", "问题存在很久了", "找过社区也没有解决"]
IMPACTS = ["严重影响居民正常生活。", "老人小孩出行很不安全。", "大家意见很大。", "给我们带来很大困扰。", "",
           "附近居民怨声载道。"]
REQUESTS = ["希望有关部门尽快处理。", "请相关部门核实并给个答复。", "恳请领导重视！", "希望能彻底解决。",
            "麻烦尽快派人来看看。", "盼复，谢谢！", "请尽快处理，谢谢。"]
FINDINGS = ["情况基本属实", "反映的问题属实", "部分情况属实", "经现场查看，情况属实"]
CLOSINGS = ["感谢您对我们工作的理解和支持。", "如有疑问，可拨打部门咨询电话。", "感谢您的监督。",
            "今后我们将加强日常巡查。"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢钟"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建国文斌志飞鹏晓雪梅琳海燕慧婷宇浩然欣怡子轩"
PHONE_PREFIXES = ["133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "177",
                  "180", "186", "187", "188", "189", "199"]

PRINTED_ACCOUNTS = [
    ("admin", "系统管理员（超级用户，可进入 /admin/）"),
    ("operator", "受理员：电话受理、回访"),
    ("dispatcher", "派单员：分类派单、并单"),
    ("handler_zjj", "承办人：区住房和城乡建设局（其他部门为 handler_<部门代码>，如 handler_cgj）"),
    ("supervisor", "督办员：全区超期督办、延期审批"),
    ("supervisor_qh", "督办员：仅清河街道"),
    ("leader", "领导：全区总览"),
    ("gridworker", "网格员：柳岸社区第一网格（其他网格为 gw_<网格编码>）"),
    ("mediator", "调解员"),
    ("analyst", "治安研判员"),
    ("informant", "信息员管理员"),
    ("emergency", "应急办"),
    ("citizen", "群众：可查看本人提交的诉求"),
]


# ------------------------------------------------------------------ small helpers

def is_populated() -> bool:
    """Any organisation or appeal already there (the demo's or a real one): the demo stays out."""
    from gongzhi.appeals.models import Appeal

    from .models import Department, Region

    return Region.objects.exists() or Department.objects.exists() or Appeal.objects.exists()


def id_number(rng: random.Random) -> str:
    """A well-formed 18-digit resident ID (checksum right) with an unassigned area code."""
    from gongzhi.appeals.validation import ID_CHECK, ID_WEIGHTS

    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    body = f"330199{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


@contextmanager
def historical_clock(services):
    """Let the services believe it is `clock.now` (set before each action), with hooks off and the
    working-day calendar read once; restores everything after."""
    from gongzhi.core.workdays import WorkCalendar

    clock = _Clock()
    saved = (services._now, list(services.INTAKE_HOOKS), list(services.REPLY_HOOKS), list(services.EVENT_HOOKS),
             services.calendar)
    services._now = lambda: clock.now
    # The calendar overrides do not change while the demo is written: read them once, not per deadline.
    calendar = WorkCalendar.current()
    services.calendar = lambda: calendar
    services.INTAKE_HOOKS[:], services.REPLY_HOOKS[:], services.EVENT_HOOKS[:] = [], [], []
    try:
        yield clock
    finally:
        services._now, services.calendar = saved[0], saved[4]
        services.INTAKE_HOOKS[:], services.REPLY_HOOKS[:], services.EVENT_HOOKS[:] = saved[1], saved[2], saved[3]


@dataclass
class _Clock:
    now: dt.datetime = field(default_factory=timezone.now)


# ------------------------------------------------------------------ organisation

@dataclass
class City:
    district: object = None
    subdistricts: list = field(default_factory=list)
    communities: list = field(default_factory=list)      # Region
    grids: list = field(default_factory=list)             # Grid
    grid_info: dict = field(default_factory=dict)         # grid.pk -> dict(sub, community, compounds, roads, shape)
    departments: dict = field(default_factory=dict)       # code -> Department
    handlers: dict = field(default_factory=dict)          # department pk -> User
    grid_workers: dict = field(default_factory=dict)      # grid.pk -> User
    users: dict = field(default_factory=dict)             # username -> User
    leaves: list = field(default_factory=list)            # (Category, first-level spec, child spec)
    leaf_weights: list = field(default_factory=list)


def _grid_polygons(rng: random.Random, west: float, south: float, width: float, height: float, n: int):
    """Cut a community rectangle into n slices with slanted inner borders: they tile it exactly."""
    cuts_bottom = [west] + [west + width * (i + rng.uniform(-0.18, 0.18)) / n for i in range(1, n)] + [west + width]
    cuts_top = [west] + [west + width * (i + rng.uniform(-0.18, 0.18)) / n for i in range(1, n)] + [west + width]
    north = south + height
    polys = []
    for i in range(n):
        ring = [[cuts_bottom[i], south], [cuts_bottom[i + 1], south], [cuts_top[i + 1], north], [cuts_top[i], north]]
        ring = [[round(x, 6), round(y, 6)] for x, y in ring]
        polys.append(ring + [ring[0]])
    return polys


def build_organisation(rng: random.Random, out=print) -> City:
    from gongzhi.appeals.models import Category
    from shapely.geometry import Polygon

    from .models import CalendarOverride, Department, Grid, Region, Role, RoleAssignment, User

    city = City()
    city.district = Region.objects.create(name="共治示范区", code=DISTRICT_CODE, level=Region.Level.DISTRICT)
    compounds = iter(rng.sample([h + t for h in COMPOUND_HEADS for t in COMPOUND_TAILS], 60))
    grid_counts = iter(GRIDS_PER_COMMUNITY)
    for s, (sub_name, community_names, roads) in enumerate(SUBDISTRICTS):
        sub = Region.objects.create(name=sub_name, code=f"{DISTRICT_CODE}{s + 1:02d}", level=Region.Level.SUBDISTRICT,
                                    parent=city.district)
        city.subdistricts.append(sub)
        for c, community_name in enumerate(community_names):
            community = Region.objects.create(name=community_name, code=f"{sub.code}{c + 1:02d}",
                                              level=Region.Level.COMMUNITY, parent=sub)
            city.communities.append(community)
            west, south = ORIGIN_LON + s * SUB_WIDTH, ORIGIN_LAT + c * COMMUNITY_HEIGHT
            n = next(grid_counts)
            for g, ring in enumerate(_grid_polygons(rng, west, south, SUB_WIDTH, COMMUNITY_HEIGHT, n)):
                grid = Grid.objects.create(name=f"{community_name}第{'一二三四五'[g]}网格", code=f"{community.code}-{g + 1:02d}",
                                           community=community, polygon=ring)
                city.grids.append(grid)
                city.grid_info[grid.pk] = {
                    "sub": s, "community": community, "roads": roads,
                    "compounds": [next(compounds), next(compounds)], "shape": Polygon(ring),
                }

    for code, name, kind, where in DEPARTMENTS:
        region = city.district if where == "district" else city.subdistricts[where]
        city.departments[code] = Department.objects.create(
            name=name, code=code, kind=kind, region=region, phone=f"0571-8{rng.randrange(10**6, 10**7)}")

    # One password hash for every demo account: Argon2 is slow on purpose, the demo need not be.
    hashed = make_password(DEMO_PASSWORD)
    created_users = []

    def user(username: str, display: str, *roles, superuser: bool = False):
        u = User(username=username, display_name=display, password=hashed, is_staff=superuser,
                 is_superuser=superuser, phone=phone(rng))
        created_users.append((u, roles))
        city.users[username] = u
        return u

    district = city.district
    user("admin", "系统管理员", (Role.ADMIN, {"region": district}), superuser=True)
    user("operator", "受理员 周敏", (Role.OPERATOR, {"region": district}))
    user("dispatcher", "派单员 陈立", (Role.DISPATCHER, {"region": district}))
    user("supervisor", "督办员 赵宁", (Role.SUPERVISOR, {"region": district}))
    user("supervisor_qh", "清河督办员 孙蕾", (Role.SUPERVISOR, {"region": city.subdistricts[0]}))
    user("leader", "区领导 吴建国", (Role.LEADER, {"region": district}))
    user("mediator", "调解员 郑玉兰", (Role.MEDIATOR, {"region": district}))
    user("analyst", "研判员 冯涛", (Role.ANALYST, {"region": district}))
    user("informant", "信息员管理员 何静", (Role.INFORMANT_HANDLER, {"region": district}))
    user("emergency", "应急办 彭刚", (Role.EMERGENCY, {"region": district}))
    user("citizen", "市民 林晓雨", (Role.CITIZEN, {}))
    for code, dept in city.departments.items():
        city.handlers[dept.pk] = user(f"handler_{code.lower()}", f"{dept.name}承办人", (Role.HANDLER, {"department": dept}))
    for i, grid in enumerate(city.grids):
        name = "gridworker" if i == 0 else f"gw_{grid.code.lower()}"
        city.grid_workers[grid.pk] = user(name, f"{grid.name}网格员 {person_name(rng)}", (Role.GRID_WORKER, {"grid": grid}))
    User.objects.bulk_create([u for u, _ in created_users])
    if any(u.pk is None for u, _ in created_users):  # a backend that does not return ids from bulk inserts
        ids = dict(User.objects.values_list("username", "pk"))
        for u, _ in created_users:
            u.pk, u._state.adding = ids[u.username], False
    for u, roles in created_users:
        for role, scope in roles:
            RoleAssignment.objects.create(user=u, role=role, **scope)

    for code, name, dept, ack_hours, days, weight, children in CATEGORIES:
        root = Category.objects.create(name=name, code=code, default_department=city.departments[dept],
                                       ack_hours=ack_hours, handle_days=days)
        for child in children:
            sub_code, sub_name, sub_dept, sub_days, urgent_prone, templates = child
            dept_code = sub_dept or dept
            default = city.departments["GAJ" if dept_code == "@station" else "JD1" if dept_code == "@office" else dept_code]
            leaf = Category.objects.create(
                name=sub_name, code=sub_code, parent=root, default_department=default,
                ack_hours=min(ack_hours, 8) if urgent_prone else ack_hours, handle_days=sub_days or days,
                urgent_ack_hours=1 if urgent_prone else 2, urgent_handle_days=1 if urgent_prone else 3)
            city.leaves.append((leaf, dept_code, child))
            city.leaf_weights.append(weight / len(children))

    # An example override for a year the holiday package does not know yet.
    CalendarOverride.objects.get_or_create(date=dt.date(2027, 1, 1), defaults={"is_workday": False, "note": "元旦（示例，待国务院公布后核对）"})
    return city


# ------------------------------------------------------------------ the appeals' story

@dataclass
class Story:
    """What will happen to one appeal (decided up front, played out in time order)."""
    index: int
    received_at: dt.datetime
    grid: object
    leaf: tuple
    channel: str
    urgency: str
    appellant: tuple          # (name, phone, id number, user or None)
    anonymous: bool
    profile: str              # normal, late, stuck, never_ack, extension, invalid, duplicate, pending
    wrong_first: bool = False
    assisting: bool = False
    no_rating: bool = False
    dissatisfied_rounds: int = 0
    round: int = 0
    appeal: object = None
    text: tuple = ()          # (title, content, location_text, lat, lon, measure)
    duplicate_of: "Story | None" = None


class DemoBuilder:
    def __init__(self, city: City, rng: random.Random, appeals: int, now: dt.datetime, out=print):
        from gongzhi.appeals import services
        from gongzhi.core.workdays import WorkCalendar

        self.city, self.rng, self.n, self.now, self.out = city, rng, appeals, now, out
        self.services = services
        self.cal = WorkCalendar.current()
        self.queue: list = []
        self.seq = itertools.count()
        self.stats = Counter()
        self.seen_overdue: set[int] = set()
        u = city.users
        self.operator, self.dispatcher, self.supervisor = u["operator"], u["dispatcher"], u["supervisor"]
        self.leader, self.citizen = u["leader"], u["citizen"]
        self.appellants = self._appellants()

    # -------------------------------------------------------------- time helpers
    def at(self, when: dt.datetime, action, *args) -> None:
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.seq), action, args))
        else:
            self.stats["not_yet"] += 1

    def office(self, when: dt.datetime) -> dt.datetime:
        """The same moment if it is within office hours on a working day, else the next opening."""
        local = timezone.localtime(when)
        if self.cal.is_workday(local.date()) and dt.time(8, 30) <= local.time() <= dt.time(17, 30):
            return when
        day = local.date() if local.time() < dt.time(8, 30) else local.date() + dt.timedelta(days=1)
        while not self.cal.is_workday(day):
            day += dt.timedelta(days=1)
        opening = dt.datetime.combine(day, dt.time(8, 30), tzinfo=local.tzinfo)
        return opening + dt.timedelta(minutes=self.rng.randrange(0, 120))

    def later(self, when: dt.datetime, hours_low: float, hours_high: float, office: bool = True) -> dt.datetime:
        t = when + dt.timedelta(hours=self.rng.uniform(hours_low, hours_high))
        return self.office(t) if office else t

    # -------------------------------------------------------------- people and places
    def _appellants(self) -> list[tuple]:
        rng = self.rng
        pool = [(person_name(rng), phone(rng), id_number(rng) if rng.random() < 0.15 else "", None)
                for _ in range(max(50, int(self.n * 0.75)))]
        pool.insert(0, ("林晓雨", self.citizen.phone, "", self.citizen))
        return pool

    def pick_appellant(self) -> tuple:
        # A few people call again and again (the operator desk shows their history); most once.
        if self.rng.random() < 0.02:
            return self.appellants[0]
        i = int(len(self.appellants) * (self.rng.random() ** 1.6))
        return self.appellants[min(i, len(self.appellants) - 1)]

    def place(self, grid) -> tuple[str, str, float, float, dict]:
        info, rng = self.city.grid_info[grid.pk], self.rng
        road, road2 = rng.sample(info["roads"], 2)
        compound = rng.choice(info["compounds"])
        community = info["community"].name
        kind = rng.random()
        if kind < 0.45:
            full = f"{community}{compound}{rng.randrange(1, 30)}幢{rng.randrange(1, 5)}单元"
            short = compound
        elif kind < 0.65:
            full, short = f"{road}{rng.randrange(1, 400)}号", road
        elif kind < 0.8:
            full, short = f"{road}与{road2}交叉口", f"{road}{road2}路口"
        else:
            spot = rng.choice(["东门", "南门", "菜市场旁", "公交站附近", "地下车库", "小广场"])
            full, short = f"{compound}{spot}", compound
        minx, miny, maxx, maxy = info["shape"].bounds
        from shapely.geometry import Point

        for _ in range(50):
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if info["shape"].contains(Point(lon, lat)):
                break
        slots = {"where": short, "place": full, "road": road, "compound": compound, "community": community,
                 "n": rng.randrange(2, 9), "company": rng.choice(COMPANIES), "shop": rng.choice(SHOPS),
                 "school": rng.choice(SCHOOLS), "hospital": rng.choice(HOSPITALS), "river": rng.choice(RIVERS),
                 "biz": rng.choice(BUSINESS)}
        return full, short, round(lat, 6), round(lon, 6), slots

    def write(self, story: Story) -> None:
        rng = self.rng
        _leaf, _dept, child = story.leaf
        title_t, problem_t, measure = rng.choice(child[5])
        full, _short, lat, lon, slots = self.place(story.grid)
        problem = problem_t.format(**slots)
        opening = rng.choice(OPENINGS).format(**slots)
        content = f"{opening}{problem}，{rng.choice(DURATIONS)}。{rng.choice(IMPACTS)}{rng.choice(REQUESTS)}"
        if story.channel == "phone":
            content = f"来电人反映：{content}"
        elif story.channel == "grid":
            content = f"网格巡查发现：{problem}。已拍照留存，请相关部门处理。"
        story.text = (title_t.format(**slots), content, full, lat, lon, measure.format(**slots))

    # -------------------------------------------------------------- plan
    def plan(self) -> list[Story]:
        rng, stories = self.rng, []
        start = self.now - dt.timedelta(days=90)
        channels = [("web", 33), ("phone", 42), ("mini_program", 10), ("grid", 10), ("letter", 2), ("visit", 3)]
        for i in range(self.n):
            # More appeals lately (a growing platform) and in the day time.
            day_offset = 90 * (rng.random() ** 0.85)
            day = (start + dt.timedelta(days=day_offset)).date()
            hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 2, 3, 5, 9, 12, 12, 10, 8, 10, 11, 11, 10, 9, 8, 8, 7, 5, 3, 2])[0]
            received = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60))))
            if received > self.now:
                received = self.now - dt.timedelta(minutes=rng.randrange(5, 600))
            channel = rng.choices([c for c, _ in channels], weights=[w for _, w in channels])[0]
            leaf = rng.choices(self.city.leaves, weights=self.city.leaf_weights)[0]
            urgent_prone = leaf[2][4]
            urgency = rng.choices(["normal", "urgent", "critical"],
                                  weights=[60, 30, 10] if urgent_prone else [95, 4.5, 0.5])[0]
            appellant = self.pick_appellant()
            if channel != "web" and appellant[3] is not None:
                appellant = (appellant[0], appellant[1], appellant[2], None)
            anonymous = channel in ("web", "mini_program") and appellant[3] is None and rng.random() < 0.12
            age_days = (self.now - received).total_seconds() / 86400
            r = rng.random()
            if age_days < 1.5 and r < 0.5:
                profile = "pending"
            elif r < 0.02:
                profile = "invalid"
            elif r < 0.06:
                profile = "extension"
            elif r < 0.16:
                profile = "late"
            elif r < 0.19:
                profile = "stuck"
            elif r < 0.21:
                profile = "never_ack"
            else:
                profile = "normal"
            story = Story(index=i, received_at=received, grid=rng.choice(self.city.grids), leaf=leaf, channel=channel,
                          urgency=urgency, appellant=appellant, anonymous=anonymous, profile=profile,
                          wrong_first=rng.random() < 0.06, assisting=rng.random() < 0.1,
                          no_rating=rng.random() < 0.07)
            s = rng.random()
            story.dissatisfied_rounds = 0 if s < 0.88 else 1 if s < 0.97 else 3
            stories.append(story)
        stories.sort(key=lambda s: s.received_at)
        for i, story in enumerate(stories):
            story.index = i
        # Repeats: about 4% of appeals are the same problem reported again by someone else soon after.
        for story in stories[10:]:
            if rng.random() < 0.04:
                earlier = [s for s in stories[max(0, story.index - 40): story.index]
                           if s.received_at < story.received_at and s.profile not in ("duplicate", "invalid")]
                if earlier:
                    story.profile, story.duplicate_of = "duplicate", rng.choice(earlier)
                    story.grid, story.leaf = story.duplicate_of.grid, story.duplicate_of.leaf
        if stories:
            stories[-1].profile, stories[-1].duplicate_of = "pending", None  # the newest waits for the dispatcher
        for story in stories:
            self.write(story)
        return stories

    # -------------------------------------------------------------- actions
    def run(self) -> Counter:
        stories = self.plan()
        for story in stories:
            self.at(story.received_at, self.receive, story)
        first = min(s.received_at for s in stories) if stories else self.now
        # The worker sweeps every few minutes; three times a day is enough for a believable history.
        day = timezone.localtime(first).date()
        while day <= timezone.localtime(self.now).date():
            for hour in (1, 13):
                sweep = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
                if first < sweep <= self.now:
                    self.at(sweep, self.sweep, sweep)
            day += dt.timedelta(days=1)
        svc = self.services
        with historical_clock(svc) as clock:
            while self.queue:
                when, _seq, action, args = heapq.heappop(self.queue)
                clock.now = when
                try:
                    action(*args)
                except (svc.ActionRefused, svc.FieldErrors):
                    self.stats[f"refused:{action.__name__}"] += 1
                    self.stats["refused"] += 1  # the appeal moved on meanwhile (e.g. urging a replied one)
            # Bring the deadline states up to the present.
            clock.now = self.now
            svc.sweep_deadlines(now=self.now)
        return self.stats

    def department_for(self, story: Story, code: str):
        sub = self.city.grid_info[story.grid.pk]["sub"]
        if code == "@station":
            code = f"PCS{sub + 1}"
        elif code == "@office":
            code = f"JD{sub + 1}"
        return self.city.departments[code]

    def receive(self, story: Story) -> None:
        svc, rng = self.services, self.rng
        title, content, location, lat, lon, _ = story.text
        name, phone_number, id_no, owner = story.appellant
        actor = None
        if story.channel in ("phone", "letter", "visit"):
            actor = self.operator
        elif story.channel == "grid":
            actor = self.city.grid_workers[story.grid.pk]
        with_category = story.channel in ("phone", "grid", "visit") or rng.random() < 0.3
        typed_only = story.channel in ("phone", "letter") and rng.random() < 0.3  # no map point, text only
        if story.duplicate_of is not None:
            title = story.duplicate_of.text[0]
            content = f"{rng.choice(['再次反映：', '同一问题：', '', '又来了，'])}{story.duplicate_of.text[1]}"
            location, lat, lon = story.duplicate_of.text[2], story.duplicate_of.text[3], story.duplicate_of.text[4]
        anonymous = story.anonymous or story.channel == "grid"
        appeal, _code = svc.receive(
            channel=story.channel, title=title, content=content, actor=actor,
            category=story.leaf[0] if with_category else None, urgency=story.urgency,
            location_text=location, lat=None if typed_only else lat, lon=None if typed_only else lon,
            region=self.city.grid_info[story.grid.pk]["community"] if typed_only else None,
            anonymous=anonymous, appellant_name="" if anonymous else name,
            appellant_phone="" if anonymous else phone_number, appellant_id_number="" if anonymous else id_no,
            appellant_user=owner if story.channel == "web" else None, run_hooks=False,
        )
        story.appeal = appeal
        self.stats["received"] += 1
        t = story.received_at
        if story.profile == "pending":
            return
        if story.profile == "duplicate":
            self.at(self.later(t, 0.2, 3), self.merge, story)
        elif story.profile == "invalid":
            self.at(self.later(t, 0.2, 4), self.close_invalid, story)
        else:
            delay = (0.05, 0.5) if story.urgency != "normal" else (0.2, 5)
            self.at(self.later(t, *delay, office=story.urgency == "normal"), self.dispatch, story, story.wrong_first)

    def merge(self, story: Story) -> None:
        target = story.duplicate_of.appeal
        if target is None or target.pk is None:
            return
        self.services.merge(story.appeal, target, self.dispatcher, reason="同一地点同一问题的重复诉求")
        self.stats["merged"] += 1

    def close_invalid(self, story: Story) -> None:
        reason = self.rng.choice(["诉求内容不清且无法联系诉求人，不予受理", "属于咨询类问题，已当场解答", "不属于本平台受理范围，已告知诉求人通过诉讼途径解决"])
        self.services.close(story.appeal, self.operator, reason)

    def dispatch(self, story: Story, wrong: bool) -> None:
        leaf, dept_code, _child = story.leaf
        correct = self.department_for(story, dept_code)
        lead = correct
        if wrong:
            lead = self.department_for(story, CONFUSED_WITH.get(dept_code, "CGJ" if dept_code != "CGJ" else "ZJJ"))
            if lead.pk == correct.pk:
                lead = self.city.departments["ZFB"]
        assisting = []
        if story.assisting and not wrong:
            sub = self.city.grid_info[story.grid.pk]["sub"]
            office = self.city.departments[f"JD{sub + 1}"]
            if office.pk != lead.pk:
                assisting.append(office)
        instructions = self.rng.choice(["请按时限办理并答复群众", "请尽快核实处理", "", "请实地核查后答复", "涉及多部门，请主办单位牵头"])
        story.appeal = self.services.dispatch(story.appeal, self.dispatcher, lead, assisting,
                                             category=leaf if story.appeal.category_id is None else None,
                                             instructions=instructions)
        now = self.services._now()
        handler = self.city.handlers[lead.pk]
        if wrong:
            self.at(self.later(now, 1, 20), self.return_wrong, story, handler, correct)
            return
        self.schedule_acknowledge(story, now)
        for dept in assisting:
            if self.rng.random() < 0.75:
                self.at(self.later(now, 0.5, 24), self.acknowledge_assist, story, dept)

    def schedule_acknowledge(self, story: Story, now: dt.datetime) -> None:
        appeal = story.appeal
        ack_hours = ((appeal.ack_due_at - now).total_seconds() / 3600) if appeal.ack_due_at else 24
        if story.profile == "never_ack" and story.round == 0:
            return
        if story.profile == "stuck" or self.rng.random() < 0.08:
            when = self.later(now, ack_hours * 1.1, ack_hours * 3 + 24)  # late acknowledgement
        else:
            when = self.later(now, 0.1, max(0.3, ack_hours * 0.8), office=appeal.urgency == "normal")
        self.at(when, self.acknowledge, story)

    def return_wrong(self, story: Story, handler, correct) -> None:
        from gongzhi.appeals.models import Assignment

        assignment = story.appeal.assignments.filter(state=Assignment.State.PENDING, role=Assignment.Role.LEAD).first()
        if assignment is None:
            return
        self.services.return_assignment(assignment, handler, f"经核实，该事项不属于我单位职责范围，建议转{correct.name}办理")
        self.stats["returned"] += 1
        self.at(self.later(self.services._now(), 0.3, 4), self.dispatch, story, False)

    def acknowledge(self, story: Story) -> None:
        from gongzhi.appeals.models import Assignment

        appeal = story.appeal
        assignment = appeal.assignments.filter(state=Assignment.State.PENDING, role=Assignment.Role.LEAD).first()
        if assignment is None:
            return
        handler = self.city.handlers[assignment.department_id]
        self.services.acknowledge(assignment, handler)
        now = self.services._now()
        window = max(1.0, (appeal.due_at - now).total_seconds() / 3600) if appeal.due_at else 72
        if story.profile == "extension" and story.round == 0:
            self.at(self.later(now, 4, max(5, window * 0.4)), self.request_extension, story, handler)
            reply_at = appeal.due_at + dt.timedelta(hours=self.rng.uniform(8, 60))
        elif story.profile == "late" and story.round == 0:
            reply_at = appeal.due_at + dt.timedelta(hours=self.rng.uniform(4, 120))
        elif story.profile == "stuck" and story.round == 0:
            reply_at = appeal.due_at + dt.timedelta(days=self.rng.uniform(10, 40))
        else:
            reply_at = now + dt.timedelta(hours=window * self.rng.uniform(0.1, 0.9))
        reply_at = self.office(reply_at)
        if self.rng.random() < 0.5 and reply_at > now + dt.timedelta(hours=2):
            note_at = self.office(now + (reply_at - now) * self.rng.uniform(0.1, 0.7))
            if note_at < reply_at:
                self.at(note_at, self.note, story, handler)
        self.at(reply_at, self.reply, story, handler)

    def acknowledge_assist(self, story: Story, dept) -> None:
        from gongzhi.appeals.models import Assignment

        assignment = story.appeal.assignments.filter(state=Assignment.State.PENDING, department=dept).first()
        if assignment is not None:
            self.services.acknowledge(assignment, self.city.handlers[dept.pk])

    def note(self, story: Story, handler) -> None:
        text = self.rng.choice(["已安排工作人员到现场核实情况", "已联系诉求人了解具体情况", "已约谈相关责任单位",
                                "正在协调相关方制定处理方案", "已现场查看并拍照取证"])
        self.services.add_note(story.appeal, handler, text)

    def request_extension(self, story: Story, handler) -> None:
        days = self.rng.choice([3, 5, 5, 10])
        reason = self.rng.choice(["需等待第三方检测结果", "涉及多个部门协调，需要更多时间", "施工需等待天气条件允许", "需要召开业主大会表决"])
        ext = self.services.request_extension(story.appeal, handler, days, reason)
        self.at(self.later(self.services._now(), 1, 20), self.decide_extension, ext, self.rng.random() < 0.8)

    def decide_extension(self, ext, approve: bool) -> None:
        note = "同意延期，请在新时限内办结" if approve else "理由不充分，请按原时限办理"
        self.services.decide_extension(ext, self.supervisor, approve, note)
        self.stats["extensions_approved" if approve else "extensions_rejected"] += 1

    def reply(self, story: Story, handler) -> None:
        rng = self.rng
        appeal = story.appeal
        measure = story.text[5]
        local = timezone.localtime(self.services._now())
        text = (f"您好！您反映的“{appeal.title}”问题已收悉。{local.month}月{local.day}日，我单位工作人员进行了核查，"
                f"{rng.choice(FINDINGS)}。处理情况：{measure}。{rng.choice(CLOSINGS)}")
        if story.round > 0:
            text = "针对您再次反映的情况，" + text
        resolved = rng.random() < 0.88
        answer = self.services.reply(appeal, handler, text, resolved=resolved)
        if story.no_rating:
            return  # the follow-up window runs out; the nightly sweep closes it
        when = self.later(answer.created_at, 3, 96, office=False)
        by_phone = story.channel in ("phone", "letter", "visit") or appeal.anonymous or self.rng.random() < 0.3
        if by_phone:
            when = self.office(when)  # the operator's follow-up call
        elif timezone.localtime(when).hour < 7:
            when += dt.timedelta(hours=7)
        self.at(when, self.rate, story, by_phone)

    def rate(self, story: Story, by_phone: bool) -> None:
        rng = self.rng
        if story.round < story.dissatisfied_rounds:
            satisfaction = "dissatisfied"
        else:
            satisfaction = rng.choices(["satisfied", "basic", "dissatisfied"], weights=[74, 22, 4])[0]
        comment = {"satisfied": rng.choice(["", "处理及时，谢谢！", "问题解决了，很满意"]),
                   "basic": rng.choice(["", "问题解决了一部分", "处理有点慢"]),
                   "dissatisfied": rng.choice(["问题根本没解决", "只是敷衍了事", "现场根本没人来看过"])}[satisfaction]
        appeal = self.services.follow_up(story.appeal, satisfaction, actor=self.operator if by_phone else None,
                                         via="phone" if by_phone else "web", comment=comment)
        story.appeal = appeal
        self.stats[f"rated_{satisfaction}"] += 1
        if appeal.status == "dispatched":  # reopened (重办): the department gets it again
            story.round += 1
            self.stats["reopened"] += 1
            self.schedule_acknowledge(story, self.services._now())

    def sweep(self, when: dt.datetime) -> None:
        from gongzhi.appeals.models import Appeal, DueState

        svc = self.services
        svc.sweep_deadlines(now=when)
        if timezone.localtime(when).hour < 4:
            self.stats["auto_closed"] += svc.auto_close_unrated(now=when)
        # Supervisors act on part of the newly late appeals: a supervision order or a leader's urge.
        late = Appeal.objects.filter(due_state=DueState.OVERDUE, status__in=["dispatched", "handling"]).exclude(
            pk__in=self.seen_overdue).values_list("pk", flat=True)
        for pk in list(late):
            self.seen_overdue.add(pk)
            r = self.rng.random()
            appeal = Appeal.objects.get(pk=pk)
            if r < 0.3:
                self.at(self.later(when, 1, 30), self.supervise, appeal)
            elif r < 0.4:
                self.at(self.later(when, 1, 30), self.leader_urge, appeal)

    def supervise(self, appeal) -> None:
        self.services.supervise(appeal, self.supervisor, "超期未办结，请主办单位说明原因并限期办结")
        self.stats["supervised"] += 1

    def leader_urge(self, appeal) -> None:
        self.services.urge(appeal, self.leader, "请抓紧办理，尽快答复群众")


# ------------------------------------------------------------------ derived data of other apps

# Other apps keep derived data (KPI facts, hot-issue clusters) up to date through hooks, which are off
# while the history is written; after it, each is rebuilt once from the appeals. (label, module, function)
DERIVED = [
    ("考核指标", "gongzhi.evaluation.services", "rebuild"),
    ("热点诉求", "gongzhi.triage.services", "rebuild_hot_issues"),
    ("智能分类模型与待派单分析", "gongzhi.triage.services", "prepare_demo"),
    ("治安警情", "gongzhi.safety.demo", "build_demo_incidents"),
]


def rebuild_derived(out=print) -> None:
    """Best effort: a missing or failing app is reported in one line and does not spoil the demo."""
    import importlib

    for label, module, function in DERIVED:
        started = time.monotonic()
        try:
            fn = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError):
            continue
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - another app's failure must not undo the demo
            out(f"  {label}：未能生成（{type(exc).__name__}: {str(exc)[:120]}）")
        else:
            out(f"  {label}：已生成（{time.monotonic() - started:.1f} 秒）")


# ------------------------------------------------------------------ entry point

def build(appeals: int = 2000, seed: int = 2026, now: dt.datetime | None = None, out=print) -> dict:
    """Build the whole demo city in one transaction; returns counts for the summary."""
    from gongzhi.appeals.models import Appeal, AppealEvent, Status

    from .models import Department, Grid, Notification, Region, User

    started = time.monotonic()
    rng = random.Random(seed)
    now = now or timezone.now()
    with transaction.atomic():
        city = build_organisation(rng, out)
        out(f"组织架构：{Region.objects.count()} 个区划，{Grid.objects.count()} 个网格，{Department.objects.count()} 个部门，"
            f"{User.objects.count()} 个账号")
        stats = DemoBuilder(city, rng, appeals, now, out).run()
    open_links = {f"/staff/appeals/{pk}/" for pk in Appeal.objects.open().values_list("pk", flat=True)}
    Notification.objects.exclude(link__in=open_links).update(read_at=timezone.now())
    by_status = Counter(Appeal.objects.values_list("status", flat=True))
    summary = {
        "appeals": Appeal.objects.count(),
        "events": AppealEvent.objects.count(),
        "by_status": {Status(k).label: v for k, v in sorted(by_status.items())},
        "overdue_open": Appeal.objects.open().filter(due_state="overdue").count(),
        "due_soon_open": Appeal.objects.open().filter(due_state="due_soon").count(),
        "replied_late": AppealEvent.objects.filter(kind="replied", data__late=True).count(),
        "reopened": Appeal.objects.filter(reopen_count__gt=0).count(),
        "returned": Appeal.objects.filter(return_count__gt=0).count(),
        "rated": Appeal.objects.exclude(satisfaction="").count(),
        "merged": by_status.get(Status.MERGED, 0),
        "supervised": Appeal.objects.filter(supervised=True).count(),
        "refused_steps": stats.get("refused", 0),
        "seconds": round(time.monotonic() - started, 1),
    }
    return summary
