"""Turning HTML form posts into schema input, and validation errors into per-field Chinese messages.

Every page form shares this: amounts typed in 万元, comma-separated lists, the Chinese label of each
field (``LABELS``: a message names the field the user sees, never ``budget_max`` or ``preferred_ipc.0``),
and the data the industry and region pickers of ``_macros.html`` render.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated

from pydantic import BeforeValidator, ValidationError

from ipplatform import reference
from ipplatform.common.errors import AppError, translate_errors
from ipplatform.common.validators import CleanText
from web.templating import templates

WAN = Decimal(10000)

# The Chinese label of every field a page form posts (offers, demands, patents, deals, organisations,
# users, events ...). A form of another domain adds its own fields here.
LABELS: dict[str, str] = {
    # listings
    "title": "题名", "description": "详情", "patent_ids": "包含专利", "modes": "交易方式",
    "asking_price": "报价", "negotiable": "面议", "open_licence_fee": "开放许可使用费",
    "open_licence_terms": "开放许可条件", "application_fields": "应用领域", "maturity": "技术成熟度",
    "contact_name": "联系人", "contact_phone": "联系电话", "contact_email": "电子邮箱", "expires_on": "有效期至",
    "owner_org_id": "权利人", "org_id": "机构", "industry_code": "所属行业", "preferred_ipc": "期望 IPC 分类",
    "budget_min": "预算下限", "budget_max": "预算上限", "region_code": "所在地区", "deadline": "截止日期",
    "publish": "发布方式",
    # patents
    "application_number": "申请号", "publication_number": "公开号", "kind": "专利类型", "abstract": "摘要",
    "claims": "权利要求", "ipc_main": "主分类号", "ipc_codes": "IPC 分类号", "applicants": "申请人",
    "inventors": "发明人", "application_date": "申请日", "publication_date": "公开日", "grant_date": "授权日",
    "legal_status": "法律状态",
    # organisations, users, accounts
    "name": "名称", "credit_code": "统一社会信用代码", "county_code": "所在县区", "address": "地址",
    "username": "用户名", "display_name": "姓名", "password": "密码", "role": "角色", "email": "电子邮箱",
    "current_password": "当前密码", "new_password": "新密码", "new_password_confirm": "确认新密码",
    # deals and matches
    "amount": "金额", "contract_date": "合同日期", "deal_type": "交易类型", "from_org_id": "出让方/许可方",
    "to_org_id": "受让方/被许可方", "lender_org_id": "质权人", "prospect_rating": "产业化前景", "intent": "合作意向",
    "improvement_needs": "改进需求", "note": "备注", "status": "状态",
}

# The event forms' fields (their title is 活动名称).
EVENT_LABELS: dict[str, str] = {**LABELS, "title": "活动名称",
    "theme": "活动主题", "industries": "主题行业", "ipc": "主题 IPC 分类", "venue": "活动地点", "day": "活动日期",
    "slot_minutes": "每场洽谈时长", "sessions": "场次", "tables": "洽谈桌数", "registration_deadline": "报名截止日期",
    "booking_opens": "预约开始日期", "booking_closes": "预约截止日期", "max_meetings": "每家洽谈上限",
    "max_requests": "每家邀约上限", "requires_approval": "报名审核", "side": "参会身份", "offer_ids": "带来的专利供给",
    "demand_ids": "带来的技术需求", "attendees": "参会人员", "available": "可参加时段", "to_participant_id": "洽谈对象",
    "message": "邀约留言", "outcome": "洽谈结果", "a_id": "供给方", "b_id": "需求方", "time_limit": "求解时限",
}


def _blank_is_none(value):
    return None if isinstance(value, str) and not value.strip() else value


def filter_param(kind):
    """A query parameter of type ``kind`` that a filter form may send empty (its "全部…" option): empty is None."""
    return Annotated[kind | None, BeforeValidator(_blank_is_none)]


def _one_char_line_breaks(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


# A textarea's text sent in a query string: browsers count a line break as one character against maxlength
# but send it as CRLF, so line breaks are normalised before the length check (the full box is accepted).
TextareaQuery = Annotated[CleanText, BeforeValidator(_one_char_line_breaks)]


def label(field: str, labels: dict[str, str] | None = None) -> str:
    """The Chinese label of a (possibly dotted, e.g. ``preferred_ipc.0``) field name (in ``labels``, a form's
    own table, when given)."""
    return (LABELS if labels is None else labels).get(field.split(".")[0], "")


def wan_to_yuan(value: str | None) -> str | None:
    """Pages take amounts in 万元; the API stores yuan. Invalid text is passed through for the validator."""
    if value is None or not str(value).strip():
        return None
    try:
        return str((Decimal(str(value).replace(",", "").strip()) * WAN).normalize())
    except InvalidOperation:
        return str(value)


def yuan_to_wan(value) -> str:
    """An amount in yuan as the 万元 a form field shows (``None``: empty): 1234500 → ``123.45``."""
    if value is None:
        return ""
    wan = (Decimal(value) / WAN).normalize()
    return f"{wan:f}"


def split_list(value: str | None) -> list[str]:
    if not value:
        return []
    return [part.strip() for part in value.replace("，", ",").replace("；", ",").replace(";", ",")
            .replace("、", ",").split(",") if part.strip()]


def _message(field: str, zh: str, labels: dict[str, str] | None = None) -> str:
    """``zh`` led by the field's Chinese label (and the item's position for a list entry)."""
    name, _, index = field.partition(".")
    lead = label(name, labels)
    if index.split(".")[0].isdigit():
        lead = f"{lead}第 {int(index.split('.')[0]) + 1} 项" if lead else f"第 {int(index.split('.')[0]) + 1} 项"
    if lead and (labels is not None or not zh.startswith(lead)):  # a form's own table: always "标签：说明"
        return f"{lead}：{zh}"
    return zh


def detail_message(field: str | None, zh: str, unlabelled: str = "查询条件",
                   labels: dict[str, str] | None = None) -> str:
    """One item of an API error's ``detail`` for a page: led by the field's Chinese label instead of its
    internal name (a field without a label, e.g. a query parameter typed by hand, reads 查询条件)."""
    if not field or field == "body":
        return zh
    if zh.startswith(f"{field}："):
        zh = zh[len(field) + 1:]
    if label(field, labels) or not unlabelled:
        return _message(field, zh, labels)
    return f"{unlabelled}：{zh}"


def errors_by_field(exc: Exception, labels: dict[str, str] | None = None) -> dict[str, str]:
    """{field: Chinese message} for a form, from a pydantic or application error; each message starts with the
    field's Chinese label (``_form``: an error about the form as a whole). A form with its own label table
    (``labels``) shows the errors of fields it does not have under ``_form``."""
    def key_of(field: str | None) -> str:
        name = (field or "").split(".")[0]
        if not name or name == "body" or (labels is not None and name not in labels):
            return "_form"
        return name

    if isinstance(exc, ValidationError):
        out: dict[str, str] = {}
        for item in translate_errors(exc.errors()):
            out.setdefault(key_of(item["field"]), detail_message(item["field"], item["message_zh"], "", labels))
        return out
    if isinstance(exc, AppError):
        if exc.field and label(exc.field, labels):
            return {key_of(exc.field): _message(exc.field, exc.message_zh, labels)}
        return {exc.field if labels is None and exc.field else "_form": exc.message_zh}
    raise exc


# ---- pickers (industry, region): the data the macros of _macros.html render ---------------------------------

@lru_cache
def industry_sections() -> list[tuple]:
    """GB/T 4754 sections, each with its divisions: [(section, [division, …]), …]."""
    table = reference.industries()
    sections = [i for i in table.values() if i.level == 1]
    return [(s, sorted((i for i in table.values() if i.level == 2 and i.section == s.code), key=lambda i: i.code))
            for s in sorted(sections, key=lambda i: i.code)]


@lru_cache
def industry_details() -> dict[str, list[list[str]]]:
    """Groups and classes under each division, for the picker's second select: {"35": [[code, label], …]}."""
    out: dict[str, list[list[str]]] = {}
    for ind in sorted(reference.industries().values(), key=lambda i: i.code):
        if ind.level in (3, 4):
            indent = "" if ind.level == 3 else "　"
            out.setdefault(ind.code[:2], []).append([ind.code, f"{indent}{ind.code} {ind.name}"])
    return out


def industry_division(code: str | None) -> str:
    """The division (2 digits) or section letter a picker's first select shows for ``code``."""
    if not code:
        return ""
    ind = reference.industries().get(code)
    if ind is None:
        return ""
    return ind.code if ind.level <= 2 else ind.code[:2]


def pick_industry(form, name: str = "industry_code") -> str | None:
    """The industry an ``industry_select`` posted: the group/class when one was chosen under the division chosen,
    else the section or division (None: none chosen). Without JavaScript the detail select keeps the old
    division's group when the user picks another division; that stale group is dropped, not kept."""
    division = (form.get(name) or "").strip()
    detail = (form.get(f"{name}_detail") or "").strip()
    if detail and detail[:2] == division:
        return detail
    return division or None


def region_options(current: str | None) -> list:
    """Xinyang's county-level divisions (and the city as a whole); a stored code elsewhere is kept as an option."""
    regions = reference.regions()
    options = [regions[reference.XINYANG_CITY], *reference.xinyang_counties()]
    if current and current not in {r.code for r in options} and current in regions:
        options.append(regions[current])
    return options


templates.env.globals.update(industry_sections=industry_sections, industry_details=industry_details,
                             industry_division=industry_division, region_options=region_options,
                             field_label=label)
