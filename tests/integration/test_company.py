"""The company profile and the tax identity of accounts, through the real store (SQLite and PostgreSQL):
loaded at install, edited by an admin in canonical form, every bad field refused with nothing changed."""

from __future__ import annotations

import base64
import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy import inspect as sa_inspect

from salesflow.adapters.sql import install, load_data
from salesflow.adapters.sql import tables as t
from salesflow.adapters.sql.data_loader import ROOT, load_file
from salesflow.domain.company import COMPANY_ID
from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.parties import User
from salesflow.statemachine import records
from salesflow.statemachine.company import checked_changes, the_company, update_company

SVG_LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'
PNG_LOGO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
)


def company_csv() -> dict:
    with (ROOT / "data" / "company.csv").open(newline="", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    return row


def company_row(engine) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(select(t.company)).mappings().one())


@pytest.fixture
def admin(uow) -> User:
    now = datetime.now(UTC)
    with uow:
        user = uow.users.add(User(name="root", role="admin", created_at=now, updated_at=now))
        uow.commit()
    return user


def test_install_loads_the_company_profile_from_its_data_file(engine):
    row, shipped = company_row(engine), company_csv()
    assert row["id"] == COMPANY_ID and row["version"] == 1
    assert row["legal_name"] == shipped["legal_name"]
    assert row["default_locale"] == shipped["default_locale"] == "en"
    assert row["payment_terms"] == shipped["payment_terms"]
    assert row["irr_display"] == "rial" and row["logo"] is None and row["national_id"] is None


def test_the_shipped_profile_passes_the_checks_an_admins_edit_must_pass(uow):
    shipped = {k: v or None for k, v in company_csv().items() if k not in ("id", "logo")}
    with uow:
        company = the_company(uow)
        assert checked_changes(company, dict(shipped)) == shipped


def test_an_admins_edit_of_the_profile_survives_reloading_the_data_files(uow, admin, engine, database_url):
    update_company(uow, legal_name="Pars Tech", payment_terms="Net 15", actor=admin)
    load_data(engine)
    install(database_url).dispose()  # the whole `salesflow migrate` again
    row = company_row(engine)
    assert (row["legal_name"], row["payment_terms"], row["version"]) == ("Pars Tech", "Net 15", 2)
    with engine.connect() as conn:
        assert conn.scalar(select(t.external_ids.c.res_id).where(t.external_ids.c.model == "company")) == COMPANY_ID


def test_an_iranian_profile_is_stored_in_canonical_form(uow, admin):
    company = update_company(
        uow,
        legal_name="  شرکت پارس‌تک  ",
        country="ir",
        address="تهران، خیابان آزادی\nپلاک ۱۲",
        postal_code="۱۴۵۸۸-۸۹۶۹۴",
        national_id="۱۰۳-۸۰۲۸۴-۷۹۰",
        economic_code="10380284790",
        default_locale="fa_ir",
        irr_display="toman",
        bank_details="IR062960000000100324200001",
        actor=admin,
    )
    with uow:
        stored = the_company(uow)
    for read in (company, stored):
        assert read.legal_name == "شرکت پارس‌تک"
        assert (read.country, read.postal_code, read.national_id) == ("IR", "1458889694", "10380284790")
        assert (read.default_locale, read.irr_display, read.version) == ("fa-IR", "toman", 2)
        assert read.address == "تهران، خیابان آزادی\nپلاک ۱۲"


def test_a_change_is_on_record_with_who_made_it_and_which_fields(uow, admin):
    update_company(uow, bank_details="TR33 0006 1005 1978 6457 8413 26", phone="+90 212 000 00 00", actor=admin)
    with uow:
        (activity,) = uow.activities.find(document_type="company")
    assert (activity.actor_id, activity.document_id, activity.trigger) == (admin.id, COMPANY_ID, "update")
    assert activity.reason == "changed phone, bankDetails"


def test_sending_what_is_already_there_changes_nothing(uow, admin):
    company = update_company(uow, legal_name="Your Company", actor=admin)
    assert company.version == 1
    with uow:
        assert uow.activities.find(document_type="company") == []


def test_a_logos_bytes_come_back_exactly_and_null_removes_it(uow, admin, engine):
    update_company(uow, logo=base64.b64encode(PNG_LOGO).decode(), actor=admin)
    row = company_row(engine)
    assert (bytes(row["logo"]), row["logo_content_type"]) == (PNG_LOGO, "image/png")
    update_company(uow, logo="data:image/svg+xml;base64," + base64.b64encode(SVG_LOGO).decode(), actor=admin)
    assert company_row(engine)["logo_content_type"] == "image/svg+xml"
    update_company(uow, logo=None, actor=admin)
    row = company_row(engine)
    assert (row["logo"], row["logo_content_type"], row["version"]) == (None, None, 4)


def test_an_edit_at_a_version_read_before_another_is_a_conflict(uow, admin, engine):
    update_company(uow, phone="1", actor=admin)
    with pytest.raises(DomainError) as err:
        update_company(uow, phone="2", expected_version=1, actor=admin)
    assert err.value.code == ErrorCode.CONFLICT
    assert company_row(engine)["phone"] == "1"


BAD_CHANGES = [
    ({"country": "IR", "national_id": "0076229646"}, ErrorCode.INVALID_TAX_ID, "nationalId"),
    ({"country": "TR", "tax_number": "4540536921"}, ErrorCode.INVALID_TAX_ID, "taxNumber"),
    ({"country": "TR", "economic_code": "411111111111"}, ErrorCode.INVALID_TAX_ID, "economicCode"),
    ({"vat_number": "DE136695977"}, ErrorCode.INVALID_TAX_ID, "vatNumber"),
    ({"country": "IR", "postal_code": "1208889694"}, ErrorCode.INVALID_TAX_ID, "postalCode"),
    ({"default_locale": "de-DE"}, ErrorCode.UNKNOWN_LOCALE, "defaultLocale"),
    ({"default_locale": "klingon"}, ErrorCode.UNKNOWN_LOCALE, "defaultLocale"),
    ({"logo": base64.b64encode(b"%PDF-1.7 pretending").decode()}, ErrorCode.INVALID_IMAGE, "logo"),
    ({"logo": base64.b64encode(b"\xff\xd8\xff" + b"\x00" * (1 << 20)).decode()}, ErrorCode.INVALID_IMAGE, "logo"),
    ({"legal_name": "   "}, ErrorCode.VALIDATION, "legalName"),
    ({"country": "Iran"}, ErrorCode.VALIDATION, "country"),
    ({"irr_display": "dinar"}, ErrorCode.VALIDATION, "irrDisplay"),
    ({"email": "x" * 255}, ErrorCode.VALIDATION, "email"),
]


@pytest.mark.parametrize("changes, code, field", BAD_CHANGES)
def test_a_bad_field_is_refused_naming_it_and_nothing_changes(uow, admin, engine, store_snapshot, changes, code, field):
    before, counts = company_row(engine), store_snapshot()
    with pytest.raises(DomainError) as err:
        update_company(uow, **{"payment_terms": "Changed too", "phone": "+98 21 0000 0000", **changes}, actor=admin)
    assert (err.value.code, err.value.field) == (code, (field,))
    assert company_row(engine) == before
    assert store_snapshot() == counts


# --- accounts ----------------------------------------------------------------------------------


def test_an_account_keeps_its_tax_identity_in_canonical_form(uow, actor):
    account = records.create_account(
        uow, "Yıldız Tekstil A.Ş.", country="tr", tax_number="454-053-6920", tax_office=" Kadıköy ", actor=actor
    )
    with uow:
        stored = uow.accounts.get(account.id)
    assert (stored.country, stored.tax_number, stored.tax_office) == ("TR", "4540536920", "Kadıköy")
    moved = records.update_account(
        uow, account.id, country="IR", tax_number=None, tax_office=None, national_id="0076229645", actor=actor
    )
    assert (moved.country, moved.tax_number, moved.national_id, moved.version) == ("IR", None, "0076229645", 2)


def test_an_account_with_a_bad_tax_id_is_not_created(uow, actor, store_snapshot):
    counts = store_snapshot()
    with pytest.raises(DomainError) as err:
        records.create_account(uow, "Bad VAT GmbH", country="DE", vat_number="DE136695977", actor=actor)
    assert (err.value.code, err.value.field) == (ErrorCode.INVALID_TAX_ID, ("vatNumber",))
    assert store_snapshot() == counts


def test_an_accounts_move_to_a_country_its_identifiers_do_not_belong_to_changes_nothing(uow, actor, engine):
    account = records.create_account(uow, "Pars Tech", country="IR", national_id="10380284790", actor=actor)
    with pytest.raises(DomainError) as err:
        records.update_account(uow, account.id, country="TR", name="Renamed", actor=actor)
    assert (err.value.code, err.value.field) == (ErrorCode.INVALID_TAX_ID, ("nationalId",))
    with engine.connect() as conn:
        row = conn.execute(select(t.accounts).where(t.accounts.c.id == account.id)).mappings().one()
    assert (row["name"], row["country"], row["national_id"], row["version"]) == ("Pars Tech", "IR", "10380284790", 1)


def test_the_profile_is_read_with_the_time_of_its_last_change(uow, admin):
    later = datetime.now(UTC) + timedelta(days=3)
    company = update_company(uow, phone="+98 21 1234 5678", actor=admin, now=later)
    assert company.updated_at == later


# --- install and upgrade -----------------------------------------------------------------------


def test_upgrading_from_0012_keeps_the_accounts_and_gives_them_an_empty_tax_identity(engine, uow, actor):
    from salesflow.adapters.sql.migrate import downgrade, upgrade

    account = records.create_account(uow, "Pars Tech", country="IR", national_id="10380284790", actor=actor)
    downgrade(engine, "0012")
    with engine.connect() as conn:
        assert "company" not in sa_inspect(conn).get_table_names()
        assert conn.scalar(select(t.accounts.c.name).where(t.accounts.c.id == account.id)) == "Pars Tech"
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(select(t.accounts).where(t.accounts.c.id == account.id)).mappings().one()
        assert conn.scalar(select(t.company.c.id)) is None  # the data loader fills it, as at install
    assert (row["name"], row["country"], row["national_id"]) == ("Pars Tech", None, None)
    load_data(engine)
    assert company_row(engine)["legal_name"] == company_csv()["legal_name"]


def _profile_file(tmp_path, logo: bytes) -> Path:
    image = tmp_path / "logo.bin"
    image.write_bytes(logo)
    row = {**company_csv(), "logo": str(image)}
    path = tmp_path / "company.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    return path


def test_a_profile_file_may_name_a_logo_whose_bytes_are_loaded_and_typed(empty_company_engine, tmp_path):
    with empty_company_engine.begin() as conn:
        assert load_file(conn, _profile_file(tmp_path, PNG_LOGO), datetime.now(UTC)) == 1
    row = company_row(empty_company_engine)
    assert (bytes(row["logo"]), row["logo_content_type"]) == (PNG_LOGO, "image/png")


def test_a_profile_file_naming_a_logo_that_is_no_image_fails_the_install(empty_company_engine, tmp_path):
    with pytest.raises(DomainError) as err:
        with empty_company_engine.begin() as conn:
            load_file(conn, _profile_file(tmp_path, b"%PDF-1.7"), datetime.now(UTC))
    assert (err.value.code, err.value.field) == (ErrorCode.INVALID_IMAGE, ("logo",))
    with empty_company_engine.connect() as conn:
        assert conn.scalar(select(t.company.c.id)) is None


@pytest.fixture
def empty_company_engine(engine):
    """The store as installed, less its company profile (and the external id that remembers it)."""
    with engine.begin() as conn:
        conn.execute(delete(t.company))
        conn.execute(delete(t.external_ids).where(t.external_ids.c.model == "company"))
    return engine
