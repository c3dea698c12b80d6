"""Notice templates for broadcasts (通知模板). Placeholders in [brackets] are for staff to fill."""

from django.utils.translation import gettext_lazy as _

NOTICE_TEMPLATES = {
    "water_power": (
        _("Water / power cut"),
        "停水停电通知",
        "因[原因]，[日期] [开始时间]至[结束时间]，[范围]将暂停供水/供电。请提前储水，"
        "关好水龙头和电器开关。恢复时间如有变化另行通知。咨询：社区居委会。",
    ),
    "flood": (
        _("Flood prevention"),
        "防汛安全提醒",
        "气象部门发布[预警级别]暴雨预警，预计[时间]有强降雨。请勿在低洼处停车，远离河道、"
        "地下通道和广告牌；家中老人儿童请减少外出。发现积水、险情请在群内@网格员或拨打12345。",
    ),
    "epidemic": (
        _("Epidemic prevention"),
        "疫情防控提示",
        "近期[疾病]进入高发期。请勤洗手、常通风，出现发热咳嗽等症状及时就医；"
        "老人和儿童可按规定接种疫苗，接种点：[地点]。以卫健部门最新通知为准。",
    ),
    "event": (
        _("Community event"),
        "社区活动通知",
        "[日期] [时间]在[地点]举办[活动名称]，欢迎居民参加。报名方式：在群内回复“我报名”。"
        "志愿者可记录志愿服务时长。",
    ),
}
