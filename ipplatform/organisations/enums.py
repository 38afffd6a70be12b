from ipplatform.common.enums import LabelledEnum


class OrgKind(LabelledEnum):
    ENTERPRISE = ("enterprise", "企业")
    UNIVERSITY = ("university", "高校")
    RESEARCH_INSTITUTE = ("research_institute", "科研院所")
    AGENCY = ("agency", "运营机构/托管机构")
    FINANCIAL = ("financial", "金融机构")
    IP_OFFICE = ("ip_office", "知识产权管理部门")
