"""The service over the wire: what ``iekg --server URL`` sends to a running ``iekg serve`` and what comes back.

A question asked with ``--server`` runs the same command code as one asked of the graph here; only its calls of the
service (:data:`CALLS`) are sent to the server, which makes them on its own store (open, warm, kept sums in memory)
and sends back the value the service returned. The command then draws that value exactly as it draws a value of its
own process, so the two answers are the same, character for character (``tests/test_cli_server.py``).

The format is JSON, each value tagged at the top:

- a call: ``{"version": V, "args": [ARG…], "kwargs": {NAME: ARG}}``. An ARG is ``{"value": V}``, ``{"tuple": [V…]}``
  or ``{"node": "Label:id"}``: an entity goes as its key and the server reads it again.
- a value: ``{"answer": {"data": …, "illustrative": bool, "cities": […]}}``, ``{"node": {"uid", "label",
  "props"}}``, ``{"nodes": [NODE…]}``, ``{"tuple": [V…]}`` or ``{"value": V}``.
- an error the command reports (the API's problem body with ``error``): ``{"kind": "argument", "template", "params"}``
  (a usage error, exit 2), ``{"kind": "lookup" | "value", "message"}`` (one red line, exit 1).

Client and server must be the same iekg version: the call carries the client's and the server refuses another (409).
Nothing is unpickled; a call names a function of :data:`CALLS` only, each a read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iekg.graph.store import Node

# The service functions a client may ask a server for: every one reads, none writes.  (``nodes`` is the store's
# own list of a small catalogue label, which coupling's table reads for the cities' names; ``chart_spec`` and
# ``network_page`` give a chart's spec and a network page's HTML, which the command writes to its file.)
CALLS = frozenset({
    "alignment", "gaps", "readiness", "readiness_all", "coupling", "partners", "who_trains", "who_hires",
    "compare", "trend", "search", "show", "show_relationship", "resolve", "neighbours", "paths", "nodes",
    "chart_spec", "network_page",
})
NODE_LISTS = frozenset({"City", "Province"})  # the labels ``nodes`` may list (small catalogues)
SCALARS = (str, int, float, bool, type(None))


def arg(value: Any) -> dict[str, Any]:
    """One argument of a call, tagged."""
    from iekg.graph.store import Node

    if isinstance(value, Node):
        return {"node": value.uid}
    if isinstance(value, tuple):
        return {"tuple": list(value)}
    return {"value": value}


def read_arg(tagged: Any, resolve: Any) -> Any:
    """An argument back from its tag (``resolve(uid)`` reads an entity); ValueError when it is not one."""
    if not isinstance(tagged, dict) or len(tagged) != 1:
        raise ValueError("an argument is an object with one of the keys value, tuple, node")
    (tag, value), = tagged.items()
    if tag == "node":
        if not isinstance(value, str):
            raise ValueError("an entity argument is its key, Label:id")
        node = resolve(value)
        if node is None:
            raise LookupError(f"not found: {value}")
        return node
    if tag == "tuple" and isinstance(value, list) and all(isinstance(v, SCALARS) for v in value):
        return tuple(value)
    if tag == "value" and (isinstance(value, SCALARS)
                           or isinstance(value, list) and all(isinstance(v, SCALARS) for v in value)):
        return value
    raise ValueError(f"an argument of kind {tag!r} must be a text, a number, a list of them or an entity key")


def value(result: Any) -> dict[str, Any]:
    """A service function's value, tagged (the server's side)."""
    from iekg.graph.store import Node
    from iekg.service.provenance import Answer

    if isinstance(result, Answer):
        return {"answer": {"data": result.data, "illustrative": result.illustrative, "cities": list(result.cities)}}
    if isinstance(result, Node):
        return {"node": _node(result)}
    if isinstance(result, tuple):
        return {"tuple": list(result)}
    if isinstance(result, list) and result and all(isinstance(n, Node) for n in result):
        return {"nodes": [_node(n) for n in result]}
    return {"value": result}


def _node(n: Node) -> dict[str, Any]:
    return {"uid": n.uid, "label": n.label, "props": n.props}


def read_value(tagged: dict[str, Any]) -> Any:
    """A value back from its tag (the client's side)."""
    from iekg.graph.store import Node

    (tag, v), = tagged.items()
    if tag == "answer":
        from iekg.service.provenance import Answer

        illustrative = bool(v["illustrative"])
        return Answer(v["data"], lambda: illustrative, list(v["cities"]))
    if tag == "node":
        return Node(v["uid"], v["label"], v["props"])
    if tag == "nodes":
        return [Node(n["uid"], n["label"], n["props"]) for n in v]
    if tag == "tuple":
        return tuple(v)
    return v


def error(exc: Exception) -> dict[str, Any] | None:
    """What the client needs to report ``exc`` as the command would (None: not an error the command reports)."""
    from iekg.service.arguments import ArgumentError

    if isinstance(exc, ArgumentError):
        return {"kind": "argument", "template": exc.template, "params": list(exc.params)}
    if isinstance(exc, LookupError):
        return {"kind": "lookup", "message": str(exc)}
    if isinstance(exc, ValueError):
        return {"kind": "value", "message": str(exc)}
    return None


def read_error(body: dict[str, Any]) -> Exception:
    """The exception a command reports, back from :func:`error`."""
    from iekg.service.arguments import ArgumentError

    kind = body.get("kind")
    if kind == "argument":
        return ArgumentError(str(body["template"]), *map(str, body["params"]))
    if kind == "lookup":
        return LookupError(str(body["message"]))
    return ValueError(str(body.get("message", "")))
