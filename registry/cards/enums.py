"""Controlled vocabularies of the model card, with stable machine values and bilingual labels.

The machine values are part of the public JSON format: never rename one, only add new ones.
``choice_labels(value)`` gives the English and Chinese words a page shows for a value.
"""

from __future__ import annotations

from enum import StrEnum


class Scenario(StrEnum):
    """The four scenario kinds every registered algorithm is classified under."""

    GOVERNMENT_SERVICES = "government_services"
    DIGITAL_INDUSTRY = "digital_industry"
    PUBLIC_SERVICES = "public_services"
    URBAN_LIVING = "urban_living"


class RiskCategory(StrEnum):
    """Drives which fields must be filled before publishing (HR fields for the first two)."""

    HIGH_RISK = "high_risk"
    IMPACTFUL = "impactful"
    OTHER = "other"


class LifecycleStatus(StrEnum):
    PLANNED = "planned"
    PILOT = "pilot"
    IN_USE = "in_use"
    RETIRED = "retired"


class AutonomyLevel(StrEnum):
    ADVISORY = "advisory"
    HUMAN_DECIDES = "human_decides"
    AUTOMATED_WITH_REVIEW = "automated_with_review"
    FULLY_AUTOMATED = "fully_automated"


class ModelKind(StrEnum):
    RULES = "rules"
    STATISTICAL = "statistical"
    MACHINE_LEARNING = "machine_learning"
    GENERATIVE = "generative"


class FavourableOutcome(StrEnum):
    """What a positive prediction means for the person: a benefit, or an adverse action."""

    BENEFICIAL = "beneficial"
    ADVERSE = "adverse"


class WithheldReason(StrEnum):
    SECURITY = "security"
    COMMERCIAL = "commercial"
    PERSONAL_DATA = "personal_data"
    LAW_ENFORCEMENT = "law_enforcement"
    OTHER = "other"


class DataSourceRole(StrEnum):
    TRAINING = "training"
    EVALUATION = "evaluation"
    OPERATIONAL_INPUT = "operational_input"
    REFERENCE = "reference"


class ImpactAssessmentKind(StrEnum):
    DATA_PROTECTION = "data_protection"
    FUNDAMENTAL_RIGHTS = "fundamental_rights"
    EQUALITY = "equality"
    ALGORITHMIC_IMPACT = "algorithmic_impact"
    SECURITY = "security"
    OTHER = "other"


class PolicyArea(StrEnum):
    """Themes a card is filed under (a controlled list, so that filters work across agencies)."""

    SOCIAL_SECURITY = "social_security"
    EMPLOYMENT = "employment"
    EDUCATION = "education"
    HEALTH = "health"
    ELDERLY_CARE = "elderly_care"
    HOUSING = "housing"
    TAX_AND_FINANCE = "tax_and_finance"
    PUBLIC_SAFETY = "public_safety"
    TRAFFIC_AND_MOBILITY = "traffic_and_mobility"
    PERMITS_AND_LICENSING = "permits_and_licensing"
    ECONOMY_AND_INNOVATION = "economy_and_innovation"
    ENVIRONMENT = "environment"
    PUBLIC_FACILITIES = "public_facilities"
    MIGRATION = "migration"
    JUSTICE = "justice"
    ADMINISTRATION = "administration"


# A list, not a dict: members of different enums that share a value (RiskCategory.OTHER and
# WithheldReason.OTHER are both "other") compare equal as strings, so labels are looked up by
# (enum class, value).
_LABEL_TABLE: list[tuple[StrEnum, tuple[str, str]]] = [
    (Scenario.GOVERNMENT_SERVICES, ("Government services", "政务服务")),
    (Scenario.DIGITAL_INDUSTRY, ("Digital industry", "数字产业")),
    (Scenario.PUBLIC_SERVICES, ("Public services", "公共服务")),
    (Scenario.URBAN_LIVING, ("Urban living", "城市生活")),
    (RiskCategory.HIGH_RISK, ("High-risk", "高风险")),
    (RiskCategory.IMPACTFUL, ("Impactful", "有重要影响")),
    (RiskCategory.OTHER, ("Other", "其他")),
    (LifecycleStatus.PLANNED, ("Planned", "计划中")),
    (LifecycleStatus.PILOT, ("Pilot", "试点")),
    (LifecycleStatus.IN_USE, ("In use", "使用中")),
    (LifecycleStatus.RETIRED, ("Retired", "已停用")),
    (AutonomyLevel.ADVISORY, ("Advisory: staff may consult it", "仅供参考：工作人员可参考")),
    (AutonomyLevel.HUMAN_DECIDES, ("A person decides, using its output", "由人依据其输出作出决定")),
    (
        AutonomyLevel.AUTOMATED_WITH_REVIEW,
        (
            "Automated, with human review of cases",
            "自动处理，并由人复核案件",
        ),
    ),
    (AutonomyLevel.FULLY_AUTOMATED, ("Fully automated", "完全自动")),
    (ModelKind.RULES, ("Rules", "规则")),
    (ModelKind.STATISTICAL, ("Statistical model", "统计模型")),
    (ModelKind.MACHINE_LEARNING, ("Machine learning", "机器学习")),
    (ModelKind.GENERATIVE, ("Generative model", "生成式模型")),
    (
        FavourableOutcome.BENEFICIAL,
        (
            "Beneficial: a positive result helps the person",
            "有利：正向结果对当事人有利",
        ),
    ),
    (
        FavourableOutcome.ADVERSE,
        (
            "Adverse: a positive result leads to action against the person",
            "不利：正向结果会导致对当事人的不利措施",
        ),
    ),
    (WithheldReason.SECURITY, ("Security", "安全")),
    (WithheldReason.COMMERCIAL, ("Commercial confidentiality", "商业秘密")),
    (WithheldReason.PERSONAL_DATA, ("Personal data", "个人信息")),
    (WithheldReason.LAW_ENFORCEMENT, ("Law enforcement", "执法需要")),
    (WithheldReason.OTHER, ("Other reason", "其他理由")),
    (DataSourceRole.TRAINING, ("Training", "训练")),
    (DataSourceRole.EVALUATION, ("Evaluation", "评估")),
    (DataSourceRole.OPERATIONAL_INPUT, ("Operational input", "运行输入")),
    (DataSourceRole.REFERENCE, ("Reference data", "参考数据")),
    (
        ImpactAssessmentKind.DATA_PROTECTION,
        (
            "Data protection impact assessment",
            "个人信息保护影响评估",
        ),
    ),
    (
        ImpactAssessmentKind.FUNDAMENTAL_RIGHTS,
        (
            "Fundamental rights impact assessment",
            "基本权利影响评估",
        ),
    ),
    (ImpactAssessmentKind.EQUALITY, ("Equality impact assessment", "平等影响评估")),
    (ImpactAssessmentKind.ALGORITHMIC_IMPACT, ("Algorithmic impact assessment", "算法影响评估")),
    (ImpactAssessmentKind.SECURITY, ("Security assessment", "安全评估")),
    (ImpactAssessmentKind.OTHER, ("Other assessment", "其他评估")),
    (PolicyArea.SOCIAL_SECURITY, ("Social security and benefits", "社会保障与救助")),
    (PolicyArea.EMPLOYMENT, ("Work and employment", "劳动就业")),
    (PolicyArea.EDUCATION, ("Education", "教育")),
    (PolicyArea.HEALTH, ("Health", "医疗卫生")),
    (PolicyArea.ELDERLY_CARE, ("Elderly care", "养老服务")),
    (PolicyArea.HOUSING, ("Housing", "住房")),
    (PolicyArea.TAX_AND_FINANCE, ("Tax and public finance", "税务与财政")),
    (PolicyArea.PUBLIC_SAFETY, ("Public safety", "公共安全")),
    (PolicyArea.TRAFFIC_AND_MOBILITY, ("Traffic and mobility", "交通出行")),
    (PolicyArea.PERMITS_AND_LICENSING, ("Permits and licensing", "行政许可")),
    (PolicyArea.ECONOMY_AND_INNOVATION, ("Economy and innovation", "经济与创新")),
    (PolicyArea.ENVIRONMENT, ("Environment", "生态环境")),
    (PolicyArea.PUBLIC_FACILITIES, ("Public buildings and facilities", "公共设施")),
    (PolicyArea.MIGRATION, ("Migration and residence", "出入境与居留")),
    (PolicyArea.JUSTICE, ("Justice", "司法")),
    (PolicyArea.ADMINISTRATION, ("Internal administration", "内部行政管理")),
]

_LABELS: dict[tuple[type[StrEnum], str], tuple[str, str]] = {}


def _register(enum_labels: list[tuple[StrEnum, tuple[str, str]]]) -> None:
    for member, words in enum_labels:
        _LABELS[(type(member), member.value)] = words


_register(_LABEL_TABLE)

CARD_ENUMS: tuple[type[StrEnum], ...] = (
    Scenario,
    RiskCategory,
    LifecycleStatus,
    AutonomyLevel,
    ModelKind,
    FavourableOutcome,
    WithheldReason,
    DataSourceRole,
    ImpactAssessmentKind,
    PolicyArea,
)


def choice_labels(value: StrEnum) -> dict[str, str]:
    """The words a page shows for a controlled value: ``{"en": ..., "zh-CN": ...}``."""
    en, zh = _LABELS[(type(value), value.value)]
    return {"en": en, "zh-CN": zh}
