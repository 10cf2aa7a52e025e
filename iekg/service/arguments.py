"""The argument rules both faces apply, said once: which arguments go together, which values a choice
takes (the one vocabulary of the import for enumerations).  A broken rule is an :class:`ArgumentError`,
which each face spells in its own words (``--city`` on the command line, ``city`` in the API)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

Spell = Callable[[str, bool], str]


def api_spelling(name: str, valued: bool) -> str:
    """How the API names a parameter: ``city`` (``city=`` before a value).

    The default spelling of an :class:`ArgumentError`'s message; checks nothing.

    Parameters
    ----------
    name : str
        The parameter's name (``city``).
    valued : bool
        True for the name as it stands before a value.

    Returns
    -------
    str
        ``name``, followed by ``=`` when ``valued``.

    Examples
    --------
    >>> api_spelling("city", True)
    'city='
    """
    return name + ("=" if valued else "")


def cli_spelling(name: str, valued: bool) -> str:
    """How the command line names an option: ``--city`` (``--city `` before a value).

    The CLI passes it to :meth:`ArgumentError.text`; checks nothing.

    Parameters
    ----------
    name : str
        The parameter's name (``city``).
    valued : bool
        True for the name as it stands before a value.

    Returns
    -------
    str
        ``--name``, followed by a space when ``valued``.

    Examples
    --------
    >>> cli_spelling("city", True)
    '--city '
    >>> cli_spelling("target_year", False)
    '--target-year'
    """
    return f"--{name.replace('_', '-')}" + (" " if valued else "")


class ArgumentError(ValueError):
    """Arguments that do not go together, or a value a choice does not take (a usage error: the CLI exits 2,
    the API answers 422).

    Parameters
    ----------
    template : str
        The message; ``{name}`` stands for a parameter's name, ``{name_v}`` for its name before a value.
    params : str
        The parameters the message names, the first one the parameter to blame.
    """

    def __init__(self, template: str, *params: str) -> None:
        self.template = template
        self.params = params
        super().__init__(self.text(api_spelling))

    @property
    def param(self) -> str:
        """The parameter to blame."""
        return self.params[0]

    def text(self, spell: Spell) -> str:
        """The message with the parameters spelled by ``spell``."""
        names: dict[str, str] = {}
        for p in self.params:
            names[p], names[p + "_v"] = spell(p, False), spell(p, True)
        return self.template.format(**names)


def literal(text: Any) -> str:
    """User text inside an :class:`ArgumentError` template (its braces kept as they are).

    Parameters
    ----------
    text : Any
        The text (or anything, taken as ``str(text)``), e.g. a library's error message.

    Returns
    -------
    str
        The text with ``{`` and ``}`` doubled, so that the template's formatting leaves them as they are.

    Examples
    --------
    >>> ArgumentError(literal(exc), "period")
    """
    return str(text).replace("{", "{{").replace("}", "}}")


@contextmanager
def blame(param: str) -> Iterator[None]:
    """A library check's ValueError (the rule lives with the library) as a usage error of ``param``.

    A context manager: an :class:`ArgumentError` raised inside passes unchanged, any other ValueError is
    raised again as an :class:`ArgumentError` with its message, blaming ``param``.

    Parameters
    ----------
    param : str
        The parameter to blame.

    Returns
    -------
    Iterator[None]
        The context (it yields nothing).

    Raises
    ------
    ArgumentError
        For a ValueError raised inside the block.

    Examples
    --------
    >>> with blame("type"): parse_types(values)
    """
    try:
        yield
    except ArgumentError:
        raise
    except ValueError as exc:
        raise ArgumentError(literal(exc), param) from None


def exactly_one(**given: Any) -> None:
    """Exactly one of the arguments is given (industry, segment or chain …: :func:`iekg.queries.scope.one_of`).

    Parameters
    ----------
    **given
        The arguments by name, None when not given.

    Raises
    ------
    ArgumentError
        When none or several are given.
    """
    from iekg.queries.scope import one_of

    try:
        one_of(**given)
    except ValueError:
        raise ArgumentError("give exactly one of " + ", ".join("{" + n + "}" for n in given), *given) from None


def city_or_province(cities: Sequence[str] | None, province: str | None) -> None:
    """A scope is some cities or one province, not both and not neither.

    Parameters
    ----------
    cities : sequence of str or None
        The city codes given (None or empty: none).
    province : str or None
        The province code given (None or empty: none).

    Returns
    -------
    None
        Returns only when exactly one of them is given.

    Raises
    ------
    ArgumentError
        When neither or both are given.
    """
    if not cities and not province:
        raise ArgumentError("give {city_v}CODE (repeatable) or {province_v}CODE", "city", "province")
    if cities and province:
        raise ArgumentError("give either {city} or {province}, not both", "city", "province")


def schema_filter(values: Iterable[str], param: str) -> tuple[str, ...] | None:
    """Node labels (``param`` ``label``) or relationship types (``param`` ``type``) given as a filter, checked
    against the schema (:func:`iekg.queries.scope.check_labels`, :func:`iekg.queries.scope.check_rel_types`).

    Parameters
    ----------
    values : iterable of str
        The labels or types given.
    param : str
        ``label`` or ``type``: which, and the parameter to blame.

    Returns
    -------
    tuple of str or None
        The values, or None when none was given.
    """
    from iekg.queries.scope import check_labels, check_rel_types

    with blame(param):
        return (check_labels if param == "label" else check_rel_types)(tuple(values) or None)


def labels(values: Iterable[str]) -> tuple[str, ...] | None:
    """Node labels given as a filter, checked (:func:`schema_filter`).

    Parameters
    ----------
    values : iterable of str
        The node labels given (``Institution``, ``Enterprise`` …).

    Returns
    -------
    tuple of str or None
        The labels, or None when none was given.

    Raises
    ------
    ArgumentError
        For a label not in the schema (blaming ``label``).

    Examples
    --------
    >>> labels(["Institution"])
    """
    return schema_filter(values, "label")


def rel_types(values: Iterable[str]) -> tuple[str, ...] | None:
    """Relationship types given as a filter, checked (:func:`schema_filter`).

    Parameters
    ----------
    values : iterable of str
        The relationship types given (``LOCATED_IN`` …).

    Returns
    -------
    tuple of str or None
        The types, or None when none was given.

    Raises
    ------
    ArgumentError
        For a type not in the schema (blaming ``type``).
    """
    return schema_filter(values, "type")


def gap_types(values: Iterable[str] | str | None, param: str = "type") -> tuple[str, ...] | None:
    """Gap types given as a filter (a list, or one text separated by commas), checked
    (:func:`iekg.queries.gaps.parse_types`).

    Parameters
    ----------
    values : iterable of str, str or None
        The gap types given: a list, or one text separated by commas (None or nothing: all).
    param : str
        The parameter to blame (default ``type``).

    Returns
    -------
    tuple of str or None
        The types, or None for all.

    Raises
    ------
    ArgumentError
        For a gap type that is not known (blaming ``param``).

    Examples
    --------
    >>> gap_types("shortage,target_shortfall", "types")
    """
    from iekg.queries.gaps import parse_types  # (not iekg.reports: a question needs none of the drafting)

    with blame(param):
        return parse_types(values)


def vocabulary_term(field: str, raw: str | None) -> str | None:
    """A filter's value as the import reads it — the import's own value rule (:func:`iekg.loaders.values.enum`,
    through the one vocabulary: shipped, plus ``IEKG_VOCABULARY_FILE``): a term as it is, a synonym mapped to
    its term (``高职`` → ``高职专科``), an unknown word kept in a descriptive field and refused in a counted one.

    Parameters
    ----------
    field : str
        The enumeration (``institution_level``, ``major_level`` …).
    raw : str or None
        The value given (None: no filter).

    Returns
    -------
    str or None
        The value the import would have stored.

    Raises
    ------
    ValueError
        When the import would refuse the value (its problem and fix).
    """
    if raw is None:
        return None
    from iekg.loaders.values import Invalid, Repaired, enum

    try:
        value = enum(field)(raw)
    except Invalid as exc:
        raise ValueError(f"{exc.problem}; {exc.fix}") from None
    return str(value.value if isinstance(value, Repaired) else value)


def vocabulary_words(field: str) -> list[str]:
    """Every word the import accepts for ``field``: its terms, then their synonyms (for the API's schema).

    Reads the one vocabulary (shipped, plus ``IEKG_VOCABULARY_FILE``); checks nothing itself.

    Parameters
    ----------
    field : str
        The enumeration (``institution_level``, ``major_level`` …).

    Returns
    -------
    list of str
        The allowed terms, followed by their synonyms (empty for a field the vocabulary does not know).
    """
    from iekg.loaders import vocab

    voc = vocab.current()
    return [*voc.allowed(field), *voc.synonyms(field)]
