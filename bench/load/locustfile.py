"""Locust users of the load test (issue 20): procurement leads browsing, vendors uploading deliveries.

Run by ``bench/load/run.py``, which starts the server and workers, creates the users this
file signs in as and checks the outcome; see the README's section "Load test". Settings come
from the environment the driver sets:

- ``LOAD_LEADS`` and ``LOAD_VENDORS``: comma-separated usernames, all with ``LOAD_PASSWORD``;
- ``LOAD_ROWS``: rows per uploaded delivery (10,000);
- ``LOAD_UPLOADS``: the file each accepted upload's batch id and reference is appended to.

A lead signs in through the login page (a session, as a browser) and opens the pages of the
issue: the dashboard, ``/batches/`` with and without filters, a contract page with its trends,
a vendor page, the breaches and findings, a batch page. A vendor signs in for an API token,
uploads a simulated delivery of ``LOAD_ROWS`` rows (unique content and reference each time)
through ``POST /api/v1/batches/`` and polls its status as a delivery pipeline would.
"""

import itertools
import os
import random
import re
import uuid

from locust import HttpUser, between, task

from sla.simulate import DeliverySpec, simulate_delivery

PASSWORD = os.environ.get("LOAD_PASSWORD", "load-test-password")
ROWS = int(os.environ.get("LOAD_ROWS", "10000"))
UPLOADS = os.environ.get("LOAD_UPLOADS", "load-uploads.csv")
LEADS = itertools.cycle(os.environ.get("LOAD_LEADS", "load-lead").split(","))
VENDORS = itertools.cycle(os.environ.get("LOAD_VENDORS", "load-vendor").split(","))
ITEMS_PER_ROW = 0.89  # a delivery of 10,000 rows holds about 8,900 items (10% overlap, a third of it triple)


def delivery_csv(seed: int) -> bytes:
    """A delivery of exactly ``ROWS`` rows in the canonical columns, different for every seed."""
    delivery = simulate_delivery(DeliverySpec(items=int(ROWS * ITEMS_PER_ROW) + 50, seed=seed))
    return delivery.annotations.head(ROWS).to_csv(index=False).encode()


class LeadUser(HttpUser):
    """A procurement lead going through the pages of a big portfolio."""

    weight = 4
    wait_time = between(1, 4)

    def on_start(self):
        username = next(LEADS)
        # The ids to visit, read through the API before signing in (a session would ask the API for CSRF).
        token = self.client.post("/api/v1/auth/token/", json={"username": username, "password": PASSWORD})
        token.raise_for_status()
        headers = {"Authorization": f"Token {token.json()['token']}"}
        contracts = self.client.get("/api/v1/contracts/", headers=headers, name="/api/v1/contracts/").json()["results"]
        self.contracts = [c["id"] for c in contracts]
        self.vendors = sorted({c["vendor"] for c in contracts})
        self.client.get("/accounts/login/", name="/accounts/login/")
        response = self.client.post(
            "/accounts/login/",
            {"username": username, "password": PASSWORD},
            headers={
                "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
                "Referer": self.host + "/accounts/login/",
            },
            name="/accounts/login/ (POST)",
        )
        response.raise_for_status()

    @task(4)
    def dashboard(self):
        self.client.get("/", name="dashboard /")

    @task(3)
    def batches(self):
        self.client.get("/batches/", name="/batches/")

    @task(2)
    def batches_filtered(self):
        self.client.get(f"/batches/?status=evaluated&vendor={random.choice(self.vendors)}", name="/batches/?filters")

    @task(3)
    def contract(self):
        self.client.get(f"/contracts/{random.choice(self.contracts)}/", name="/contracts/[id]/")

    @task(2)
    def vendor(self):
        self.client.get(f"/vendors/{random.choice(self.vendors)}/", name="/vendors/[id]/")

    @task(2)
    def breaches(self):
        self.client.get("/breaches/", name="/breaches/")

    @task(1)
    def findings(self):
        self.client.get("/findings/?verdict=fail", name="/findings/?verdict=fail")

    @task(2)
    def batch(self):
        listing = self.client.get("/batches/", name="/batches/").text
        found = re.findall(r'href="/batches/(\d+)/"', listing)
        if found:
            self.client.get(f"/batches/{random.choice(found)}/", name="/batches/[id]/")


class VendorUser(HttpUser):
    """A vendor's delivery pipeline: upload a batch through the API, then poll until it is judged."""

    weight = 1
    wait_time = between(5, 15)

    def on_start(self):
        self.username = next(VENDORS)
        response = self.client.post("/api/v1/auth/token/", json={"username": self.username, "password": PASSWORD})
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Token {response.json()['token']}"
        self.contracts = self.client.get("/api/v1/contracts/", name="/api/v1/contracts/").json()["results"]
        self.task_type = self.client.get("/api/v1/task-types/", name="/api/v1/task-types/").json()["results"][0]["id"]

    @task
    def deliver(self):
        reference = f"load-{self.username}-{uuid.uuid4().hex[:12]}"
        content = delivery_csv(random.randrange(2**31))
        response = self.client.post(
            "/api/v1/batches/",
            data={"contract": random.choice(self.contracts)["id"], "task_type": self.task_type, "reference": reference},
            files={"file": (f"{reference}.csv", content, "text/csv")},
            name="/api/v1/batches/ (upload 10,000 rows)",
        )
        if response.status_code not in (201, 202):
            return
        batch = response.json()["id"]
        with open(UPLOADS, "a") as uploads:
            uploads.write(f"{batch},{reference}\n")
        for _ in range(5):
            self.wait()
            status = self.client.get(f"/api/v1/batches/{batch}/", name="/api/v1/batches/[id]/").json()["status"]
            if status not in ("received", "processing"):
                break
