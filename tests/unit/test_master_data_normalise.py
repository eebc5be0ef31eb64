"""Normalisation before matching: spellings of one company reach one key (no I/O)."""

from __future__ import annotations

import pytest

from semgraph.master_data.normalise import (
    address_tokens,
    char_grams,
    email_domain,
    normalise_name,
    normalise_phone,
    normalise_tax_id,
    postcode,
)


def key(name: str) -> str:
    found = normalise_name(name)
    assert found is not None
    return found.key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ACME Logistics GmbH", "Acme Logistics Gesellschaft mbH"),
        ("Acme-Logistics, Inc.", "ACME LOGISTICS INCORPORATED"),
        ("Northwind Traders Ltd", "Northwind Traders Limited"),
        ("Blue Harbor LLC", "Blue Harbor L.L.C."),
        ("Quartz Optics AG", "QUARTZ OPTICS"),
        ("Société Générale S.A.", "SOCIÉTÉ GÉNÉRALE SA"),
        ("semgraph (Shanghai) Co., Ltd.", "SEMGRAPH CO LTD"),
        ("ＡＢＣ Trading LLC", "ABC Trading LLC"),  # full-width letters
        ("上海浦东发展科技有限公司", "浦东发展科技（上海）有限公司"),  # region first or bracketed
        ("浦东发展科技(上海)股份有限公司", "上海浦东发展科技有限责任公司"),
        ("深圳市腾讯计算机系统有限公司", "腾讯计算机系统（深圳）有限公司"),
    ],
)
def test_spellings_of_one_company_have_one_key(a: str, b: str) -> None:
    assert key(a) == key(b)


def test_the_region_is_kept_aside_not_lost() -> None:
    first = normalise_name("上海浦东发展科技有限公司")
    bracketed = normalise_name("浦东发展科技（上海）有限公司")
    assert first is not None and bracketed is not None
    assert first.region == bracketed.region == "上海"
    assert first.key == "浦东发展科技"


def test_different_companies_keep_different_keys() -> None:
    assert key("Acme Logistics GmbH") != key("Acme Logistik GmbH")
    assert key("华为技术有限公司") != key("华信技术有限公司")


def test_a_name_that_is_only_a_legal_form_is_kept_as_written() -> None:
    assert key("GmbH") == "gmbh"
    assert normalise_name("   ") is None
    assert normalise_name(None) is None


def test_chinese_names_are_tokenised_by_jieba_and_compared_by_bigrams() -> None:
    name = normalise_name("上海浦东发展科技有限公司")
    assert name is not None
    assert name.tokens == ("浦东", "发展", "科技")
    assert name.grams == sorted({"浦东", "东发", "发展", "展科", "科技"})


def test_character_bigrams_ignore_spaces_and_keep_short_texts_whole() -> None:
    assert char_grams("ab c") == ["ab", "bc"]
    assert char_grams("华") == ["华"]
    assert char_grams("") == []


def test_tax_ids_lose_spaces_punctuation_and_the_country_prefix() -> None:
    assert normalise_tax_id("DE 123 456 789") == normalise_tax_id("123456789") == "123456789"
    assert normalise_tax_id("91310000-7178 5871X0") == "9131000071785871X0"
    assert normalise_tax_id("") is None


def test_phones_are_digits_only_whatever_prefix_each_system_writes() -> None:
    assert normalise_phone("+49 (40) 123-4567") == normalise_phone("040 1234567")
    assert normalise_phone("0049 40 1234567") == normalise_phone("+49 40 1234567")
    assert normalise_phone("ext. 12") is None


def test_email_domains_and_free_mail() -> None:
    assert email_domain("Buyer@ACME.de") == "acme.de"
    assert email_domain("someone@gmail.com") is None  # shared by strangers: no evidence
    assert email_domain("not-an-address") is None


def test_addresses_compare_order_free_with_street_types_abbreviated() -> None:
    assert address_tokens("12 Main Street") == address_tokens("Main St. 12")
    assert address_tokens("Hauptstraße 5", "Hamburg") == address_tokens("Haupt Str. 5 HAMBURG")
    chinese = address_tokens("上海市浦东新区世纪大道100号")
    assert "世纪" in chinese and "100" in chinese


def test_postcodes_lose_spaces() -> None:
    assert postcode("sw1a 1aa") == "SW1A1AA"
    assert postcode(None) is None
