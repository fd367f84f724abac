"""``workbench backfill``: past months to DATEV, one transfer per month, oldest first (seed
003's "Historische Anziehungskraft")."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.cli._app import (
    CANCELLED,
    PosMappingOption,
    ProfileOption,
    _client_id,
    _confirm,
    _err,
    _fail,
    _month,
    _out,
    app,
)
from workbench.errors import WorkbenchError


@app.command()
def backfill(
    client: Annotated[
        str, typer.Option("--client", help="DATEV-Mandant, z. B. 455148-1.", callback=_client_id)
    ],
    kind: Annotated[str, typer.Option("--kind", help="calls, invoices, receipts oder pos.")],
    source: Annotated[
        list[str],
        typer.Option("--source", help="Datei oder Muster (z. B. 'kasse/*.csv'); mehrfach."),
    ],
    first: Annotated[str, typer.Option("--from", help="Erster Monat JJJJ-MM.", callback=_month)],
    last: Annotated[str, typer.Option("--to", help="Letzter Monat JJJJ-MM.", callback=_month)],
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            help="missing: nur noch nicht übertragene Monate; all: alle, auch bereits "
            "übertragene (mit Rückfrage).",
        ),
    ] = "missing",
    profile: ProfileOption = "auto",
    pos_mapping: PosMappingOption = None,
    target: Annotated[
        str | None, typer.Option("--target", help="xml oder extf (Vorgabe je Art).")
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Bereits übertragene Monate ohne Rückfrage erneut senden.")
    ] = False,
) -> None:
    """Vergangene Monate nachholen: je Monat (und Beleg-Art) eine Übertragung, älteste zuerst,
    fortsetzbar nach einem Abbruch; zum Schluss eine Übersicht je Monat."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from workbench.cli.schedule import outcomes_exit_code, print_outcomes
    from workbench.operations import backfill as run
    from workbench.operations.backfill import BackfillCancelled
    from workbench.operations.periods import periods_between

    def confirm(months: list[str]) -> bool:
        if yes:
            return True
        # No answer (cron, no terminal) is a no: nothing is sent twice unasked.
        return _confirm(
            f"Bereits übertragen: {', '.join(months)}. Diese Monate erneut an DATEV übertragen?",
            no_answer=False,
        )

    try:
        total = len(periods_between(first, last))
        progress = Progress(
            TextColumn("Nachholen {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=_err,
            disable=not _err.is_terminal,
            transient=True,
        )
        with progress:
            task = progress.add_task("", total=total)

            def advance(outcome: object) -> None:
                progress.update(task, advance=1, description=outcome.period.label)  # type: ignore[attr-defined]

            result = run(
                client=client,
                kind=kind,
                sources=source,
                first=first,
                last=last,
                mode=mode,
                profile=profile,
                pos_mapping=pos_mapping,
                target=target,
                confirm=confirm,
                on_period=advance,
            )
    except BackfillCancelled as error:
        _err.print(str(error))
        raise typer.Exit(CANCELLED) from None
    except WorkbenchError as error:
        raise _fail(error) from error
    print_outcomes(result.outcomes, f"Nachholen {client} {kind}: {first} bis {last}")
    sent = sum(len(outcome.transfers) for outcome in result.outcomes)
    _out.print(f"{sent} Übertragung(en) gesendet.")
    raise typer.Exit(2 if result.failed else outcomes_exit_code(result.outcomes))
