"""Messages in the viewer's language: the user's own locale, else Accept-Language, else English; codes never change."""

from __future__ import annotations

import pytest

SEND = "mutation($i: SendQuoteInput!) { sendQuote(input: $i) { quote { id } errors { code field message } } }"
SET_LOCALE = (
    "mutation($i: SetUserLocaleInput!) { setUserLocale(input: $i) { user { id name locale } "
    "errors { code field message } } }"
)
STAGES = "{ stages { name } }"
MISSING_QUOTE = {"i": {"quoteId": "UXVvdGU6OTk5OQ=="}}  # Quote:9999, which does not exist


def post(gateway, token: str | None, query: str, variables: dict | None = None, language: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if language is not None:
        headers["Accept-Language"] = language
    response = gateway.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    return response.json()


def send_error(gateway, token: str, language: str | None) -> dict:
    [error] = post(gateway, token, SEND, MISSING_QUOTE, language)["data"]["sendQuote"]["errors"]
    return error


@pytest.fixture
def root(gateway) -> str:
    return gateway.token("root", "admin")


def test_a_payload_error_comes_in_persian_and_turkish_with_the_same_code_and_field(gateway, root):
    english, persian, turkish = (send_error(gateway, root, lang) for lang in (None, "fa-IR", "tr-TR"))
    assert english["message"] == "quote 9999 does not exist"
    assert persian["message"] == "پیش‌فاکتور 9999 وجود ندارد"
    assert turkish["message"] == "teklif 9999 mevcut değil"
    assert {e["code"] for e in (english, persian, turkish)} == {"NOT_FOUND"}
    assert english["field"] == persian["field"] == turkish["field"] == ["quoteId"]


def test_a_top_level_forbidden_error_comes_in_the_requested_language(gateway):
    rep = gateway.token("reza", "sales_rep")
    query = 'mutation { setUserRole(input: {userId: "VXNlcjox", role: "admin"}) { errors { code } } }'
    persian = post(gateway, rep, query, language="fa")["errors"][0]
    turkish = post(gateway, rep, query, language="tr")["errors"][0]
    assert persian["extensions"]["code"] == turkish["extensions"]["code"] == "FORBIDDEN"
    assert persian["message"] == "نقش sales_rep اجازهٔ اجرای setUserRole را ندارد"
    assert turkish["message"] == "sales_rep rolü setUserRole işlemini çalıştıramaz"


def test_a_top_level_bad_input_error_comes_in_the_requested_language(gateway, root):
    body = post(gateway, root, "{ leads(first: 1000) { totalCount } }", language="tr")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "`first` 0 ile 100 arasında olmalıdır"


def test_accept_language_is_read_by_its_q_values(gateway, root):
    assert send_error(gateway, root, "en;q=0.3, tr;q=0.9, fa;q=0.5")["message"] == "teklif 9999 mevcut değil"
    assert send_error(gateway, root, "de-DE, fa;q=0.8, tr;q=0.7")["message"] == "پیش‌فاکتور 9999 وجود ندارد"
    assert send_error(gateway, root, "fa;q=0, de")["message"] == "quote 9999 does not exist"


def test_the_users_own_locale_wins_over_accept_language(gateway, root):
    payload = post(gateway, root, SET_LOCALE, {"i": {"locale": "tr_tr"}})["data"]["setUserLocale"]
    assert payload["errors"] == [] and payload["user"]["locale"] == "tr-TR"
    assert send_error(gateway, root, "fa-IR")["message"] == "teklif 9999 mevcut değil"
    post(gateway, root, SET_LOCALE, {"i": {"locale": None}})
    assert send_error(gateway, root, "fa-IR")["message"] == "پیش‌فاکتور 9999 وجود ندارد"


def test_an_unknown_locale_is_refused_naming_the_field_and_changes_nothing(gateway, root):
    payload = post(gateway, root, SET_LOCALE, {"i": {"locale": "de-DE"}}, "fa")["data"]["setUserLocale"]
    assert payload["user"] is None
    [error] = payload["errors"]
    assert (error["code"], error["field"]) == ("UNKNOWN_LOCALE", ["locale"])
    assert "de-DE" in error["message"] and "salesflow" in error["message"]
    viewer = post(gateway, root, "{ viewer { user { locale } } }")["data"]["viewer"]["user"]
    assert viewer["locale"] is None


def test_an_admin_sets_another_users_locale_and_a_sales_rep_may_not(gateway, root):
    rep = gateway.token("reza", "sales_rep")
    reza = post(gateway, rep, "{ viewer { user { id } } }")["data"]["viewer"]["user"]["id"]
    done = post(gateway, root, SET_LOCALE, {"i": {"userId": reza, "locale": "fa-IR"}})["data"]["setUserLocale"]
    assert done["errors"] == [] and done["user"]["locale"] == "fa-IR"
    assert send_error(gateway, rep, None)["message"] == "پیش‌فاکتور 9999 وجود ندارد"
    root_id = post(gateway, root, "{ viewer { user { id } } }")["data"]["viewer"]["user"]["id"]
    refused = post(gateway, rep, SET_LOCALE, {"i": {"userId": root_id, "locale": "tr"}}, "en")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert refused["data"] is None or refused["data"]["setUserLocale"] is None


def test_the_default_stages_are_named_in_the_viewers_language(gateway, root):
    names = {
        lang: [s["name"] for s in post(gateway, root, STAGES, language=lang)["data"]["stages"]]
        for lang in ("en", "fa", "tr")
    }
    assert names["en"][:2] == ["Prospecting", "Qualification"]
    assert names["fa"][:2] == ["شناسایی مشتری", "ارزیابی"]
    assert names["tr"][:2] == ["Müşteri arama", "Nitelendirme"]


def test_a_stage_a_user_created_or_renamed_keeps_its_name_as_written(gateway, root):
    created = post(
        gateway,
        root,
        'mutation { createStage(input: {name: "Site visit", probability: "50"}) { stage { id } errors { code } } }',
    )["data"]["createStage"]
    assert created["errors"] == []
    first = post(gateway, root, "{ stages { id name } }")["data"]["stages"][0]
    renamed = post(
        gateway,
        root,
        "mutation($i: UpdateStageInput!) { updateStage(input: $i) { errors { code } } }",
        {"i": {"stageId": first["id"], "name": "Cold calls"}},
    )["data"]["updateStage"]
    assert renamed["errors"] == []
    names = [s["name"] for s in post(gateway, root, STAGES, language="fa")["data"]["stages"]]
    assert "Site visit" in names and "Cold calls" in names and "ارزیابی" in names


CREATE_ACCOUNT = (
    "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } errors { code field message } } }"
)
UPDATE_COMPANY = (
    "mutation($i: UpdateCompanyInput!) { updateCompany(input: $i) { company { nationalId hasLogo } "
    "errors { code field message } } }"
)


def test_a_turkish_tax_number_failing_its_check_digit_is_explained_in_turkish_and_persian(gateway, root):
    account = {"i": {"name": "Anadolu Tekstil A.Ş.", "country": "TR", "taxNumber": "4540536921"}}
    turkish, persian = (
        post(gateway, root, CREATE_ACCOUNT, account, lang)["data"]["createAccount"] for lang in ("tr", "fa")
    )
    assert turkish["account"] is None and persian["account"] is None
    [in_turkish], [in_persian] = turkish["errors"], persian["errors"]
    assert (
        (in_turkish["code"], in_turkish["field"])
        == (in_persian["code"], in_persian["field"])
        == (
            "INVALID_TAX_ID",
            ["taxNumber"],
        )
    )
    assert in_turkish["message"] == (
        "taxNumber: '4540536921' geçerli bir VKN değil: numaranın sağlama toplamı ya da kontrol hanesi geçersiz"
    )
    assert in_persian["message"] == "taxNumber: '4540536921' VKN معتبری نیست: رقم کنترل شماره نادرست است"


def test_an_iranian_national_code_failing_its_check_digit_is_explained_in_persian(gateway, root):
    seller = {"i": {"country": "IR", "nationalId": "۰۰۷۶۲۲۹۶۴۶"}}  # 0076229645 is valid: the last digit is off
    payload = post(gateway, root, UPDATE_COMPANY, seller, "fa-IR")["data"]["updateCompany"]
    assert payload["company"] is None
    [error] = payload["errors"]
    assert (error["code"], error["field"]) == ("INVALID_TAX_ID", ["nationalId"])
    assert error["message"] == "nationalId: '۰۰۷۶۲۲۹۶۴۶' کد ملی معتبری برای شخص حقیقی نیست: رقم کنترل آن نادرست است"
    assert post(gateway, root, "{ company { nationalId } }")["data"]["company"]["nationalId"] is None


def test_a_logo_that_is_not_an_image_is_refused_in_persian_and_turkish(gateway, root):
    logo = {"i": {"logo": "aGVsbG8="}}  # base64 of "hello"
    persian, turkish = (
        post(gateway, root, UPDATE_COMPANY, logo, lang)["data"]["updateCompany"] for lang in ("fa", "tr")
    )
    assert [(e["code"], e["field"], e["message"]) for e in persian["errors"]] == [
        ("INVALID_IMAGE", ["logo"], "logo: تصویر PNG، JPEG یا SVG نیست (SVG نباید اسکریپت یا پیوند بیرونی داشته باشد)")
    ]
    assert [(e["code"], e["field"], e["message"]) for e in turkish["errors"]] == [
        (
            "INVALID_IMAGE",
            ["logo"],
            "logo: PNG, JPEG ya da SVG görseli değil (bir SVG betik ya da dış bağlantı içeremez)",
        )
    ]
    assert post(gateway, root, "{ company { hasLogo } }")["data"]["company"]["hasLogo"] is False
