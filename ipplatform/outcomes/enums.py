from ipplatform.common.enums import LabelledEnum, TransactionMode


class DealType(LabelledEnum):
    """What a deal was. The first seven members are ``TransactionMode``'s (same values and labels, checked
    by ``tests/outcomes/test_deal_types.py``): the draft deal of an agreed match takes its type from the
    offer's modes through ``deal_type_for``. The last three only come from deals registered as such."""

    TRANSFER = ("transfer", "转让")
    EXCLUSIVE_LICENCE = ("exclusive_licence", "独占许可")
    SOLE_LICENCE = ("sole_licence", "排他许可")
    ORDINARY_LICENCE = ("ordinary_licence", "普通许可")
    OPEN_LICENCE = ("open_licence", "开放许可")
    PLEDGE = ("pledge", "质押融资")
    EQUITY = ("equity", "作价入股")
    SECURITISATION = ("securitisation", "证券化")
    TRUST = ("trust", "信托")
    SELF_IMPLEMENTATION = ("self_implementation", "自行实施")


def deal_type_for(mode: TransactionMode | str) -> DealType:
    """The deal type of a transaction mode: the one conversion between the two enums."""
    return DealType(TransactionMode(mode).value)


LICENCES = {DealType.EXCLUSIVE_LICENCE, DealType.SOLE_LICENCE, DealType.ORDINARY_LICENCE, DealType.OPEN_LICENCE}
TRANSFER_OR_LICENCE = {DealType.TRANSFER, *LICENCES}


class DealStatus(LabelledEnum):
    DRAFT = ("draft", "草稿")
    RECORDED = ("recorded", "已登记")
