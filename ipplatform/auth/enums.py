from ipplatform.common.enums import LabelledEnum


class Role(LabelledEnum):
    ENTERPRISE_MEMBER = ("enterprise_member", "企业用户")
    UNIVERSITY_MEMBER = ("university_member", "高校/院所用户")
    AGENCY_MEMBER = ("agency_member", "运营机构用户")
    EVENT_ORGANISER = ("event_organiser", "活动组织者")
    OFFICE_STAFF = ("office_staff", "知识产权局工作人员")
    ADMIN = ("admin", "系统管理员")


# Roles that publish listings for their own organisation.
MEMBER_ROLES = {Role.ENTERPRISE_MEMBER, Role.UNIVERSITY_MEMBER, Role.AGENCY_MEMBER}
