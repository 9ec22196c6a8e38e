"""`salesflow …`: the operator's commands."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy.exc import ArgumentError, OperationalError

from ..adapters.sql import (
    DEFAULT_URL,
    NoDatabase,
    SqlUnitOfWork,
    UnsupportedDatabase,
    describe,
    install,
    open_installed,
)
from ..domain.errors import DomainError
from ..domain.normalize import use_phone_regions
from .people import add_commands as add_people_commands
from .series import add_commands as add_series_commands

ENV_DATABASE_URL = "SALESFLOW_DATABASE_URL"


def database_url(args) -> str:
    return args.database_url or os.environ.get(ENV_DATABASE_URL) or DEFAULT_URL


def cmd_migrate(args) -> int:
    url = database_url(args)
    engine = install(url)
    engine.dispose()
    print(f"database at {describe(url)} is up to date; data files loaded")
    return 0


def cmd_reindex(args) -> int:
    from ..adapters.sql.keys import reindex

    url = database_url(args)
    engine = install(url)
    try:
        with engine.begin() as conn:
            changed = reindex(conn)
    finally:
        engine.dispose()
    for table, count in changed.items():
        print(f"{table}: {count} rows rekeyed")
    return 0


def cmd_demo(args) -> int:
    from .demo import run_story, write_documents

    def play(url: str) -> None:
        engine = install(url)
        try:
            story = run_story(SqlUnitOfWork(engine))
            if args.documents:
                write_documents(engine, story, Path(args.documents))
        finally:
            engine.dispose()

    if args.database_url:
        play(args.database_url)
        return 0
    with tempfile.TemporaryDirectory(prefix="salesflow-demo-") as tmp:
        play(f"sqlite:///{tmp}/demo.db")
    return 0


def cmd_diagrams(args) -> int:
    """Write the diagrams to --output, and refresh a README's lifecycle section only when --readme names it."""
    from ..statemachine.diagrams import START, lifecycle_markdown, with_diagrams

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(lifecycle_markdown(), encoding="utf-8")
    print(f"wrote {out}")
    if args.readme:
        readme = Path(args.readme)
        text = readme.read_text(encoding="utf-8") if readme.exists() else ""
        if START not in text:
            print(f"salesflow: {readme} has no {START} marker: nothing refreshed there", file=sys.stderr)
            return 1
        readme.write_text(with_diagrams(text), encoding="utf-8")
        print(f"refreshed the diagrams in {readme}")
    return 0


def cmd_serve(args) -> int:
    from .server import serve
    from .settings import Settings

    settings = Settings.from_env(
        database_url=args.database_url,
        host=args.host,
        port=args.port,
        workers=args.workers,
        cors_origins=args.cors_origins,
        cors_headers=args.cors_headers,
        graphql_ide=False if args.no_ide else None,
        introspection=False if args.no_introspection else None,
        compiled_reads=False if args.no_compiled_reads else None,
        sync=True if args.sync else None,
        accounting=args.accounting,
        max_cost=args.max_cost,
        query_timeout=args.query_timeout,
        max_body_bytes=args.max_body_bytes,
        max_response_bytes=args.max_response_bytes,
        max_subscriptions_per_socket=args.max_subscriptions_per_socket,
        max_subscriptions_per_user=args.max_subscriptions_per_user,
        max_read_bytes=args.max_read_bytes,
    )
    serve(settings)
    return 0


def cmd_schema(args) -> int:
    from ..schema.schema import sdl

    Path(args.output).write_text(sdl(), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


def cmd_sync(args) -> int:
    from ..adapters.registry import load
    from .settings import Settings
    from .syncing import health, run, worker_for

    settings = Settings.from_env(
        database_url=args.database_url, accounting=args.accounting, sync_interval=args.interval
    )
    if args.check:  # the backends only: no database is touched
        answers = health(load(settings.accounting))
        for name, answer in answers:
            print(f"{name}: {'ok' if answer.ok else 'NOT OK'} {answer.detail}".rstrip())
        return 0 if all(answer.ok for _name, answer in answers) else 3
    worker, close = worker_for(settings)
    if args.retry_dead:
        try:
            for backend in worker.backends:
                print(f"{backend.name}: {worker.retry_dead(backend.name)} dead jobs queued again")
        except BaseException:
            close()
            raise
    return _until_stopped(run, worker, settings.sync_interval, close, once=args.once)


def _until_stopped(run, worker, interval: float, close, *, once: bool) -> int:
    """A background worker's loop in the foreground (sync, mail): until Ctrl-C, or one pass with --once."""
    import threading

    try:
        run(worker, interval, threading.Event(), once=once, report=lambda line: print(line, flush=True))
    except KeyboardInterrupt:
        pass
    finally:
        close()
    return 0


def cmd_mail(args) -> int:
    from .mailing import run, worker_for
    from .settings import Settings

    settings = Settings.from_env(database_url=args.database_url, mail_interval=args.interval)
    worker, close = worker_for(settings)
    if worker.server is None:
        print("no SMTP server is configured (SALESFLOW_SMTP_HOST): queued mails wait", flush=True)
    return _until_stopped(run, worker, settings.mail_interval, close, once=args.once)


def cmd_expire_quotes(args) -> int:
    from ..statemachine.quote import expire_quotes

    engine = open_installed(database_url(args))
    try:
        expired = expire_quotes(SqlUnitOfWork(engine))
    finally:
        engine.dispose()
    print(
        f"{len(expired)} lapsed quote{'' if len(expired) == 1 else 's'} expired"
        + "".join(f"\n  {quote.display_number} (valid until {quote.valid_until})" for quote in expired)
    )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="salesflow", description="The salesflow sales module.")
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("migrate", help="create or upgrade the database and load the data files")
    m.add_argument("--database-url", help=f"default: ${ENV_DATABASE_URL} or {DEFAULT_URL}")
    m.set_defaults(run=cmd_migrate)
    r = sub.add_parser(
        "reindex",
        help="recompute the duplicate and search keys of every record (after changing "
        "$SALESFLOW_PHONE_REGIONS or upgrading the normalisation)",
    )
    r.add_argument("--database-url", help=f"default: ${ENV_DATABASE_URL} or {DEFAULT_URL}")
    r.set_defaults(run=cmd_reindex)
    d = sub.add_parser("demo", help="play the whole seed story on a fresh database and print it")
    d.add_argument("--database-url", help="a database to play it on (default: a temporary SQLite file)")
    d.add_argument(
        "--documents",
        default="salesflow-demo-documents",
        metavar="DIR",
        help="write the proforma and the invoices there as PDFs in en and fa (default: %(default)s; '' to skip)",
    )
    d.set_defaults(run=cmd_demo)
    s = sub.add_parser("serve", help="migrate if needed and serve GraphQL on /graphql")
    s.add_argument("--host", help="default: $SALESFLOW_HOST or 127.0.0.1")
    s.add_argument("--port", type=int, help="default: $SALESFLOW_PORT or 8000")
    s.add_argument("--database-url", help=f"default: ${ENV_DATABASE_URL} or {DEFAULT_URL}")
    s.add_argument("--workers", type=int, help="worker processes (default: $SALESFLOW_WORKERS or 1)")
    s.add_argument(
        "--cors-origins",
        help="comma-separated origins (scheme://host[:port]) whose pages may call from a browser, or * for any "
        "(default: $SALESFLOW_CORS_ORIGINS or none)",
    )
    s.add_argument(
        "--cors-headers",
        help="comma-separated request headers those pages may send besides the usual ones (Authorization, "
        "Content-Type, Apollo's apollographql-client-*, traceparent, sentry-trace …; $SALESFLOW_CORS_HEADERS)",
    )
    s.add_argument("--no-ide", action="store_true", help="do not serve the GraphiQL IDE")
    s.add_argument("--no-introspection", action="store_true", help="refuse introspection (and field suggestions)")
    s.add_argument(
        "--no-compiled-reads",
        action="store_true",
        help="answer every query with the resolvers, not one SQL statement per root field (same answers, slower)",
    )
    s.add_argument("--sync", action="store_true", help="also run the accounting sync worker (or $SALESFLOW_SYNC=1)")
    s.add_argument("--accounting", help="backends, comma-separated (default: $SALESFLOW_ACCOUNTING or local)")
    s.add_argument(
        "--max-cost",
        type=int,
        help="the most a query may cost, 0 for no limit (default: $SALESFLOW_MAX_COST or 200000)",
    )
    s.add_argument(
        "--query-timeout",
        type=float,
        help="seconds a query or mutation may run, 0 for no limit (default: $SALESFLOW_QUERY_TIMEOUT or 10)",
    )
    s.add_argument(
        "--max-body-bytes",
        type=int,
        help="largest request body or WebSocket message (default: $SALESFLOW_MAX_BODY_BYTES or 2097152)",
    )
    s.add_argument(
        "--max-response-bytes",
        type=int,
        help="largest answer (JSON bytes) to a query, mutation or subscription event, 0 for no limit "
        "(default: $SALESFLOW_MAX_RESPONSE_BYTES or 16777216)",
    )
    s.add_argument(
        "--max-subscriptions-per-socket",
        type=int,
        help="operations one WebSocket may run at once, 0 for no limit "
        "(default: $SALESFLOW_MAX_SUBSCRIPTIONS_PER_SOCKET or 10)",
    )
    s.add_argument(
        "--max-subscriptions-per-user",
        type=int,
        help="operations one user's WebSockets may run at once in one process, 0 for no limit "
        "(default: $SALESFLOW_MAX_SUBSCRIPTIONS_PER_USER or 30)",
    )
    s.add_argument(
        "--max-read-bytes",
        type=int,
        help="most text a request may read from the store, 0 for no limit "
        "(default: $SALESFLOW_MAX_READ_BYTES or 67108864)",
    )
    s.set_defaults(run=cmd_serve)
    add_people_commands(sub)  # token …, user …
    add_series_commands(sub)  # series list, series set-calendar
    ml = sub.add_parser("mail", help="send the queued e-mails of sent quotes and issued invoices (serve does it too)")
    ml.add_argument("--once", action="store_true", help="one pass, then exit")
    ml.add_argument("--interval", type=float, help="seconds between passes (default: $SALESFLOW_MAIL_INTERVAL or 5)")
    ml.add_argument("--database-url", help=f"default: ${ENV_DATABASE_URL} or {DEFAULT_URL}")
    ml.set_defaults(run=cmd_mail)
    y = sub.add_parser("sync", help="deliver issued and voided invoices to the accounting backends")
    y.add_argument("--once", action="store_true", help="one pass, then exit")
    y.add_argument("--interval", type=float, help="seconds between passes (default: $SALESFLOW_SYNC_INTERVAL or 5)")
    y.add_argument("--check", action="store_true", help="ask each backend whether it is reachable, then exit")
    y.add_argument("--retry-dead", action="store_true", help="queue every dead-lettered job again first")
    y.add_argument("--accounting", help="backends, comma-separated (default: $SALESFLOW_ACCOUNTING or local)")
    y.add_argument("--database-url", help=f"default: ${ENV_DATABASE_URL} or {DEFAULT_URL}")
    y.set_defaults(run=cmd_sync)
    x = sub.add_parser("schema", help="export the GraphQL SDL (the committed schema.graphql)")
    x.add_argument("--output", default="schema.graphql")
    x.set_defaults(run=cmd_schema)
    g = sub.add_parser("diagrams", help="write a mermaid state diagram per lifecycle")
    g.add_argument("--output", default="docs/lifecycle.md")
    g.add_argument(
        "--readme",
        help="also refresh the diagrams between the lifecycle markers of this file (the repository's README.md, say)",
    )
    g.set_defaults(run=cmd_diagrams)
    e = sub.add_parser("expire-quotes", help="expire every sent quote whose validity has passed (serve does it daily)")
    e.add_argument("--database-url", help=f"default: ${ENV_DATABASE_URL} or {DEFAULT_URL}")
    e.set_defaults(run=cmd_expire_quotes)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .settings import SettingError, Settings

    regions = os.environ.get("SALESFLOW_PHONE_REGIONS", Settings.phone_regions)
    try:
        use_phone_regions(regions.split(","))  # before any command keys a phone number (migrate, reindex …)
    except ValueError as err:
        print(f"salesflow: SALESFLOW_PHONE_REGIONS: {err}", file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except DomainError as err:
        field = f" ({'.'.join(err.field)})" if err.field else ""
        print(f"salesflow: {err.code.value}{field}: {err.message}", file=sys.stderr)
        return 1
    except NoDatabase as err:
        print(
            f"salesflow: {err}. Create it with `salesflow migrate --database-url URL` (serve creates it too), or "
            f"name the existing one with --database-url or ${ENV_DATABASE_URL}.",
            file=sys.stderr,
        )
        return 2
    except (UnsupportedDatabase, SettingError) as err:
        print(f"salesflow: {err}", file=sys.stderr)
        return 2
    except (ArgumentError, OperationalError) as err:
        where = getattr(args, "database_url", None) or os.environ.get(ENV_DATABASE_URL) or DEFAULT_URL
        print(
            f"salesflow: cannot use the database at {_where(where)}: {getattr(err, 'orig', None) or err}".rstrip(),
            file=sys.stderr,
        )
        return 2
    except BrokenPipeError:
        # The reader went away (`salesflow user list | head`): what was printed is all it wanted. Point
        # stdout at /dev/null so the interpreter's final flush does not raise again, and exit as `cat` does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # SIGPIPE


def _where(url: str) -> str:
    try:
        return describe(url)
    except ArgumentError:
        return repr(url)


if __name__ == "__main__":
    sys.exit(main())
