"""Published JSON Schemas: the model card (from the card schema, the single source of truth) and
every public page's ``.json`` twin (from the view-model types; see docs/pages.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field, RootModel

from registry.api.deps import SettingsDep
from registry.api.responses import OPTIONAL_AUTH, errors
from registry.cards import model_card_json_schema
from registry.errors import NotFound
from registry.pages.twin_schemas import TWINS, schema_url, twin_schema

router = APIRouter(prefix="/schema", tags=["schema"])
PUBLIC_READ = {"Access-Control-Allow-Origin": "*"}


class JsonSchemaDocument(RootModel[dict[str, Any]]):
    """A JSON Schema (draft 2020-12) document."""


class TwinSchemaEntry(BaseModel):
    page: str = Field(examples=["audit"])
    title: str = Field(description="The view-model type the schema describes.")
    description: str
    version: int = Field(description="Bumped on a breaking change only (docs/pages.md).")
    twin: str = Field(description="URL pattern of the JSON twin.", examples=["/audits/{id}.json"])
    schema_url: str = Field(description="Where this schema is served.")


class TwinSchemaIndex(BaseModel):
    """Every public page's JSON twin and where its schema is."""

    pages: list[TwinSchemaEntry]


@router.get(
    "/model-card",
    response_model=JsonSchemaDocument,
    responses=errors(),
    openapi_extra=OPTIONAL_AUTH,
)
def get_model_card_schema() -> dict[str, Any]:
    """JSON Schema of a model card, as validated at publish time."""
    return model_card_json_schema()


@router.get(
    "/pages", response_model=TwinSchemaIndex, responses=errors(), openapi_extra=OPTIONAL_AUTH
)
def list_page_schemas(
    request: Request, settings: SettingsDep, response: Response
) -> TwinSchemaIndex:
    """The JSON Schema of every public page's ``.json`` twin, with its version."""
    response.headers.update(PUBLIC_READ)
    entries = []
    for page, twin in TWINS.items():
        schema = twin_schema(page)
        entries.append(
            TwinSchemaEntry(
                page=page,
                title=schema["title"],
                description=schema.get("description", ""),
                version=twin.version,
                twin=twin.twin,
                schema_url=schema_url(page, settings.public_base_url(str(request.base_url))),
            )
        )
    return TwinSchemaIndex(pages=entries)


@router.get(
    "/pages/{page}.json",
    response_model=JsonSchemaDocument,
    responses=errors(404),
    openapi_extra=OPTIONAL_AUTH,
)
def get_page_schema(
    page: Annotated[str, Path(max_length=40, description="A page name from /schema/pages.")],
    request: Request,
    settings: SettingsDep,
    response: Response,
) -> dict[str, Any]:
    """JSON Schema (2020-12) of one public page's ``.json`` twin, e.g. ``audit``."""
    try:
        schema = twin_schema(page, base_url=settings.public_base_url(str(request.base_url)))
    except KeyError as exc:
        raise NotFound(exc.args[0]) from exc
    response.headers.update(PUBLIC_READ)
    return schema
