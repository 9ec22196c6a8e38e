"""The company profile over GraphQL: every signed-in role reads it, only an admin changes it, and every
bad field is a coded error naming it that changes nothing. Accounts carry the same tax identity."""

from __future__ import annotations

import base64

import pytest

from salesflow.domain.access import ROLES

COMPANY = (
    "legalName country address postalCode nationalId economicCode taxNumber taxOffice vatNumber phone email "
    "bankDetails defaultLocale paymentTerms irrDisplay hasLogo logoContentType version"
)
READ = "{ company { %s } }" % COMPANY
UPDATE = (
    "mutation($i: UpdateCompanyInput!) { updateCompany(input: $i) { company { %s } errors { code field message } } }"
    % COMPANY
)
ACCOUNT = "id name country nationalId economicCode taxNumber taxOffice vatNumber postalCode version"
CREATE_ACCOUNT = (
    "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { %s } errors { code field message } } }"
    % ACCOUNT
)
UPDATE_ACCOUNT = (
    "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { %s } errors { code field message } } }"
    % ACCOUNT
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>'


def company(client) -> dict:
    return client.run(READ)["company"]


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_role_reads_the_company_profile(gateway, role):
    profile = company(gateway.client(f"reader-{role}", role))
    assert profile["legalName"] == "Your Company"
    assert (profile["defaultLocale"], profile["irrDisplay"], profile["hasLogo"]) == ("en", "RIAL", False)


def test_without_a_token_the_profile_is_not_answered(gateway):
    from gql import GraphQL, code

    assert code(GraphQL(gateway.http, None).post(READ)) == "UNAUTHENTICATED"


def test_an_admin_sets_up_an_iranian_seller_in_canonical_form(admin):
    data = {
        "legalName": "شرکت پارس‌تک",
        "country": "ir",
        "address": "تهران، خیابان آزادی، پلاک ۱۲",
        "postalCode": "۱۴۵۸۸-۸۹۶۹۴",
        "nationalId": "۱۰۳۸۰۲۸۴۷۹۰",
        "economicCode": "411111111111",
        "bankDetails": "شبا: IR06 2960 0000 0010 0324 2000 01",
        "defaultLocale": "fa_ir",
        "irrDisplay": "TOMAN",
        "logo": "data:image/svg+xml;base64," + base64.b64encode(SVG).decode(),
        "expectedVersion": 1,
    }
    changed = admin.mutate("updateCompany", UPDATE, {"i": data})["company"]
    assert changed == company(admin)
    assert (changed["country"], changed["postalCode"], changed["nationalId"]) == ("IR", "1458889694", "10380284790")
    assert (changed["defaultLocale"], changed["irrDisplay"], changed["version"]) == ("fa-IR", "TOMAN", 2)
    assert (changed["hasLogo"], changed["logoContentType"]) == (True, "image/svg+xml")


def test_omitted_fields_keep_their_value_and_null_clears_one(admin):
    admin.mutate("updateCompany", UPDATE, {"i": {"phone": "+98 21 1234 5678", "email": "sales@example.com"}})
    cleared = admin.mutate("updateCompany", UPDATE, {"i": {"phone": None}})["company"]
    assert (cleared["phone"], cleared["email"]) == (None, "sales@example.com")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_an_admin_may_change_the_profile(gateway, admin, role):
    before = company(admin)
    body = gateway.client(f"user-{role}", role).post(UPDATE, {"i": {"legalName": "Hijacked Ltd"}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert company(admin) == before


BAD_INPUT = [
    ({"country": "IR", "nationalId": "0076229646"}, "INVALID_TAX_ID", ["nationalId"]),
    ({"country": "TR", "taxNumber": "4540536921"}, "INVALID_TAX_ID", ["taxNumber"]),
    ({"country": "DE", "nationalId": "10380284790"}, "INVALID_TAX_ID", ["nationalId"]),
    ({"vatNumber": "DE136695977"}, "INVALID_TAX_ID", ["vatNumber"]),
    ({"defaultLocale": "de-DE"}, "UNKNOWN_LOCALE", ["defaultLocale"]),
    ({"defaultLocale": None}, "UNKNOWN_LOCALE", ["defaultLocale"]),
    ({"logo": "data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode()}, "INVALID_IMAGE", ["logo"]),
    ({"logo": "not base64 at all!"}, "INVALID_IMAGE", ["logo"]),
    ({"logo": "iVBORw0K\x00GgoAAAANSUhEUg=="}, "INVALID_IMAGE", ["logo"]),
    (
        {"logo": base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>').decode()},
        "INVALID_IMAGE",
        ["logo"],
    ),
    ({"legalName": None}, "VALIDATION", ["legalName"]),
    ({"country": "Persia"}, "VALIDATION", ["country"]),
    ({"expectedVersion": 7}, "CONFLICT", ["expectedVersion"]),
]


@pytest.mark.parametrize("data, code, field", BAD_INPUT)
def test_a_bad_field_is_a_coded_error_naming_it_and_nothing_changes(admin, store_snapshot, data, code, field):
    before, counts = company(admin), store_snapshot()
    payload = admin.run(UPDATE, {"i": {"paymentTerms": "Net 7", "phone": "+90 212 000 00 00", **data}})["updateCompany"]
    assert payload["company"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert company(admin) == before
    assert store_snapshot() == counts


def test_a_logo_over_one_mebibyte_is_refused_naming_it(tuned, store_snapshot):
    gateway = tuned()  # the default body limit leaves room for a logo just over its own limit
    admin = gateway.client("root", "admin")
    before, counts = company(admin), store_snapshot()
    oversized = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * (1024 * 1024)
    payload = admin.run(UPDATE, {"i": {"logo": base64.b64encode(oversized).decode()}})["updateCompany"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_IMAGE", ["logo"])]
    assert "1,048,576" in payload["errors"][0]["message"]
    assert company(admin) == before and store_snapshot() == counts


# --- accounts ----------------------------------------------------------------------------------


def test_an_account_is_created_and_moved_with_its_tax_identity(admin):
    made = admin.mutate(
        "createAccount",
        CREATE_ACCOUNT,
        {"i": {"name": "Yıldız Tekstil A.Ş.", "country": "TR", "taxNumber": "۴۵۴۰۵۳۶۹۲۰", "taxOffice": "Kadıköy"}},
    )["account"]
    assert (made["country"], made["taxNumber"], made["taxOffice"]) == ("TR", "4540536920", "Kadıköy")
    moved = admin.mutate(
        "updateAccount",
        UPDATE_ACCOUNT,
        {
            "i": {
                "accountId": made["id"],
                "country": "DE",
                "taxNumber": None,
                "taxOffice": None,
                "vatNumber": "136695976",
            }
        },
    )["account"]
    assert (moved["country"], moved["taxNumber"], moved["vatNumber"], moved["version"]) == (
        "DE",
        None,
        "DE136695976",
        2,
    )


def test_an_account_with_an_invalid_tax_id_is_refused_and_unchanged(admin, store_snapshot):
    made = admin.mutate(
        "createAccount", CREATE_ACCOUNT, {"i": {"name": "Pars Tech", "country": "IR", "nationalId": "10380284790"}}
    )["account"]
    counts = store_snapshot()
    refused = admin.run(CREATE_ACCOUNT, {"i": {"name": "Other", "country": "IR", "economicCode": "10380284791"}})[
        "createAccount"
    ]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID_TAX_ID", ["economicCode"])]
    changed = admin.run(UPDATE_ACCOUNT, {"i": {"accountId": made["id"], "name": "Renamed", "country": "TR"}})
    assert [(e["code"], e["field"]) for e in changed["updateAccount"]["errors"]] == [("INVALID_TAX_ID", ["nationalId"])]
    assert store_snapshot() == counts
    node = admin.run("query($id: ID!) { node(id: $id) { ... on Account { %s } } }" % ACCOUNT, {"id": made["id"]})
    assert node["node"] == made
