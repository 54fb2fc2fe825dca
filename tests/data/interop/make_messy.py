# ruff: noqa: E501  (test data: long literal texts are the point)
"""Writes the deliberately messy import files of tests/registry/formats (run from the repo root).

    python tests/data/interop/make_messy.py

Each file holds at least 30 records in one import format. Record ``i`` carries the mess
``MESSES[i % len(MESSES)]`` (and every file has exact duplicates), so that every kind of mess the
import must survive appears at least twice. The files are committed; this script documents how
they were made and regenerates them byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
COUNT = 32

MESSES = [
    "clean",
    "empty_required",
    "url_in_email",
    "other_language",
    "vocabulary_variant",
    "replacement_chars",
    "mojibake",
    "duplicate",
    "unknown_vocabulary",
    "messy_dates",
    "html",
    "whitespace_only",
    "too_long",
    "unknown_keys",
    "contact_with_text",
    "year_only",
]

DUTCH_GOAL = (
    "Het doel van dit algoritme is om aanvragen sneller te beoordelen. De medewerker krijgt een "
    "advies en neemt zelf het besluit. Burgers merken dat zij sneller een antwoord krijgen."
)
ENGLISH_GOAL = (
    "The aim is to assess applications faster. The caseworker gets a recommendation and makes the "
    "decision. Residents get an answer sooner, and the team can spend more time on hard cases."
)


def mess(i: int) -> str:
    return MESSES[i % len(MESSES)]


# --- Dutch publication standard 1.0.0 ------------------------------------------------------------
def nl_record(i: int) -> dict[str, object]:
    kind = mess(i)
    record: dict[str, object] = {
        "name": f"Beoordeling aanvragen {i:02d}",
        "organization": [
            "Gemeente Noorderhaaks",
            "Gemeente Zuiderduin",
            "Provincie Westerkwartier",
        ][i % 3],
        "description_short": f"Dit algoritme helpt bij het beoordelen van aanvraag {i:02d}.",
        "category": ["Sociale zekerheid"],
        "status": "In gebruik",
        "begin_date": "2022-03",
        "contact_email": "algoritmes@noorderhaaks.example",
        "publication_category": "Impactvolle algoritmes",
        "goal": DUTCH_GOAL,
        "proportionality": "De voordelen wegen op tegen de nadelen, omdat elk besluit door een mens wordt genomen.",
        "human_intervention": "Een medewerker controleert elk advies en kan het altijd negeren.",
        "risks": "Onjuiste gegevens: een fout in de bron leidt tot een fout advies (periodieke controle)",
        "lawful_basis": "Participatiewet",
        "lawful_basis_grouping": [
            {"title": "Participatiewet", "link": "https://wetten.overheid.nl/BWBR0015703"}
        ],
        "impacttoetsen_grouping": [
            {"title": "DPIA", "link": f"https://noorderhaaks.example/dpia/{i}"}
        ],
        "source_data": "Gegevens uit de aanvraag en de Basisregistratie Personen.",
        "methods_and_models": "Een beslisboom met vaste regels.",
        "provider": "Intern ontwikkeld",
        "lang": "nld",
        "standard_version": "1.0.0",
        "source_id": f"NH-{i:03d}",
    }
    if kind == "empty_required":
        record["name"] = ""
        record["description_short"] = None
    elif kind == "url_in_email":
        record["contact_email"] = "https://noorderhaaks.example/contact"
    elif kind == "other_language":
        record["goal"] = ENGLISH_GOAL
        record["description_short"] = "This algorithm helps assess applications for the service."
        record["name"] = f"Application assessment {i:02d}"
    elif kind == "vocabulary_variant":
        record["status"] = "in use"
        record["publication_category"] = "Categorie B"
        record["category"] = ["Zorg", "Belastingen"]
    elif kind == "replacement_chars":
        record["goal"] = (
            "Het doel is snellere beoordeling van aanvragen voor de b\ufffd\ufffdrgers."
        )
    elif kind == "mojibake":
        record["description_short"] = (
            "Dit algoritme beoordeelt aanvragen voor cafÃ© en terrasvergunningen."
        )
    elif kind == "unknown_vocabulary":
        record["status"] = "Gepauzeerd"
        record["publication_category"] = "Categorie Z"
        record["category"] = ["Ruimtevaart"]
    elif kind == "messy_dates":
        record["begin_date"] = "15-03-2021"
        record["end_date"] = "2023/7"
    elif kind == "html":
        record["goal"] = (
            "<p>Het doel:</p><ul><li>sneller beoordelen</li><li>minder fouten</li></ul>"
        )
    elif kind == "whitespace_only":
        record["proportionality"] = "   \n  "
        record["contact_email"] = "  "
    elif kind == "too_long":
        record["description_short"] = "Een zeer lange omschrijving. " * 20
    elif kind == "unknown_keys":
        record["interne_notitie"] = "niet publiceren"
        record["tags"] = "aanvragen, bijstand"
    elif kind == "contact_with_text":
        record["contact_email"] = "Mail algoritmes@noorderhaaks.example of bel 14 0123"
    elif kind == "year_only":
        record["begin_date"] = "2020"
    return record


def nl_records() -> list[dict[str, object]]:
    records = [nl_record(i) for i in range(COUNT)]
    for i in range(len(records)):
        if mess(i) == "duplicate":
            records[i] = dict(records[0])
    return records


# --- the earlier flat export ---------------------------------------------------------------------
FLAT_KEYS = [
    "name",
    "organization",
    "department",
    "description_short",
    "type",
    "category",
    "website",
    "status",
    "goal",
    "impact",
    "proportionality",
    "decision_making_process",
    "documentation",
    "description",
    "application_url",
    "publiccode",
    "MPRD",
    "source_data",
    "methods_and_models",
    "monitoring",
    "human_intervention",
    "risks",
    "performance_standard",
    "competent_authority",
    "lawful_basis",
    "IAMA",
    "IAMA_description",
    "DPIA",
    "DPIA_description",
    "objection_procedure",
    "schema",
    "id",
    "url",
    "contact_email",
    "area",
    "lang",
    "revision_date",
]
REQUIRED_FLAT = {
    "name",
    "organization",
    "description_short",
    "type",
    "status",
    "goal",
    "contact_email",
}


def flat_metadata_rows() -> list[dict[str, object]]:
    flags = {k: (k in REQUIRED_FLAT) for k in FLAT_KEYS}
    labels = {
        "name": "Naam",
        "organization": "Organisatie",
        "department": "Afdeling",
        "description_short": "Korte omschrijving",
        "type": "Type",
        "category": "Categorie",
        "status": "Status",
        "goal": "Doel",
        "contact_email": "Contact",
        "id": "ID",
    }
    descriptions = {
        "name": "De naam van het algoritme zoals het in de organisatie bekend is.",
        "organization": "De volledige naam van de organisatie die het algoritme inzet.",
        "description_short": "Een korte omschrijving van wat het algoritme doet, in twee zinnen.",
        "goal": "Beschrijf het doel waarvoor het algoritme wordt ingezet en voor wie.",
        "type": "Geef aan of het algoritme regelgebaseerd of zelflerend is.",
    }
    return [flags, labels, descriptions]


def flat_record(i: int) -> dict[str, object]:
    kind = mess(i)
    record: dict[str, object] = {key: "" for key in FLAT_KEYS}
    record.update(
        {
            "name": f"Parkeercontrole wijk {i:02d}",
            "organization": ["Gemeente Noorderhaaks", "Gemeente Zuiderduin"][i % 2],
            "department": "Stadsbeheer",
            "description_short": f"Scanauto's controleren of geparkeerde auto's in wijk {i:02d} betaald hebben.",
            "type": ["Regelgebaseerd", "Zelflerend"][i % 2],
            "category": "Verkeer",
            "status": "In gebruik",
            "goal": "Het doel is om foutparkeren sneller op te sporen en de controle eerlijker te maken.",
            "impact": "Bewoners en bezoekers met een auto worden vaker gecontroleerd.",
            "decision_making_process": "Bij twijfel controleert een handhaver ter plaatse.",
            "methods_and_models": "Kentekenherkenning met een getraind model.",
            "human_intervention": "Een handhaver beoordeelt elke mogelijke overtreding.",
            "risks": "Verkeerd gelezen kentekens: leidt tot onterechte naheffingen (handmatige controle)",
            "competent_authority": "College van burgemeester en wethouders",
            "lawful_basis": "Gemeentewet artikel 234",
            "IAMA": "Nee",
            "IAMA_description": "Niet nodig: het algoritme neemt geen besluiten zonder mens.",
            "DPIA": "Ja",
            "DPIA_description": "Uitgevoerd in 2021; kentekens worden na 48 uur verwijderd.",
            "objection_procedure": "Bezwaar maken kan binnen zes weken via het digitale loket.",
            "schema": "0.4",
            "id": f"PK-{i:03d}",
            "url": f"https://algoritmeregister.example/PK-{i:03d}",
            "contact_email": "parkeren@noorderhaaks.example",
            "area": "Noorderhaaks",
            "lang": "nld",
            "revision_date": "2023-05-01",
        }
    )
    if kind == "empty_required":
        record["name"] = ""
        record["description_short"] = ""
    elif kind == "url_in_email":
        record["contact_email"] = "www.noorderhaaks.example/parkeren"
    elif kind == "other_language":
        record["goal"] = ENGLISH_GOAL
        record["lang"] = ""
    elif kind == "vocabulary_variant":
        record["type"] = "Rule based"
        record["status"] = "Actief"
        record["category"] = "Mobiliteit, Parkeren"
    elif kind == "replacement_chars":
        record["description_short"] = "Scanauto\ufffds controleren geparkeerde auto\ufffds."
    elif kind == "mojibake":
        record["goal"] = "Het doel is eerlijke controle â€“ ook voor bezoekers van het cafÃ©."
    elif kind == "unknown_vocabulary":
        record["type"] = "Black box"
        record["status"] = "Wordt onderzocht"
        record["IAMA"] = "misschien"
    elif kind == "messy_dates":
        record["revision_date"] = "1 mei 2023"
    elif kind == "html":
        record["human_intervention"] = "<p>Een handhaver beoordeelt <b>elke</b> overtreding.</p>"
    elif kind == "whitespace_only":
        record["department"] = "   "
        record["contact_email"] = "\t"
    elif kind == "too_long":
        record["description_short"] = "Scanauto's controleren parkeren. " * 20
    elif kind == "unknown_keys":
        record["opmerking"] = "intern"
    elif kind == "contact_with_text":
        record["contact_email"] = "parkeren@noorderhaaks.example; tel 14 0123"
    elif kind == "year_only":
        record["DPIA"] = True
        record["DPIA_description"] = ""
    return record


def flat_records() -> list[dict[str, object]]:
    records = [flat_record(i) for i in range(COUNT)]
    for i in range(len(records)):
        if mess(i) == "duplicate":
            records[i] = dict(records[1 + (i % 2)])
    return [*flat_metadata_rows(), *records]


# --- UK ATRS (CSV layout) ------------------------------------------------------------------------
ATRS_COLUMNS = [
    "metadata.standard_version",
    "metadata.title",
    "metadata.organisation_name",
    "metadata.phase",
    "tier_1.name",
    "tier_1.description",
    "tier_1.website_url",
    "tier_1.contact_email",
    "tier_2.owner_and_responsibility.organisation_or_department",
    "tier_2.owner_and_responsibility.team",
    "tier_2.owner_and_responsibility.senior_responsible_owner",
    "tier_2.description_and_rationale.detailed_description",
    "tier_2.description_and_rationale.benefit",
    "tier_2.decision_making_process.human_decisions_and_review",
    "tier_2.decision_making_process.appeals_and_review",
    "tier_2.tool_specification.phase",
    "tier_2.tool_specification.model_specification.1.model_task",
    "tier_2.risks_mitigations_and_impact_assessments.impact_assessment",
    "tier_2.risks_mitigations_and_impact_assessments.risks_and_mitigations",
]
ATRS_RISK = (
    "Risk: {name}\nDescription: A wrong address changes distance ranking.\n"
    "Mitigation: Addresses are checked against council tax records."
)
ATRS_ASSESSMENT = (
    "Assessment: Data Protection Impact Assessment (DPIA)\nCompleted: {date}\n"
    "Summary: No high risk found after mitigation.\nLink: https://council.example/dpia"
)


def atrs_row(i: int) -> dict[str, str]:
    kind = mess(i)
    organisation = ["Y Council", "Z Borough Council"][i % 2]
    row = {
        "metadata.standard_version": "3.0",
        "metadata.title": f"School place allocation {i:02d}",
        "metadata.organisation_name": organisation,
        "metadata.phase": "Production",
        "tier_1.name": f"School place allocation {i:02d}",
        "tier_1.description": f"Helps the council allocate secondary school places in area {i:02d}.",
        "tier_1.website_url": "https://council.example/admissions",
        "tier_1.contact_email": "admissions@council.example",
        "tier_2.owner_and_responsibility.organisation_or_department": organisation,
        "tier_2.owner_and_responsibility.team": "School Admissions",
        "tier_2.owner_and_responsibility.senior_responsible_owner": "Director of Education",
        "tier_2.description_and_rationale.detailed_description": "Applies the published admissions criteria in order and ranks applicants.",
        "tier_2.description_and_rationale.benefit": "Allocations are consistent and are made in days rather than weeks.",
        "tier_2.decision_making_process.human_decisions_and_review": "Officers check every allocation before offers go out.",
        "tier_2.decision_making_process.appeals_and_review": "Parents can appeal to an independent panel within 20 school days.",
        "tier_2.tool_specification.phase": "Production",
        "tier_2.tool_specification.model_specification.1.model_task": "Rules-based decision logic (does not learn in use)",
        "tier_2.risks_mitigations_and_impact_assessments.impact_assessment": ATRS_ASSESSMENT.format(
            date="2023-02-01"
        ),
        "tier_2.risks_mitigations_and_impact_assessments.risks_and_mitigations": ATRS_RISK.format(
            name="Wrong address data"
        ),
    }
    if kind == "empty_required":
        row["tier_1.name"] = ""
        row["metadata.title"] = ""
        row["tier_2.owner_and_responsibility.senior_responsible_owner"] = ""
    elif kind == "url_in_email":
        row["tier_1.contact_email"] = "https://council.example/contact-us"
    elif kind == "other_language":
        row["tier_1.description"] = (
            "Het algoritme helpt de gemeente om plaatsen op middelbare scholen toe te wijzen aan "
            "de kinderen in de wijk."
        )
        row["tier_2.description_and_rationale.benefit"] = (
            "De toewijzing is consistent en gebeurt in dagen in plaats van weken, en ouders "
            "krijgen sneller een antwoord."
        )
    elif kind == "vocabulary_variant":
        row["tier_2.tool_specification.phase"] = "Live"
        row["metadata.phase"] = "Live"
    elif kind == "replacement_chars":
        row["tier_1.description"] = "Helps the council allocate places \ufffd fairly."
    elif kind == "mojibake":
        row["tier_2.description_and_rationale.benefit"] = (
            "Allocations are consistent â€“ made in days."
        )
    elif kind == "unknown_vocabulary":
        row["tier_2.tool_specification.phase"] = "Paused"
        row["metadata.phase"] = "Paused"
        row["tier_2.tool_specification.model_specification.1.model_task"] = "Quantum annealer"
    elif kind == "messy_dates":
        row["tier_2.risks_mitigations_and_impact_assessments.impact_assessment"] = (
            ATRS_ASSESSMENT.format(date="February 2023")
        )
    elif kind == "html":
        row["tier_2.description_and_rationale.detailed_description"] = (
            "Applies the criteria in order.<br>Ranks applicants."
        )
    elif kind == "whitespace_only":
        row["tier_2.owner_and_responsibility.team"] = "  "
        row["tier_1.contact_email"] = " "
    elif kind == "too_long":
        row["tier_1.description"] = "Helps the council allocate places. " * 15
    elif kind == "unknown_keys":
        row["tier_3.internal_note"] = "draft only"
    elif kind == "contact_with_text":
        row["tier_1.contact_email"] = "Email admissions@council.example or call 0100 555 0101"
    elif kind == "year_only":
        row["tier_2.risks_mitigations_and_impact_assessments.risks_and_mitigations"] = (
            ATRS_RISK.format(name="")
        )
    return row


def atrs_csv() -> str:
    rows = [atrs_row(i) for i in range(COUNT)]
    for i in range(len(rows)):
        if mess(i) == "duplicate":
            rows[i] = dict(rows[0])
    columns = [*ATRS_COLUMNS, "tier_3.internal_note"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in columns})
    return out.getvalue()


# --- Hugging Face model cards (one README per folder; the test zips them) ------------------------
def hf_card(i: int) -> str:
    kind = mess(i)
    name = f"Permit pre-check {i:02d}"
    license_line = "license: apache-2.0"
    language = "language:\n- en"
    contact = "permits@city.example"
    summary = f"Checks a building permit application {i:02d} for missing documents before a clerk sees it."
    uses = "Clerks use the check to ask applicants for missing documents early."
    model_type = "Machine learning (not self-learning)"
    extra = ""
    if kind == "empty_required":
        name = ""
        summary = "[More Information Needed]"
    elif kind == "url_in_email":
        contact = "https://city.example/permits/contact"
    elif kind == "other_language":
        language = "language:\n- nl"
        summary = "Controleert een aanvraag voor een bouwvergunning op ontbrekende documenten."
        uses = "Medewerkers gebruiken de controle om aanvragers vroeg om ontbrekende stukken te vragen."
    elif kind == "vocabulary_variant":
        model_type = "Rule-based (not self-learning)"
    elif kind == "replacement_chars":
        summary = "Checks a permit application for missing documents \ufffd before a clerk sees it."
    elif kind == "mojibake":
        uses = "Clerks use the check â€“ early."
    elif kind == "unknown_vocabulary":
        model_type = "Transformer ensemble"
    elif kind == "messy_dates":
        extra = "- **In use from:** March 2022\n"
    elif kind == "html":
        uses = "Clerks use the check<br>to ask for documents early."
    elif kind == "whitespace_only":
        contact = "   "
    elif kind == "too_long":
        summary = "Checks a permit application for missing documents. " * 12
    elif kind == "unknown_keys":
        license_line += "\nco2_eq_emissions: 12"
    elif kind == "contact_with_text":
        contact = "Ask the permits desk (permits@city.example) or call 0100 555 0199"
    elif kind == "year_only":
        license_line = ""  # no license at all
    title = f"# Model Card for {name}" if name else "# "
    return (
        f"---\n{language}\n{license_line}\ntags:\n- permits\nmodel-index:\n- name: {name or 'x'}\n"
        "  results:\n  - task:\n      type: text-classification\n    dataset:\n      type: custom\n"
        "      name: permits 2021\n    metrics:\n    - type: accuracy\n      value: 0.91\n"
        f"---\n\n{title}\n\n## Model Details\n\n### Model Description\n\n{summary}\n\n"
        f"- **Responsible agency:** City of Harbourside\n- **Developed by:** Permits Digital Team\n"
        f"- **Model type:** {model_type}\n{extra}\n"
        f"## Uses\n\n### Direct Use\n\n{uses}\n\n### Out-of-Scope Use\n\n"
        "- Refusing a permit — the check only lists missing documents\n\n"
        "## Bias, Risks, and Limitations\n\n### Risks\n\n"
        "- Missed documents: a scanned page may be unreadable (mitigation: clerks check every "
        "file)\n\n"
        f"## Model Card Contact\n\n{contact}\n"
    )


def hf_cards() -> dict[str, str]:
    cards = {}
    for i in range(COUNT):
        source = 0 if mess(i) == "duplicate" else i
        cards[f"card-{i:02d}/README.md"] = hf_card(source)
    return cards


def main() -> None:
    (HERE / "nl_algoritmeregister_messy.json").write_text(
        json.dumps(nl_records(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (HERE / "nl_register_export_messy.json").write_text(
        json.dumps(flat_records(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (HERE / "uk_atrs_messy.csv").write_text(atrs_csv(), encoding="utf-8")
    folder = HERE / "hf_model_cards_messy"
    for name, text in hf_cards().items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
