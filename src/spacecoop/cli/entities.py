"""The ``spacecoop entity`` verbs (see :mod:`spacecoop.core.entities`)."""

from __future__ import annotations

import click

from spacecoop.cli.app import GlobalOptions


@click.group("entity")
def entity() -> None:
    """Look up the entities of the graph by name."""


@entity.command("find")
@click.argument("names", nargs=-1, required=True)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Only entities of this kind (country, region, place, organisation, initiative, mission, "
    "payload, rover, event, test); repeat for several.",
)
@click.pass_obj
def find(obj: GlobalOptions, names: tuple[str, ...], kinds: tuple[str, ...]) -> int:
    """Print the entity each NAME means: CURIE, kind and country.

    NAME may be a label, an alternative label (acronyms), an ISO 3166 code (CZ, CZE, 203) or a
    country name pycountry knows ("Czechia", "the Republic of Korea"); case and a leading article
    are ignored. Exits 1 when a name matches nothing, with close names and their scores
    ("did you mean …").
    """
    from spacecoop.core.entities import EntityFinder
    from spacecoop.core.terminal import printable

    # the entities asked of the store every command reads (the compiled one unless --store)
    finder = EntityFinder.of_store(obj.open_store())
    missing = 0
    for name in names:
        lookup = finder.find(name, kinds or None)
        if not lookup.found:
            missing += 1
            click.echo(printable(f"{name}: not found; {lookup.did_you_mean()}"))
            continue
        for m in lookup.matches:
            country = m.country if m.country and m.country != m.curie else "-"
            # a label is printed with its control characters written out (spacecoop.core.terminal)
            click.echo(printable(f"{name}: {m.curie}\t{m.kind}\t{country}\t{m.label} (by {m.via})"))
    return 1 if missing else 0
