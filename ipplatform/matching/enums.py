from ipplatform.common.enums import LabelledEnum


class MatchSource(LabelledEnum):
    AUTOMATIC = ("automatic", "系统推荐")
    SEARCH = ("search", "检索")
    EVENT = ("event", "对接活动")
    MANUAL = ("manual", "人工推荐")


class MatchStatus(LabelledEnum):
    SUGGESTED = ("suggested", "已推荐")
    VIEWED = ("viewed", "已查看")
    CONTACTED = ("contacted", "已联系")
    NEGOTIATING = ("negotiating", "洽谈中")
    AGREED = ("agreed", "已达成")
    DECLINED = ("declined", "已拒绝")


# Forward steps may be skipped (viewed → negotiating); agreed and declined are final.
STATUS_ORDER = [MatchStatus.SUGGESTED, MatchStatus.VIEWED, MatchStatus.CONTACTED, MatchStatus.NEGOTIATING,
                MatchStatus.AGREED]


class CooperationIntent(LabelledEnum):
    NONE = ("none", "暂无意向")
    LEARN_MORE = ("learn_more", "进一步了解")
    NEGOTIATE = ("negotiate", "洽谈合作")
    LICENSE = ("license", "获得许可")
    BUY = ("buy", "购买/受让")


# How much a verdict counts as interest in the offer's technology (feedback → preferences and affinity).
INTENT_WEIGHT = {CooperationIntent.NONE: -0.5, CooperationIntent.LEARN_MORE: 0.2, CooperationIntent.NEGOTIATE: 0.6,
                 CooperationIntent.LICENSE: 0.8, CooperationIntent.BUY: 1.0}
