"""Who trains for an industry, who hires a major, and partner recommendations (being split out of
``iekg.queries.relations``)."""

from iekg.queries.relations import (  # noqa: F401
    nearest_categories,
    partners_for_enterprise,
    partners_for_institution,
    who_hires,
    who_trains_for,
)
