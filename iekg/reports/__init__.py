"""Drafting a city's application (Attachment 1 problems, Attachment 2 policies, the plan) and writing it out.

(Being moved here from ``iekg.queries.drafts``; until then these names come from there.)"""

from iekg.queries.drafts import (  # noqa: F401
    Period,
    export_attachments,
    markdown_to_docx,
    parse_types,
    plan_markdown,
    uses_illustrative_data,
    write_plan,
)
