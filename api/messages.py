"""Texts the API answers with that are written by pydantic or by ``optimizer.models`` (which may
not import the catalogs), listed here for the message catalog (``make messages``).

An error message is translated by matching its English text against these templates
(:func:`optimizer.i18n.translate`): ``Input should be greater than or equal to 0`` matches
``Input should be greater than or equal to {ge}``. A text with no template stays English; its
``type`` and ``path`` say the same in every language.
"""

from __future__ import annotations

from optimizer.i18n import N_

PYDANTIC = [
    N_("Field required"),
    N_("Extra inputs are not permitted"),
    N_("Input should be a valid integer"),
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid integer, got a number with a fractional part"),
    N_("Input should be a valid number"),
    N_("Input should be a valid number, unable to parse string as a number"),
    N_("Input should be a finite number"),
    N_("Input should be a valid string"),
    N_("Input should be a valid boolean"),
    N_("Input should be a valid dictionary"),
    N_("Input should be a valid list"),
    N_("Input should be a valid dictionary or instance of {name}"),
    N_("Input should be greater than or equal to {limit}"),
    N_("Input should be greater than {limit}"),
    N_("Input should be less than or equal to {limit}"),
    N_("Input should be less than {limit}"),
    N_("Input should be {expected}"),
    N_("String should have at least {count} character"),
    N_("String should have at least {count} characters"),
    N_("List should have at least {count} item after validation, not {actual}"),
    N_("Input should be a valid datetime, {error}"),
    N_("Invalid JSON: {error}"),
    N_("JSON input should be string, bytes or bytearray"),
    N_("Unable to extract tag using discriminator {tag}"),
    N_("Input tag {tag} found using {discriminator} does not match any of the expected tags: {expected}"),
]
"""pydantic's messages for the error types a problem most often hits."""

MODELS = [
    N_("datetime must carry a UTC offset, e.g. 2026-11-23T08:00:00+02:00"),
    N_("lat and lon must be given together"),
    N_("a location needs lat/lon or an explicit-matrix index"),
    N_("end is before start"),
    N_("latest_start is before earliest_start"),
    N_("at least one technician is required"),
    N_("duplicate technician id {id}"),
    N_("duplicate job id {id}"),
    N_("unknown technician {id}"),
    N_("break window lies outside the shift"),
    N_("pinned_technician is also in excluded_technicians"),
    N_("the explicit matrix source needs an index on every location"),
    N_("index {index} is outside the {size}x{size} explicit matrix"),
    N_("lat/lon are required unless options.matrix is 'explicit'"),
    N_("must be at most {limit} in absolute value (2^53 - 1), got {value}"),
    N_("objective 'cost' needs problem.costs or technician cost fields (cost_per_hour, ...)"),
    N_("currency must be an ISO 4217 code of 3 capital letters (EUR, CNY), got {value}"),
    N_("skill {skill}: level must be an integer >= 1, got {value}"),
    N_("part {part}: units must be an integer >= 0, got {value}"),
]
"""``optimizer.models``' own validation messages (quoted ids match the placeholders with their quotes)."""

API = [
    N_("no optimization job {id}"),
    N_("no scenario {id}"),
    N_("job {id} is {status}; a report needs a succeeded job"),
    N_("job {id} already {status}; nothing to cancel"),
    N_("the solver refused the input: {text}"),
    N_("the solver failed: {text}"),
    N_("the server is shutting down; retry in a few seconds"),
    N_("at most {limit} jobs per request (server limit DISPATCH_MAX_JOBS), got {count}."),
    N_("at most {limit} technicians per request (server limit DISPATCH_MAX_TECHNICIANS), got {count}."),
    N_("at most {limit} s (server limit DISPATCH_MAX_TIME_LIMIT_S), got {value}."),
]
"""Messages the routers build with f-strings."""
