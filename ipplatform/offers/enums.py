from ipplatform.common.enums import LabelledEnum


class Maturity(LabelledEnum):
    LAB = ("lab", "实验室阶段")
    SMALL_TRIAL = ("small_trial", "小试")
    PILOT = ("pilot", "中试")
    SMALL_BATCH = ("small_batch", "小批量生产")
    INDUSTRIALISED = ("industrialised", "产业化")
