"""`salesflow sync` as its own process, killed with SIGKILL again and again while it delivers
300 invoices to a webhook receiver and to the fake Odoo: each arrives exactly once in each."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from datetime import UTC, datetime

from support import issue_invoices, job_statuses

from salesflow.adapters.odoo.fake import FakeOdoo
from salesflow.adapters.sql import SqlUnitOfWork, install
from salesflow.adapters.webhook.receiver import Receiver
from salesflow.domain.parties import User

N = 300
SECRET = "killed-worker-secret-01"


def test_a_worker_killed_mid_delivery_again_and_again_duplicates_nothing(empty_database, cli, tmp_path):
    command, environment = cli
    url = empty_database
    with Receiver(SECRET, keep_bodies=False) as receiver, FakeOdoo() as odoo:
        engine = install(url)
        try:
            uow = SqlUnitOfWork(engine)
            now = datetime.now(UTC)
            with uow:
                actor = uow.users.add(User(name="maryam", role="sales_manager", created_at=now, updated_at=now))
                uow.commit()
            numbers = [inv.number for inv in issue_invoices(uow, actor, N)]
            env = {
                **environment,
                "SALESFLOW_ACCOUNTING": "webhook,odoo",
                "SALESFLOW_WEBHOOK_URL": receiver.url,
                "SALESFLOW_WEBHOOK_SECRET": SECRET,
                "SALESFLOW_ODOO_URL": odoo.url,
                "SALESFLOW_ODOO_DB": odoo.db,
                "SALESFLOW_ODOO_API_KEY": odoo.api_key,
                "SALESFLOW_SYNC_LEASE_SECONDS": "1",
            }
            command += ["sync", "--interval", "0.05", "--database-url", url]
            rng, kills, deadline = random.Random(7), 0, time.monotonic() + 240
            while job_statuses(engine) != {"done": 2 * N}:
                assert time.monotonic() < deadline, job_statuses(engine)
                with open(tmp_path / "sync.log", "ab") as log:
                    worker = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
                time.sleep(rng.uniform(1.5, 3.5))  # starting takes about a second; then it delivers
                if worker.poll() is None:
                    os.killpg(worker.pid, signal.SIGKILL)
                    kills += 1
                worker.wait(timeout=30)
        finally:
            engine.dispose()
        assert kills >= 3, f"the worker was killed only {kills} times"
        assert all(receiver.count("invoice.issued", n) == 1 for n in numbers) and len(receiver.processed) == N
        assert sorted(m["ref"] for m in odoo.moves()) == sorted(numbers)
        assert {m["state"] for m in odoo.moves()} == {"posted"}
