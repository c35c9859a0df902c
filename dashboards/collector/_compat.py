"""The few places where pydantic 1 and pydantic 2 spell things differently.

The image is built from Debian's own packages (bookworm ships pydantic 1.10
and FastAPI 0.92) while a pip install of requirements.txt brings pydantic 2.
The models are written once against the helpers here, so they mean the same
under both and nothing else in the package needs to know which one it runs on.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Type, TypeVar

import pydantic

PYDANTIC_V2 = pydantic.VERSION.startswith("2.")

M = TypeVar("M", bound=pydantic.BaseModel)

if PYDANTIC_V2:

    class StrictModel(pydantic.BaseModel):
        """A model that refuses fields it does not declare."""

        model_config = pydantic.ConfigDict(extra="forbid")

else:

    class StrictModel(pydantic.BaseModel):  # type: ignore[no-redef]
        """A model that refuses fields it does not declare."""

        class Config:
            extra = "forbid"


def field_check(
    *fields: str, before: bool = False, with_values: bool = False
) -> Callable[[Callable], Any]:
    """Declares `fn(cls, value) -> value` as a validator of `fields`.

    `before=True` runs it on the raw input, ahead of pydantic's own coercion.
    `with_values=True` calls `fn(cls, value, values)` instead, `values` holding
    the fields declared earlier that were valid, so a check that compares two
    fields still reports the one it is attached to.
    """

    def decorate(fn: Callable) -> Any:
        mode = "before" if before else "after"
        if PYDANTIC_V2:
            if with_values:

                def with_info(cls: Any, value: Any, info: Any) -> Any:
                    return fn(cls, value, info.data)

                with_info.__name__ = fn.__name__
                return pydantic.field_validator(*fields, mode=mode)(classmethod(with_info))
            return pydantic.field_validator(*fields, mode=mode)(classmethod(fn))
        if with_values:
            # pydantic 1 passes `values` by parameter name.
            def with_earlier(cls: Any, v: Any, values: dict) -> Any:
                return fn(cls, v, values)

            with_earlier.__name__ = fn.__name__
            return pydantic.validator(*fields, pre=before, allow_reuse=True)(with_earlier)
        return pydantic.validator(*fields, pre=before, allow_reuse=True)(fn)

    return decorate


def to_jsonable(model: pydantic.BaseModel) -> dict:
    """The model as plain JSON types (UUIDs and the like become strings)."""
    if PYDANTIC_V2:
        return model.model_dump(mode="json", by_alias=True)
    return json.loads(model.json(by_alias=True))


def parse(cls: Type[M], data: Any) -> M:
    """Validates `data` (already decoded JSON) as a `cls`."""
    if PYDANTIC_V2:
        return cls.model_validate(data)
    return cls.parse_obj(data)
