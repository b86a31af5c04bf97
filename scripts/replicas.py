"""Several ``ripeness serve`` replicas on one PostgreSQL log, behind a round-robin HTTP load
balancer, on this machine: the set-up of docs/deploy.md, for trying it out.

    .venv/bin/python scripts/replicas.py                      # a throwaway PostgreSQL, 3 replicas, the balancer on :8000
    .venv/bin/python scripts/replicas.py --db 'postgresql+psycopg://ripeness:PASSWORD@db:5432/jcpoa' --count 4

Without ``--db`` a throwaway PostgreSQL server is started in a temporary folder (PostgreSQL's
programs must be installed: Debian's ``postgresql``) and removed at the end.  The replicas
listen on ``--port`` + 1, + 2, ...; the balancer on ``--port`` sends each request to the next
replica, and to the one after when a replica does not answer.  Ctrl-C stops everything.
The balancer is for trying replicas out; in production use your own (docs/deploy.md)."""

from __future__ import annotations

import argparse
import itertools
import signal
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.backends import postgres  # noqa: E402  # the tests' throwaway server
from tests.e2e.server import Server  # noqa: E402  # and their ripeness serve process

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}


def balancer(replicas: list[str]) -> Starlette:
    """Round-robin over ``replicas``; a replica that does not answer is skipped for this request."""
    turns = itertools.count()
    client = httpx.AsyncClient(timeout=120)

    async def forward(request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        start = next(turns)
        for attempt in range(len(replicas)):
            base = replicas[(start + attempt) % len(replicas)]
            try:
                reply = await client.request(request.method, base + request.url.path, params=request.url.query,
                                             headers=headers, content=body)
            except httpx.TransportError:
                continue
            kept = {k: v for k, v in reply.headers.items() if k.lower() not in HOP_BY_HOP | {"content-encoding"}}
            return Response(reply.content, reply.status_code, kept)
        return Response("no replica answers\n", 502, media_type="text/plain")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)])


@contextmanager
def replica(db: str, port: int, rules: str, tokens: str | None, load_facts: bool, log: Path) -> Iterator[str]:
    """One ``ripeness serve`` on ``port`` (the tests' ``Server``), answering ``/health``; its URL."""
    given = Path(rules)
    server = Server(db, log.resolve(), load_facts=load_facts, port=port, rules=str(given.resolve()) if given.exists() else rules,
                    options=["--tokens", str(Path(tokens).resolve())] if tokens else [])
    try:
        server.start()
    except AssertionError as failed:  # it exited, or never answered: say why, as the tests would
        raise SystemExit(f"replica on port {port}: {failed}") from None
    try:
        assert server.process is not None
        print(f"replica  {server.url}  (pid {server.process.pid}, log {log})", flush=True)
        yield server.url
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="the PostgreSQL log's SQLAlchemy URL (default: a throwaway server)")
    parser.add_argument("--count", type=int, default=3, help="how many replicas (default 3)")
    parser.add_argument("--port", type=int, default=8000, help="the balancer's port; replicas take the next ones")
    parser.add_argument("--rules", default="jcpoa", help="the scenario folder (or its name under rules/)")
    parser.add_argument("--tokens", help="token file, as ripeness serve --tokens")
    parser.add_argument("--logs", type=Path, default=Path("."), help="folder for the replicas' logs (replica-N.log)")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count is at least 1")
    with ExitStack() as stack:
        db = args.db
        if db is None:
            server = stack.enter_context(postgres())
            db = server.fresh_url()
            print(f"postgres {server.admin_url.set(database=db.rsplit('/', 1)[1]).render_as_string(hide_password=True)}"
                  " (throwaway)", flush=True)
        urls = [stack.enter_context(replica(db, args.port + 1 + i, args.rules, args.tokens, i == 0,
                                            args.logs / f"replica-{i + 1}.log")) for i in range(args.count)]
        print(f"balancer http://127.0.0.1:{args.port}  (round robin over {len(urls)} replicas; Ctrl-C stops all)", flush=True)
        signal.signal(signal.SIGTERM, _stop)  # uvicorn passes a SIGTERM on once it stopped: then clean up as for Ctrl-C
        uvicorn.run(balancer(urls), host="127.0.0.1", port=args.port, log_level="warning")


def _stop(_signal: int, _frame: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    main()
