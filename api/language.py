"""The language of an HTTP answer: ``Accept-Language`` (en or zh-CN), unless the problem names
one in ``options.language``."""

from __future__ import annotations

from starlette.requests import Request

from optimizer.i18n import best_language
from optimizer.models import Problem


def request_language(request: Request) -> str:
    """The language the request's ``Accept-Language`` header prefers (en or zh-CN; default en)."""
    return best_language(request.headers.get("accept-language"))


def with_language(problem: Problem, request: Request) -> Problem:
    """``problem`` with ``options.language`` from ``Accept-Language`` when the problem does not
    set it itself (an explicit ``options.language`` wins)."""
    if "language" in problem.options.model_fields_set or not request.headers.get("accept-language"):
        return problem
    options = problem.options.model_copy(update={"language": request_language(request)})
    return problem.model_copy(update={"options": options})
