"""The nested models of a model card: list items (suppliers, risks, data sources) and sub-objects.

An item's identifying field (a supplier's name, a risk's name) is required even in a draft, because
the item means nothing without it. Fields an item must carry before publishing are listed in
``PUBLISH_REQUIRED``; ``registry.cards.validation`` checks them. Every field has an English title
and a Chinese label (``x-label-zh-CN``) for the page renderer and the JSON Schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from registry.cards.enums import DataSourceRole, ImpactAssessmentKind, ModelKind, WithheldReason
from registry.cards.value_types import (
    Email,
    ItemLongText,
    ItemName,
    ItemText,
    LongText,
    MediumText,
    NameText,
    ShortText,
    SummaryText,
    Url,
    YearMonth,
)

ERR_INTERVAL = "expected interval_low <= value <= interval_high"
ERR_COLLECTION_PERIOD = "collected_until must not be before collected_from"
ERR_NOT_DONE_XOR_DONE = (
    "give either completed_on and summary (an assessment was done) or not_done_reason, not both"
)


def label(en: str, zh: str, default: Any = None, **kwargs: Any) -> Any:
    """A field with its English title and Chinese label; ``None`` unless a default is given."""
    extra: JsonDict = {"x-label-zh-CN": zh}
    if "default_factory" in kwargs:
        return Field(title=en, json_schema_extra=extra, **kwargs)
    return Field(default, title=en, json_schema_extra=extra, **kwargs)


def required(en: str, zh: str, **kwargs: Any) -> Any:
    """A field an item cannot exist without, even in a draft."""
    return Field(..., title=en, json_schema_extra={"x-label-zh-CN": zh}, **kwargs)


class CardPart(BaseModel):
    """Base of every nested model: unknown keys are rejected, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    PUBLISH_REQUIRED: ClassVar[tuple[str, ...]] = ()


class Contact(CardPart):
    PUBLISH_REQUIRED = ("offline_route",)

    email: Email = label(
        "Email", "电子邮箱", description="A generic role mailbox, not a person's own address."
    )
    form_url: Url = label("Contact form", "在线表单", description="A web form for questions.")
    offline_route: MediumText = label(
        "Offline route",
        "线下渠道",
        description="Without the internet: a telephone line, a service counter, a postal address.",
    )


class Supplier(CardPart):
    PUBLISH_REQUIRED = ("role", "procurement", "data_access")

    name: ItemName = required("Name", "名称")
    in_house: bool = label(
        "In-house", "内部开发", default=False, description="True when the agency itself built it."
    )
    identifier: ShortText = label(
        "Identifier",
        "统一社会信用代码/注册号",
        description="Company registration number or similar.",
    )
    role: ShortText = label("Role", "角色", description="What they did: built, hosts, maintains...")
    procurement: MediumText = label("How procured", "采购方式")
    data_access: MediumText = label("Access to data", "对数据的访问权限")


class AffectedGroup(CardPart):
    PUBLISH_REQUIRED = ("benefits", "harms", "mitigation")

    group: ItemText = required("Group", "群体")
    benefits: MediumText = label("Benefits", "可能的益处")
    harms: MediumText = label("Possible harms", "可能的损害")
    mitigation: MediumText = label("Mitigation", "缓解措施")


class OutOfScopeUse(CardPart):
    use: ItemLongText = required("Use it must not serve", "不得用于")
    reason: MediumText = label("Why", "原因")


class LegalBasis(CardPart):
    PUBLISH_REQUIRED = ("reference",)

    title: ItemText = required("Title", "名称")
    reference: ShortText = label("Article or reference", "条款或文号")
    url: Url = label("Link", "链接")


class ApplicationProduct(CardPart):
    name: ItemName = required("Service or app", "服务或应用")
    url: Url = label("Link", "链接")
    description: MediumText = label("Description", "说明")


class ExplanationAvailability(CardPart):
    PUBLISH_REQUIRED = ("how",)

    available: bool = required("Case-level explanation available", "可获得个案解释")
    how: MediumText = label("How to get one", "获取方式")


class ModelType(CardPart):
    kind: ModelKind = required("Kind", "类型")
    self_learning: bool = required(
        "Self-learning",
        "自学习",
        description="True when it keeps changing from new data in use, without a new version.",
    )


class Threshold(CardPart):
    PUBLISH_REQUIRED = ("rationale",)

    name: ItemName = required("Threshold", "阈值")
    value: ItemText = required("Value", "取值")
    rationale: MediumText = label("Why this value", "设定理由")


class Training(CardPart):
    PUBLISH_REQUIRED = ("method", "date", "trained_by", "data_reference")

    method: MediumText = label("Method", "训练方法")
    date: YearMonth = label("Trained (month)", "训练时间（年月）")
    trained_by: ShortText = label("Trained by", "训练方")
    data_reference: MediumText = label("Training data", "训练数据")
    retraining_cadence: ShortText = label("Retraining cadence", "重新训练频率")


class EvaluationMetric(CardPart):
    name: ItemName = required("Metric", "指标")
    value: float = required("Value", "数值")
    interval_low: float | None = label("Interval low", "区间下限")
    interval_high: float | None = label("Interval high", "区间上限")
    confidence_level: float | None = label("Confidence level", "置信水平", gt=0, lt=1)
    group: ShortText = label(
        "Group", "群体", description="Leave empty for the whole evaluation set."
    )

    @model_validator(mode="after")
    def _interval_contains_value(self) -> EvaluationMetric:
        low, high = self.interval_low, self.interval_high
        if (low is not None and low > self.value) or (high is not None and high < self.value):
            raise PydanticCustomError("interval", ERR_INTERVAL)
        return self


class Evaluation(CardPart):
    PUBLISH_REQUIRED = ("data_reference", "method", "metrics")

    data_reference: MediumText = label("Evaluation data", "评估数据")
    method: MediumText = label("Method", "评估方法")
    date: YearMonth = label("Evaluated (month)", "评估时间（年月）")
    metrics: list[EvaluationMetric] = label("Metrics", "指标", default_factory=list, max_length=500)
    per_group_summary: LongText = label("Results by group", "分群体结果")


class DataSource(CardPart):
    PUBLISH_REQUIRED = ("provenance", "personal_data", "retention")

    name: ItemName = required("Name", "名称")
    role: DataSourceRole = required("Role", "用途")
    provenance: MediumText = label("Where it comes from", "来源")
    collected_from: YearMonth = label("Collected from", "采集起始")
    collected_until: YearMonth = label(
        "Collected until", "采集截止", description="Leave empty while collection continues."
    )
    personal_data: bool | None = label("Personal data", "含个人信息")
    sensitive_attributes: list[ItemText] = label(
        "Sensitive attributes", "敏感属性", default_factory=list, max_length=50
    )
    sharing_agreement: MediumText = label("Sharing agreement", "数据共享协议")
    retention: MediumText = label("Retention", "保存期限")

    @model_validator(mode="after")
    def _period_in_order(self) -> DataSource:
        start, end = self.collected_from, self.collected_until
        if start and end and end < start:
            raise PydanticCustomError("collection_period", ERR_COLLECTION_PERIOD)
        return self


class SensitiveAttribute(CardPart):
    PUBLISH_REQUIRED = ("source",)

    attribute: ItemText = required("Attribute", "属性")
    used_as_input: bool = required("Used as input", "作为输入")
    used_for_testing: bool = required("Used for testing", "用于测试")
    source: ShortText = label("Source", "来源")
    notes: MediumText = label("Notes", "备注")


class Risk(CardPart):
    PUBLISH_REQUIRED = ("description", "mitigation")

    name: ItemName = required("Risk", "风险")
    description: MediumText = label("Description", "描述")
    mitigation: MediumText = label("Mitigation", "缓解措施")


class Limitation(CardPart):
    name: ItemName = required("Limitation", "局限")
    description: MediumText = label("Description", "描述")


class ImpactAssessment(CardPart):
    kind: ImpactAssessmentKind = required("Kind", "类型")
    completed_on: dt.date | None = label("Completed on", "完成日期")
    summary: MediumText = label("Summary", "摘要")
    url: Url = label("Link", "链接")
    not_done_reason: MediumText = label("Why none was done", "未开展的理由")

    @model_validator(mode="after")
    def _done_or_reason(self) -> ImpactAssessment:
        done = self.completed_on is not None or self.summary is not None or self.url is not None
        if done and self.not_done_reason is not None:
            raise PydanticCustomError("assessment_state", ERR_NOT_DONE_XOR_DONE)
        return self


class Withholding(CardPart):
    field: ItemText = required("Field", "字段")
    reason: WithheldReason = required("Reason", "理由")
    explanation: MediumText = label("Explanation", "说明")
    legal_reference: ShortText = label("Legal reference", "法律依据")


class CardTranslation(CardPart):
    """The tier-1 plain-language text in another language."""

    name: NameText = label("Name", "名称")
    summary: SummaryText = label("Summary", "摘要")
    purpose_and_impact: LongText = label("Purpose and impact", "目的与影响")
    accountable_role: ShortText = label("Accountable role", "责任岗位")
    appeal_route: LongText = label("Appeal route", "申诉途径")
    human_oversight: LongText = label("Human oversight", "人工监督")
    data_summary: LongText = label("Data used", "所用数据")
