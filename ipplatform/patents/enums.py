from ipplatform.common.enums import LabelledEnum


class PatentKind(LabelledEnum):
    INVENTION_APPLICATION = ("invention_application", "发明申请")
    INVENTION_GRANTED = ("invention_granted", "发明授权")
    UTILITY_MODEL = ("utility_model", "实用新型")
    DESIGN = ("design", "外观设计")


class LegalStatus(LabelledEnum):
    PENDING = ("pending", "审中")
    VALID = ("valid", "有效")
    LAPSED = ("lapsed", "失效（未缴年费）")
    EXPIRED = ("expired", "期限届满")
    INVALIDATED = ("invalidated", "被宣告无效")
    REJECTED = ("rejected", "驳回")
    WITHDRAWN = ("withdrawn", "撤回")


# No longer in force: such a patent cannot be offered or traded.
DEAD_STATUSES = frozenset({LegalStatus.LAPSED, LegalStatus.EXPIRED, LegalStatus.INVALIDATED, LegalStatus.REJECTED,
                           LegalStatus.WITHDRAWN})


# Which application-number type digit family each kind belongs to (see validators.APPLICATION_TYPES).
KIND_FAMILY = {
    PatentKind.INVENTION_APPLICATION: "invention",
    PatentKind.INVENTION_GRANTED: "invention",
    PatentKind.UTILITY_MODEL: "utility_model",
    PatentKind.DESIGN: "design",
}
# Publication kind codes: A application publication, B/C granted invention, U/Y utility model, S design.
KIND_BY_PUBLICATION_CODE = {"A": PatentKind.INVENTION_APPLICATION, "B": PatentKind.INVENTION_GRANTED,
                            "C": PatentKind.INVENTION_GRANTED, "U": PatentKind.UTILITY_MODEL,
                            "Y": PatentKind.UTILITY_MODEL, "S": PatentKind.DESIGN}
