"""pySHACL's ``sh:or`` stopping at the first member a value node conforms to, while our SHACL
check runs (:func:`or_stops_at_first`).

pySHACL (0.40.1) checks every value node against every member of an ``sh:or`` list, and a member
that does not conform makes results of its own, each with a message written out, only to throw
them away. At 100k triples that was most of its time: ``scs:ClaimEvidenceShape`` checks the
compiled-table branch (three property shapes) for each of 8k claims that has a quote, and each
``sc:date`` is checked against all three datatypes. Stopping at the first member that conforms
gives the same results: a value node is reported when no member conforms, and the members'
own results are never reported. SHACL allows this (SHACL 1.2 notes that implementations may
evaluate ``sh:or`` with shortcuts, and recommends listing the likelier member first).

Members are tried in the list's order (pySHACL tries them in the order of a set). One thing
differs: a member that pySHACL cannot evaluate (a malformed shape) raises only when a value node
reaches it.

The replacement is used only with the pySHACL versions it was checked against
(:data:`CHECKED_VERSIONS`; with any other, pySHACL runs as it is) and only inside
:func:`or_stops_at_first`, so that other users of pySHACL in the same process (a notebook) see
pySHACL as it is, unless they run it in another thread while our check runs (the replacement is
on the class: they then get the same results sooner). The tests compare results with and without it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

CHECKED_VERSIONS = frozenset({"0.40.1"})
"""pySHACL versions whose ``OrConstraintComponent._evaluate_or_constraint`` the replacement was
checked against (read and tested)."""

_LOCK = threading.Lock()
_USERS = 0  # calls inside or_stops_at_first, in every thread
_ORIGINAL: list = []  # pySHACL's method while replaced


def _fresh_lock() -> None:
    """In a forked process: a lock of its own. One inherited while another thread held it would
    never be released there (that thread does not run in the fork)."""
    global _LOCK
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_lock)


def applies() -> bool:
    """Whether the installed pySHACL is one the replacement was checked against."""
    import pyshacl

    return getattr(pyshacl, "__version__", "") in CHECKED_VERSIONS


@contextlib.contextmanager
def or_stops_at_first() -> Iterator[bool]:
    """Within: pySHACL's ``sh:or`` stops at the first member a value node conforms to, if
    :func:`applies`; yields whether it does. Re-entrant and safe across threads: pySHACL is as
    it was once the last user leaves.

    Examples
    --------
    >>> from pyshacl.constraints.core.logical_constraints import OrConstraintComponent as Or
    >>> before = Or._evaluate_or_constraint
    >>> with or_stops_at_first() as replaced:
    ...     (Or._evaluate_or_constraint is not before) == replaced
    True
    >>> Or._evaluate_or_constraint is before
    True
    """
    global _USERS
    if not applies():
        yield False
        return
    from pyshacl.constraints.core.logical_constraints import OrConstraintComponent

    with _LOCK:
        if _USERS == 0:
            _ORIGINAL[:] = [OrConstraintComponent.__dict__["_evaluate_or_constraint"]]
            OrConstraintComponent._evaluate_or_constraint = _evaluate_or_constraint  # type: ignore[method-assign]
        _USERS += 1
    try:
        yield True
    finally:
        with _LOCK:
            _USERS -= 1
            if _USERS == 0:
                OrConstraintComponent._evaluate_or_constraint = _ORIGINAL.pop()  # type: ignore[method-assign]


def _evaluate_or_constraint(self, executor, or_c, target_graph, focus_value_nodes, _evaluation_path):
    """pySHACL 0.40.1's ``OrConstraintComponent._evaluate_or_constraint``, stopping at the first
    member that conforms (same arguments, same return: whether a value node broke it, and its
    results)."""
    from pyshacl.errors import ReportableRuntimeError

    reports: list = []
    broken = False
    members: list = []
    items = list(self.shape.sg.graph.items(or_c))
    if not items:
        raise ReportableRuntimeError("The list associated with sh:or is not a valid RDF list.")
    for item in items:
        if self.shape.sg.is_filtered_out_shape(item):
            continue
        member = self.shape.get_other_shape(item)
        if not member:
            raise ReportableRuntimeError(
                "Shape pointed to by sh:or does not exist or is not a well-formed SHACL Shape."
            )
        if member not in members:
            members.append(member)
    if not members:
        return broken, reports
    for focus, value_nodes in focus_value_nodes.items():
        for value in value_nodes:
            for member in members:
                conforms, _ = member.validate(
                    executor, target_graph, focus=value, _evaluation_path=_evaluation_path[:]
                )
                if conforms:
                    break
            else:
                broken = True
                reports.append(self.make_v_result(target_graph, focus, value_node=value))
    return broken, reports
