"""What each model card field means: section, requirement, tier, sources, bilingual label and help.

This table is the order of the public page and the source of the ``docs/model-card.md`` crosswalk.
``FIELD_SPECS`` holds every field of FIELDS.md, including the three the card payload does not carry
(``public_id`` and ``agency`` come from the algorithm record, ``change_summary`` from the version).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Tier = Literal[1, 2, "meta"]


class Requirement(StrEnum):
    """When a field must be filled before publishing."""

    REQUIRED = "R"  # always
    HIGH_RISK = "HR"  # when risk_category is high_risk or impactful
    OPTIONAL = "O"
    SYSTEM = "S"  # set by the registry, never typed into the card


SOURCES: dict[str, str] = {
    "MC": "Mitchell et al. 2019, Model Cards for Model Reporting",
    "MCT": "Google Model Card Toolkit schema",
    "HF": "Hugging Face model card",
    "UK": "UK Algorithmic Transparency Recording Standard",
    "NL": "Dutch Algoritmeregister standard 1.0",
    "EU": "EU AI Act, Annex VIII (sections A provider, C public deployer)",
    "CN": "China algorithm filing (name, type, product, use, principle, filing number)",
    "CA": "Canada Algorithmic Impact Assessment",
    "NYC": "New York City Local Law 35 (2022) and Local Law 144 (2021)",
    "FR": "France: Code des relations entre le public et l'administration, L311-3-1",
    "DS": "Gebru et al., Datasheets for Datasets",
    "AIF": "AIF360 favourable label and the Aequitas fairness tree",
    "SPDX": "SPDX 3.0 AI profile (autonomy type)",
    "EC": "Eurocities algorithmic transparency data schema",
    "PRJ": "This project's own taxonomy",
}

SECTION_TITLES: dict[str, tuple[str, str]] = {
    "identity": ("Identity and lifecycle", "基本信息与生命周期"),
    "responsibility": ("Responsibility", "责任主体"),
    "purpose": ("Purpose and use", "目的与用途"),
    "decision": ("Decision process and human oversight", "决策流程与人工监督"),
    "technical": ("Technical", "技术信息"),
    "data": ("Data", "数据"),
    "risk": ("Risk and fairness", "风险与公平"),
}


@dataclass(frozen=True)
class FieldSpec:
    """One card field as FIELDS.md describes it."""

    name: str
    section: str
    requirement: Requirement
    tier: Tier
    sources: tuple[str, ...]
    label_en: str
    label_zh: str
    help_en: str
    help_zh: str
    in_payload: bool = True  # False: set by the system, not part of the card JSON
    withholdable: bool = False  # may be listed in withheld[] with a reason
    detail_tier: bool = False  # a tier-1 field whose detail is shown in tier 2 ("1/2")


R, HR = Requirement.REQUIRED, Requirement.HIGH_RISK
OPT, SYS = Requirement.OPTIONAL, Requirement.SYSTEM
ALL_SOURCES = ("MC", "MCT", "HF", "UK", "NL", "EU", "CN", "CA", "NYC")
_ALL = " ".join(ALL_SOURCES)


def _f(
    name: str,
    section: str,
    requirement: Requirement,
    tier: Tier,
    sources: str,
    flags: str,
    label_en: str,
    label_zh: str,
    help_en: str,
    help_zh: str,
) -> FieldSpec:
    """One row of the table. flags: "system" (not in the payload), "withhold", "detail"."""
    words = set(flags.split())
    return FieldSpec(
        name=name,
        section=section,
        requirement=requirement,
        tier=tier,
        sources=tuple(sources.split()),
        label_en=label_en,
        label_zh=label_zh,
        help_en=help_en,
        help_zh=help_zh,
        in_payload="system" not in words,
        withholdable="withhold" in words,
        detail_tier="detail" in words,
    )


# fmt: off
FIELD_SPECS: tuple[FieldSpec, ...] = (
    # Identity and lifecycle
    _f("public_id", "identity", SYS, "meta", "UK NL CN", "system",
       "Public ID", "公开编号",
       "Permanent identifier used in links; never reused.",
       "用于链接的永久编号，不会重复使用。"),
    _f("name", "identity", R, 1, _ALL, "",
       "Name", "名称",
       "A plain name for what it does (at most 100 characters).",
       "用通俗语言说明其用途的名称（不超过100字）。"),
    _f("summary", "identity", R, 1, "NL UK MCT", "",
       "Summary", "概述",
       "Two or three plain sentences: what it does and in which service (at most 400 characters).",
       "两三句通俗的话：它做什么、用在哪项服务中（不超过400字）。"),
    _f("scenario", "identity", R, 1, "PRJ", "",
       "Scenario", "应用场景",
       "Government services, digital industry, public services or urban living.",
       "政务服务、数字产业、公共服务或城市生活。"),
    _f("policy_areas", "identity", OPT, 1, "NL UK", "",
       "Policy areas", "政策领域",
       "Themes from a fixed list, so that cards can be found across agencies.",
       "从固定列表中选择的主题，便于跨机构查找。"),
    _f("risk_category", "identity", R, 1, "NL EU", "",
       "Risk category", "风险类别",
       "High-risk, impactful or other. High-risk and impactful cards must disclose more.",
       "高风险、有重要影响或其他。高风险和有重要影响的算法须披露更多信息。"),
    _f("status", "identity", R, 1, "NL UK EU", "",
       "Status", "状态",
       "Planned, pilot, in use or retired.",
       "计划中、试点、使用中或已停用。"),
    _f("in_use_from", "identity", R, 1, "NL NYC", "",
       "In use from", "启用时间",
       "Month it went (or will go) into use, as YYYY-MM.",
       "开始（或计划开始）使用的年月，格式为YYYY-MM。"),
    _f("in_use_until", "identity", OPT, 1, "NL NYC", "",
       "In use until", "停用时间",
       "Month it went out of use, as YYYY-MM. Required once the status is retired.",
       "停止使用的年月，格式为YYYY-MM。状态为已停用时必填。"),
    _f("language", "identity", R, "meta", "NL HF", "",
       "Language", "语言",
       "Language of the card text, as a BCP-47 tag such as en or zh-CN.",
       "模型卡文字所用语言，使用BCP-47标签，如en或zh-CN。"),
    _f("translations", "identity", OPT, "meta", "NL HF", "",
       "Translations", "译文",
       "The plain-language tier-1 text in other languages, keyed by language tag.",
       "第一层通俗文字的其他语言译文，以语言标签为键。"),
    _f("source_id", "identity", OPT, "meta", "NL", "",
       "Agency's own ID", "机构内部编号",
       "The agency's own identifier, so that bulk imports do not create duplicates.",
       "机构自己的编号，避免批量导入时重复登记。"),
    _f("next_review_date", "identity", R, 1, "NL EC", "",
       "Next review", "下次复核日期",
       "When the agency will next review this card. An overdue review is shown publicly.",
       "机构下次复核本卡的日期。逾期未复核将公开显示。"),
    _f("change_summary", "identity", R, 2, "MCT UK", "system",
       "What changed", "变更说明",
       "What changed in this version and why; given when the version is published.",
       "本版本改了什么、为什么改；在发布版本时填写。"),
    # Responsibility
    _f("agency", "responsibility", R, 1, _ALL, "system",
       "Responsible agency", "责任机构",
       "The public body responsible for the algorithm.",
       "对该算法负责的公共机构。"),
    _f("team", "responsibility", OPT, 2, "UK NL", "",
       "Responsible unit", "责任部门",
       "The unit inside the agency that runs it.",
       "机构内部负责运行的部门。"),
    _f("accountable_role", "responsibility", R, 1, "UK", "",
       "Accountable role", "责任岗位",
       "Role title of the senior person answerable for it (a role, not a person's name).",
       "对其负总责的高级岗位名称（写岗位，不写个人姓名）。"),
    _f("contact", "responsibility", R, 1, "MC HF UK NL EU", "",
       "Contact", "联系方式",
       "A generic mailbox or web form for questions about the algorithm and its outcomes, and a "
       "route that works without the internet.",
       "就该算法及其结果提问的公共邮箱或在线表单，以及不依赖互联网的线下渠道。"),
    _f("appeal_route", "responsibility", R, 1, "UK FR CA", "",
       "How to object", "申诉途径",
       "How an affected person objects to an outcome or asks for a human review.",
       "受影响的人如何对结果提出异议或要求人工复核。"),
    _f("suppliers", "responsibility", HR, 2, "UK NL EU CN", "withhold",
       "Suppliers", "供应商",
       "Who built or runs it: name, identifier, role, how procured, their access to data; or the "
       "in-house team.",
       "由谁开发或运行：名称、编号、角色、采购方式、对数据的访问权限；或内部团队。"),
    # Purpose and use
    _f("purpose_and_impact", "purpose", R, 1, "NL EU CN", "",
       "Purpose and impact", "目的与影响",
       "Why it is used, who is affected and how.",
       "为什么使用、影响哪些人、如何影响。"),
    _f("affected_groups", "purpose", HR, 1, "MC HF", "withhold detail",
       "Who is affected", "受影响群体",
       "Each group affected, with benefits, possible harms and mitigation.",
       "每个受影响群体的益处、可能的损害及缓解措施。"),
    _f("out_of_scope_uses", "purpose", OPT, 2, "MC HF", "withhold",
       "Uses it must not serve", "不得用于",
       "What it must not be used for.",
       "不得将其用于哪些用途。"),
    _f("alternatives_and_proportionality", "purpose", HR, 2, "NL UK", "withhold",
       "Alternatives and proportionality", "替代方案与相称性",
       "Alternatives that were considered, and why using this is justified.",
       "考虑过哪些替代方案，以及为何使用它是合理、相称的。"),
    _f("legal_basis", "purpose", HR, 2, "NL EU", "withhold",
       "Legal basis", "法律依据",
       "The law or decision that authorises the process, with a link.",
       "授权该流程的法律或决定，附链接。"),
    _f("application_products", "purpose", OPT, 2, "CN", "withhold",
       "Where it runs", "应用产品",
       "Services or apps in which it runs, with links.",
       "运行该算法的服务或应用，附链接。"),
    _f("frequency_and_scale", "purpose", OPT, 2, "UK", "withhold",
       "Frequency and scale", "使用频率与规模",
       "Decisions per period and the number of people affected.",
       "每个周期的决定数量及受影响人数。"),
    # Decision process and human oversight
    _f("autonomy_level", "decision", R, 1, "UK NL SPDX", "",
       "Role in the decision", "自动化程度",
       "Advisory, a person decides, automated with review, or fully automated.",
       "仅供参考、由人决定、自动处理并人工复核，或完全自动。"),
    _f("human_oversight", "decision", R, 1, "UK NL", "detail",
       "Human oversight", "人工监督",
       "How staff use, check and override its outputs. Say so if nobody does.",
       "工作人员如何使用、核查和推翻其输出；若无人监督也须说明。"),
    _f("process_integration", "decision", OPT, 2, "UK", "withhold",
       "Place in the process", "在流程中的位置",
       "Where its output enters the decision.",
       "其输出在决策流程的哪一环节进入。"),
    _f("explanation_available", "decision", OPT, 2, "FR", "withhold",
       "Explanation of a decision", "个案解释",
       "Whether a person can get an explanation of their own case, and how.",
       "个人能否获得对其本人个案的解释，以及如何获得。"),
    # Technical
    _f("model_type", "technical", R, 1, "MC UK NL", "",
       "Type of model", "模型类型",
       "Rules, statistical, machine learning or generative; and whether it keeps learning in use.",
       "规则、统计、机器学习或生成式；以及使用中是否持续自学习。"),
    _f("how_it_works", "technical", HR, 2, "NL EU CN", "withhold",
       "How it works", "原理与机制",
       "Inputs, the logic applied to them, and the outputs.",
       "输入、处理逻辑和输出。"),
    _f("inputs", "technical", OPT, 2, "MCT UK", "withhold",
       "Inputs", "输入",
       "What goes in.",
       "输入哪些信息。"),
    _f("outputs", "technical", OPT, 2, "MCT UK", "withhold",
       "Outputs", "输出",
       "What comes out: a score, a flag, a ranking...",
       "输出什么：分数、标记、排序等。"),
    _f("decision_thresholds", "technical", OPT, 2, "MC", "withhold",
       "Thresholds", "决策阈值",
       "Thresholds applied to its output and why they were chosen.",
       "对输出采用的阈值及其设定理由。"),
    _f("training", "technical", HR, 2, "MC HF UK", "withhold",
       "Training", "训练",
       "Method, date, who trained it, training data and retraining cadence. Not required for a "
       "rules-based system.",
       "训练方法、时间、训练方、训练数据及重新训练频率。规则类系统无须填写。"),
    _f("evaluation", "technical", HR, 2, "MC MCT HF", "withhold",
       "Evaluation", "评估",
       "Evaluation data, metrics with confidence intervals, and results by group.",
       "评估数据、带置信区间的指标及分群体结果。"),
    _f("maintenance_and_monitoring", "technical", HR, 2, "UK EC", "withhold",
       "Monitoring and maintenance", "监测与维护",
       "How it is monitored, reviewed and rolled back.",
       "如何监测、复核和回退。"),
    _f("source_code_url", "technical", OPT, 2, "NL HF MCT", "withhold",
       "Source code", "源代码",
       "Where the code can be read.",
       "可查阅代码的地址。"),
    _f("license", "technical", OPT, 2, "NL HF MCT", "withhold",
       "Licence", "许可证",
       "Licence of the code, such as an SPDX identifier.",
       "代码的许可证，如SPDX标识。"),
    # Data
    _f("data_summary", "data", R, 1, "NL EU", "",
       "Data used", "所用数据",
       "A plain list of the data used, naming the kinds of personal data.",
       "用通俗语言列出所用数据，写明涉及哪些个人信息。"),
    _f("data_sources", "data", R, 2, "UK NL MCT DS", "withhold",
       "Data sources", "数据来源",
       "Each source: role, provenance, collection period, personal data, sensitive attributes, "
       "sharing agreement and retention.",
       "每个数据来源的用途、出处、采集期间、是否含个人信息、敏感属性、共享协议和保存期限。"),
    _f("sensitive_attributes", "data", HR, 2, "UK", "withhold",
       "Sensitive attributes", "敏感属性",
       "Each sensitive attribute: used as an input? used for testing? where it comes from.",
       "每项敏感属性：是否作为输入、是否用于测试、来源。"),
    _f("representativeness", "data", HR, 2, "UK DS", "withhold",
       "Representativeness", "代表性",
       "How complete the data is, known gaps, and who is under-represented.",
       "数据的完整性、已知缺口，以及哪些人群代表不足。"),
    # Risk and fairness
    _f("favourable_outcome", "risk", R, 1, "AIF", "",
       "What a positive result means", "正向结果的含义",
       "Whether a positive result helps the person (beneficial) or leads to action against them "
       "(adverse). Audits use it to read disparities the right way round.",
       "正向结果对当事人有利（如获得服务）还是不利（如被标记核查）。审计据此判断差异的方向。"),
    _f("risks", "risk", HR, 1, "MCT UK NL", "withhold detail",
       "Risks", "风险",
       "Each risk with a description and its mitigation.",
       "每项风险的描述及缓解措施。"),
    _f("limitations", "risk", OPT, 2, "MCT HF", "withhold",
       "Limitations", "局限",
       "Known technical limitations.",
       "已知的技术局限。"),
    _f("impact_assessments", "risk", HR, 1, "NL UK EU", "withhold detail",
       "Impact assessments", "影响评估",
       "Assessments done (kind, date, summary, link), or why none was done.",
       "已开展的评估（类型、日期、摘要、链接），或未开展的理由。"),
    _f("withheld", "risk", OPT, 2, "UK EU", "",
       "Withheld information", "不予公开的信息",
       "Fields left out of this card, each with its reason and legal reference.",
       "本卡中未公开的字段，逐项说明理由和法律依据。"),
)
# fmt: on

FIELD_SPECS_BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in FIELD_SPECS}
PAYLOAD_FIELDS: tuple[str, ...] = tuple(spec.name for spec in FIELD_SPECS if spec.in_payload)
WITHHOLDABLE_FIELDS: frozenset[str] = frozenset(s.name for s in FIELD_SPECS if s.withholdable)
