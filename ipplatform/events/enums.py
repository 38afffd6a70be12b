from __future__ import annotations

from ipplatform.common.enums import LabelledEnum


class EventStatus(LabelledEnum):
    DRAFT = ("draft", "草稿")
    REGISTRATION = ("registration", "报名中")
    BOOKING = ("booking", "预约中")
    SCHEDULED = ("scheduled", "已排程")
    RUNNING = ("running", "进行中")
    CLOSED = ("closed", "已结束")


STATUS_FLOW = [s for s in EventStatus]


class Side(LabelledEnum):
    SUPPLY = ("supply", "供给方")
    DEMAND = ("demand", "需求方")
    BOTH = ("both", "供需双方")


class RegistrationStatus(LabelledEnum):
    PENDING = ("pending", "待审核")
    APPROVED = ("approved", "已通过")
    REJECTED = ("rejected", "未通过")
    CANCELLED = ("cancelled", "已取消")


class PairStatus(LabelledEnum):
    PROPOSED = ("proposed", "系统推荐")
    REQUESTED = ("requested", "已发出邀约")
    ACCEPTED = ("accepted", "已接受")
    DECLINED = ("declined", "已谢绝")
    FORCED = ("forced", "组织者指定")
    REMOVED = ("removed", "组织者移除")


class PairSource(LabelledEnum):
    MATCHER = ("matcher", "语义匹配")
    REQUEST = ("request", "参会方邀约")
    ORGANISER = ("organiser", "组织者添加")


class Outcome(LabelledEnum):
    PENDING = ("pending", "待记录")
    NOT_HELD = ("not_held", "未举行")
    NO_INTEREST = ("no_interest", "无合作意向")
    FOLLOW_UP = ("follow_up", "继续沟通")
    INTENTION = ("intention", "意向")
    AGREEMENT = ("agreement", "签约")


HELD = (Outcome.NO_INTEREST, Outcome.FOLLOW_UP, Outcome.INTENTION, Outcome.AGREEMENT)
