"""Tax identifiers: each checked by its own algorithm, typed any way people type them, kept in one form.

The valid numbers are public examples: the Iranian legal ID from persian-tools' documentation, the
Iranian national codes from rust-persian-tools' and other validators' examples, the Turkish VKN and
TCKN and the VAT numbers from python-stdnum's documentation.
"""

from __future__ import annotations

import pytest

from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.taxids import (
    check_country,
    check_identifier,
    check_tax_identity,
    compact,
    legal_id_is_valid,
    person_code_is_valid,
)


def refused(name: str, value: str, country: str | None) -> DomainError:
    with pytest.raises(DomainError) as err:
        check_identifier(name, value, country)
    assert err.value.code == ErrorCode.INVALID_TAX_ID
    return err.value


# --- Iran ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["0076229645", "1583250689", "0499370899", "0084575948"])
def test_a_persons_national_code_passes_its_mod_11_check_digit(code):
    assert person_code_is_valid(code)
    assert check_identifier("national_id", code, "IR") == code


@pytest.mark.parametrize("code", ["0076229646", "1583250680", "0499370898", "0067229645"])
def test_a_persons_national_code_with_a_wrong_or_swapped_digit_is_refused(code):
    err = refused("national_id", code, "IR")
    assert err.field == ("nationalId",) and "check digit" in err.message and "کد ملی" in err.message


def test_a_national_code_of_ten_equal_digits_is_refused_although_its_check_digit_fits():
    assert not person_code_is_valid("1111111111")
    refused("national_id", "1111111111", "IR")


def test_a_national_code_typed_without_its_leading_zeros_is_padded():
    assert check_identifier("national_id", "11537027", "IR") == "0011537027"


@pytest.mark.parametrize("code", ["10380284790", "10320894878"])
def test_a_legal_entitys_national_id_passes_its_weighted_check_digit(code):
    assert legal_id_is_valid(code)
    assert check_identifier("national_id", code, "IR") == code


@pytest.mark.parametrize("code", ["10380284791", "10380284970", "10300004790", "01380284790"])
def test_a_legal_entitys_national_id_with_a_wrong_digit_is_refused(code):
    err = refused("national_id", code, "IR")
    assert "شناسه ملی" in err.message


def test_persian_and_arabic_digits_spaces_dashes_and_direction_marks_are_accepted_and_stored_as_ascii():
    assert compact("\u200f۱۰۳-۸۰۲ ۸۴۷۹۰\u200e") == "10380284790"
    assert check_identifier("national_id", "٠٠٧٦-٢٢٩٦٤-٥", "IR") == "0076229645"
    assert check_identifier("economic_code", "۱۰۳۸۰۲۸۴۷۹۰", "IR") == "10380284790"


@pytest.mark.parametrize("code", ["12", "123456789012", "00762296a5", "۰۰۷۶۲۲۹۶۴"])
def test_a_national_id_of_the_wrong_length_or_with_letters_is_refused(code):
    refused("national_id", code, "IR")


@pytest.mark.parametrize("code", ["411111111111", "10380284790", "12345678901234"])
def test_an_economic_code_has_the_legacy_12_digits_a_legal_ids_11_or_a_persons_14(code):
    assert check_identifier("economic_code", code, "IR") == code


@pytest.mark.parametrize("code", ["10380284791", "1234567890", "1234567890123", "41111111111a"])
def test_an_economic_code_of_another_length_or_an_11_digit_one_failing_its_check_is_refused(code):
    assert refused("economic_code", code, "IR").field == ("economicCode",)


@pytest.mark.parametrize("code", ["1458889694", "1417935840", "۱۴۵۸۸-۸۹۶۹۴"])
def test_an_iranian_postal_code_has_ten_digits_without_0_or_2_among_the_first_five(code):
    assert check_identifier("postal_code", code, "IR") == compact(code)


@pytest.mark.parametrize("code", ["1408889694", "1458289694", "145888969", "14588896941"])
def test_an_iranian_postal_code_breaking_iran_posts_rules_is_refused(code):
    assert refused("postal_code", code, "IR").field == ("postalCode",)


def test_a_postal_code_outside_iran_is_kept_as_typed():
    assert check_identifier("postal_code", " SW1A 1AA ", "GB") == "SW1A 1AA"
    assert check_identifier("postal_code", "34394", "TR") == "34394"


# --- Turkey --------------------------------------------------------------------------------------


def test_a_turkish_tax_number_is_a_vkn_of_ten_digits_or_a_tckn_of_eleven():
    assert check_identifier("tax_number", "454 053 6920", "TR") == "4540536920"
    assert check_identifier("tax_number", "17291716060", "TR") == "17291716060"


@pytest.mark.parametrize(
    "number, why", [("4540536921", "VKN"), ("17291716050", "TCKN"), ("07291716092", "TCKN"), ("454053692", "digits")]
)
def test_a_turkish_tax_number_failing_its_check_is_refused(number, why):
    err = refused("tax_number", number, "TR")
    assert err.field == ("taxNumber",) and why in err.message


def test_a_tax_office_is_free_text_and_blank_means_none():
    assert check_identifier("tax_office", " Kadıköy ", "TR") == "Kadıköy"
    assert check_identifier("tax_office", "   ", "TR") is None


# --- elsewhere -----------------------------------------------------------------------------------


def test_a_vat_number_is_checked_by_its_countrys_rule_and_kept_with_its_prefix():
    assert check_identifier("vat_number", "DE 136,695,976", None) == "DE136695976"
    assert check_identifier("vat_number", "136695976", "DE") == "DE136695976"
    assert check_identifier("vat_number", "el-094259216", "GR") == "EL094259216"


def test_a_vat_number_typed_without_its_prefix_takes_the_one_vies_knows_for_its_country():
    assert check_identifier("vat_number", "094259216", "GR") == "EL094259216"  # Greece is EL, not GR
    assert check_identifier("vat_number", "116.281.710 MWST", "CH") == "CHE116281710MWST"  # a Swiss UID is CHE


@pytest.mark.parametrize("number", ["DE136695977", "FR00000000000", "136695976", "QQ123"])
def test_a_vat_number_failing_its_check_or_without_a_country_is_refused(number):
    assert refused("vat_number", number, None).field == ("vatNumber",)


# --- which identifiers belong to which country ---------------------------------------------------


@pytest.mark.parametrize(
    "name, value, country",
    [
        ("national_id", "0076229645", "TR"),
        ("economic_code", "411111111111", "DE"),
        ("tax_number", "4540536920", "IR"),
        ("tax_office", "Kadıköy", "DE"),
        ("vat_number", "DE136695976", "IR"),
        ("vat_number", "4540536920", "TR"),
    ],
)
def test_an_identifier_of_another_countrys_scheme_is_refused_naming_it(name, value, country):
    err = refused(name, value, country)
    assert country in err.message


def test_without_a_country_each_identifier_is_checked_by_its_own_rule():
    assert check_identifier("national_id", "0076229645", None) == "0076229645"
    assert check_identifier("tax_number", "4540536920", None) == "4540536920"
    refused("tax_number", "4540536921", None)


def test_a_change_of_country_rechecks_the_identifiers_a_party_keeps():
    iranian = {"country": "IR", "national_id": "0076229645"}
    with pytest.raises(DomainError) as err:
        check_tax_identity(iranian, {"country": "TR"})
    assert err.value.field == ("nationalId",)
    moved = check_tax_identity(iranian, {"country": "tr", "national_id": None, "tax_number": "4540536920"})
    assert moved == {"country": "TR", "national_id": None, "tax_number": "4540536920"}


@pytest.mark.parametrize("code", ["iran", "I", "ZZ", "EU", "1R"])
def test_a_country_must_be_an_iso_3166_alpha_2_code(code):
    with pytest.raises(DomainError) as err:
        check_country(code)
    assert err.value.code == ErrorCode.VALIDATION and err.value.field == ("country",)


def test_a_country_code_is_upper_cased():
    assert check_country(" ir ") == "IR"
