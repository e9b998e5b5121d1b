"""Reading a survey sheet: headers a clerk writes, cells as Excel, WPS or a hand type them.
No database here."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from engine import Policy
from ledger.survey import (
    CellError,
    Column,
    SurveyError,
    map_columns,
    parse_cell,
    parse_row,
    read_sheet,
    row_key,
)
from tests.survey.sheets import first_sheet, write_csv


def column(policy: Policy, header: str) -> Column:
    """The column `header` maps to (with the required 村 beside it)."""
    village = [] if header.startswith("村") else ["村"]
    return map_columns([header, *village], policy.catalog.facts)[0]


def cell(policy: Policy, header: str, value: Any) -> Any:
    """`value` read under `header`."""
    return parse_cell(column(policy, header), value)


class TestHeaders:
    @pytest.mark.parametrize(
        ("header", "fact"),
        [
            ("劳动能力（无/弱/正常）", "labour_capacity"),
            ("劳动能力", "labour_capacity"),
            ("  劳动能力 ", "labour_capacity"),
            ("劳动能力(无/弱/正常)", "labour_capacity"),
            ("劳动能力（填 无、弱或正常）", "labour_capacity"),
            ("labour_capacity", "labour_capacity"),
            ("需要长期照护", "needs_long_term_care"),
            ("持有《中华人民共和国残疾人证》", "has_disability_certificate"),
            ("身份证号码", "id_number"),
            ("村（社区）", "village"),
        ],
    )
    def test_a_label_with_or_without_its_note_or_the_english_name_is_accepted(
        self, policy: Policy, header: str, fact: str
    ) -> None:
        assert column(policy, header).target == fact

    def test_unknown_headers_are_all_named_in_chinese_and_english(self, policy: Policy) -> None:
        with pytest.raises(SurveyError) as caught:
            map_columns(["村", "年龄", "劳动能力", "收入情况"], policy.catalog.facts)
        assert "无法识别的表头" in caught.value.zh and "“年龄”" in caught.value.zh
        assert "“收入情况”" in caught.value.zh
        assert "unknown header" in caught.value.en and "'年龄'" in caught.value.en

    def test_the_village_column_is_required(self, policy: Policy) -> None:
        with pytest.raises(SurveyError, match="village"):
            map_columns(["姓名", "周岁年龄"], policy.catalog.facts)

    def test_one_fact_in_two_columns_is_refused(self, policy: Policy) -> None:
        with pytest.raises(SurveyError) as caught:
            map_columns(["村", "周岁年龄", "age_years"], policy.catalog.facts)
        assert "多个列" in caught.value.zh


class TestCells:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("是", True), ("否", False), (" 是 ", True), ("TRUE", True), (False, False),
         ("1", True), (0, False), (1.0, True), ("√", True), ("×", False), ("有", True)],
    )  # fmt: skip
    def test_yes_and_no(self, policy: Policy, value: Any, expected: bool) -> None:
        assert cell(policy, "有未成年子女", value) is expected

    @pytest.mark.parametrize("value", ["也许", "不详", "2", "是的吧", 2, "N/A"])
    def test_an_unclear_yes_no_is_an_error_never_a_guess(self, policy: Policy, value: Any) -> None:
        with pytest.raises(CellError, match="must be 是 or 否"):
            cell(policy, "有未成年子女", value)

    @pytest.mark.parametrize("value", ["", "  ", None, "\u3000"])
    def test_an_empty_cell_is_unknown(self, policy: Policy, value: Any) -> None:
        assert cell(policy, "有未成年子女", value) is None

    @pytest.mark.parametrize(
        ("header", "value", "expected"),
        [
            ("劳动能力", "无", "none"),
            ("劳动能力", "劳动能力弱", "weak"),
            ("劳动能力", "normal", "normal"),
            ("丈夫外出原因", "务工", "migrant_work"),
            ("丈夫外出原因", "外出务工", "migrant_work"),
            ("丈夫外出原因", "其他", "other"),
            ("本人实际居住地类型", "镇区", "township_seat"),
            ("本人实际居住地类型", "建制镇镇区", "township_seat"),
            ("本人实际居住地类型", "乡政府驻地", "xiang_seat"),
            ("本人实际居住地类型", "乡政府驻地（乡中心区）", "xiang_seat"),
            ("本人实际居住地类型", "乡里", "xiang_seat"),
            ("residence_area", "xiang_seat", "xiang_seat"),
            ("残疾类别", "视力", "visual"),
            ("残疾类别", "精神残疾", "mental"),
            ("性别", "女", "female"),
            ("残疾等级", "二级", 2),
            ("残疾等级", "二级（重度）", 2),
            ("残疾等级", 3, 3),
            ("残疾等级", 4.0, 4),
            ("残疾等级", "1", 1),
        ],
    )
    def test_choices_by_chinese_label_short_name_or_english_value(
        self, policy: Policy, header: str, value: Any, expected: Any
    ) -> None:
        assert cell(policy, header, value) == expected

    def test_a_value_outside_the_choices_lists_the_allowed_ones(self, policy: Policy) -> None:
        with pytest.raises(CellError) as caught:
            cell(policy, "劳动能力", "一般")
        assert "无劳动能力" in caught.value.zh and "一般" not in caught.value.zh

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("家庭暴力、虐待", ["domestic_violence", "abuse"]),
            ("家庭暴力，虐待", ["domestic_violence", "abuse"]),
            ("家庭暴力;虐待；遗弃", ["domestic_violence", "abuse", "abandonment"]),
            ("家庭暴力\n虐待、家庭暴力", ["domestic_violence", "abuse"]),
            ("domestic_violence", ["domestic_violence"]),
        ],
    )
    def test_list_items_are_separated_by_chinese_or_latin_marks(
        self, policy: Policy, value: str, expected: list[str]
    ) -> None:
        assert cell(policy, "侵害类型", value) == expected

    def test_a_list_label_holding_commas_itself_is_one_item(self, policy: Policy) -> None:
        value = "请求给付赡养费、抚养费、扶养费、离婚、遭受虐待、遗弃或者家庭暴力主张相关权益"
        assert cell(policy, "法律事项类型", value) == [
            "maintenance_support",
            "divorce",
            "dv_abuse_abandonment",
        ]

    def test_a_bad_list_item_is_named_by_position_not_by_value(self, policy: Policy) -> None:
        with pytest.raises(CellError) as caught:
            cell(policy, "侵害类型", "家庭暴力、吵架")
        assert "第2项" in caught.value.zh and "吵架" not in caught.value.zh

    @pytest.mark.parametrize(
        ("header", "value", "expected"),
        [
            ("周岁年龄", "52", 52),
            ("周岁年龄", 52, 52),
            ("周岁年龄", 52.0, 52),
            ("周岁年龄", "５２", 52),
            ("周岁年龄", "52岁", 52),
            ("丈夫连续外出月数", "12个月", 12),
            ("共同生活家庭成员人均月收入", "500", 500),
            ("共同生活家庭成员人均月收入", "1,250.50", 1250.5),
            ("共同生活家庭成员人均月收入", "500元", 500),
            ("共同生活家庭成员人均月收入", 499.9, 499.9),
            ("户籍地/居住地行政区划代码", 430121, "430121"),
            ("户籍地/居住地行政区划代码", " 430121 ", "430121"),
        ],
    )
    def test_numbers_and_codes(
        self, policy: Policy, header: str, value: Any, expected: Any
    ) -> None:
        assert cell(policy, header, value) == expected

    @pytest.mark.parametrize(
        ("header", "value"),
        [
            ("周岁年龄", "五十二"),
            ("周岁年龄", "52.5"),
            ("周岁年龄", True),
            ("丈夫连续外出月数", "半年"),
            ("共同生活家庭成员人均月收入", "约500"),
            ("共同生活家庭成员人均月收入", datetime(2025, 3, 4)),
        ],
    )
    def test_unclear_numbers_are_errors(self, policy: Policy, header: str, value: Any) -> None:
        with pytest.raises(CellError):
            cell(policy, header, value)

    @pytest.mark.parametrize(
        "value",
        ["1980-03-15", "1980/3/15", "1980.03.15", "1980年3月15日", "19800315",
         date(1980, 3, 15), datetime(1980, 3, 15)],
    )  # fmt: skip
    def test_dates(self, policy: Policy, value: Any) -> None:
        assert cell(policy, "出生日期", value) == date(1980, 3, 15)

    @pytest.mark.parametrize("value", ["1980-02-30", "80-3-15", 29295, "三月"])
    def test_unclear_dates_are_errors(self, policy: Policy, value: Any) -> None:
        with pytest.raises(CellError):
            cell(policy, "出生日期", value)

    def test_an_id_number_stored_as_a_number_is_refused(self, policy: Policy) -> None:
        for value in (430121198003150017, 4.30121198003150e17, "4.30121E+17"):
            with pytest.raises(CellError, match="stored as a number"):
                cell(policy, "身份证号", value)
        assert cell(policy, "身份证号", " 43012119800315001x ") == "43012119800315001X"


class TestRows:
    def test_every_problem_of_a_row_is_collected(self, policy: Policy) -> None:
        columns = map_columns(["村", "周岁年龄", "有未成年子女", ""], policy.catalog.facts)
        row = parse_row(columns, 7, ["", "abc", "也许", "stray"])
        assert [(p.row, p.field) for p in row.problems] == [
            (7, "周岁年龄 (age_years)"),
            (7, "有未成年子女 (has_minor_children)"),
            (7, "第4列 (column 4)"),
            (7, "村 (village)"),
            (7, "行政区划代码 (region_code)"),  # neither a column nor --region gives one
        ]

    def test_a_row_with_only_its_village_and_number_is_blank(self, policy: Policy) -> None:
        columns = map_columns(["序号", "村", "周岁年龄"], policy.catalog.facts)
        assert parse_row(columns, 3, [3, "光明村", None]).blank
        assert not parse_row(columns, 3, [3, "光明村", 40]).blank

    def test_the_key_ignores_spelling_and_column_order_but_counts_twins(
        self, policy: Policy
    ) -> None:
        facts = policy.catalog.facts
        one = parse_row(map_columns(["村", "丈夫是否外出", "侵害类型"], facts), 2,
                        ["光明村", "是", "家庭暴力、虐待"])  # fmt: skip
        two = parse_row(map_columns(["infringement_types", "husband_away", "村"], facts), 9,
                        ["abuse；domestic_violence", True, " 光明村"])  # fmt: skip
        assert row_key("s" * 40, one.content(), 1) == row_key("s" * 40, two.content(), 1)
        assert row_key("s" * 40, one.content(), 1) != row_key("s" * 40, one.content(), 2)
        assert row_key("s" * 40, one.content(), 1) != row_key("t" * 40, one.content(), 1)


class TestFiles:
    def test_encodings_are_detected_and_named(self, tmp_path: Path) -> None:
        rows = [{"村": "光明村", "姓名": "王秀英"}]
        for encoding, named in (
            ("utf-8-sig", "UTF-8（带 BOM"),
            ("utf-8", "UTF-8"),
            ("gb18030", "GB18030"),
            ("utf-16", "UTF-16"),
        ):
            path = write_csv(tmp_path / f"{encoding}.csv", rows, ["村", "姓名"], encoding)
            sheet = read_sheet(path)
            assert sheet.source.startswith(named), encoding
            assert sheet.headers == ["村", "姓名"]
            assert sheet.rows == [(2, ["光明村", "王秀英"])]

    def test_an_unterminated_quote_is_an_error_naming_its_row(self, tmp_path: Path) -> None:
        path = tmp_path / "survey.csv"
        path.write_text('村,姓名\n光明村,王秀英\n"光明村,李\n光明村,张三\n', encoding="utf-8")
        with pytest.raises(SurveyError) as caught:
            read_sheet(path)
        assert "第 3 行" in caught.value.zh and "row 3" in caught.value.en
        path.write_text('村,姓名\n"光明村"x,王秀英\n', encoding="utf-8")
        with pytest.raises(SurveyError, match="row 2"):
            read_sheet(path)

    def test_a_tab_separated_export_is_read(self, tmp_path: Path) -> None:
        path = tmp_path / "survey.txt"
        path.write_text("村\t周岁年龄\n光明村\t40\n", encoding="utf-8")
        assert read_sheet(path).rows == [(2, ["光明村", "40"])]

    def test_an_old_xls_workbook_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "old.xls"
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
        with pytest.raises(SurveyError, match=r"\.xlsx or CSV"):
            read_sheet(path)

    def test_an_empty_file_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.csv"
        path.write_bytes(b"\xef\xbb\xbf\r\n\r\n")
        with pytest.raises(SurveyError, match="empty"):
            read_sheet(path)

    def test_a_merged_village_cell_holds_for_every_row_it_spans(self, tmp_path: Path) -> None:
        book = Workbook()
        sheet = first_sheet(book)
        sheet.append(["村", "姓名", "周岁年龄"])
        for name, age in (("甲", 40), ("乙", 41), ("丙", 42)):
            sheet.append([None, name, age])
        sheet["A2"] = "光明村"
        sheet.merge_cells("A2:A4")
        book.save(tmp_path / "merged.xlsx")
        rows = read_sheet(tmp_path / "merged.xlsx").rows
        assert [cells[0] for _, cells in rows] == ["光明村", "光明村", "光明村"]

    def test_a_worksheet_is_chosen_by_name(self, tmp_path: Path) -> None:
        book = Workbook()
        first_sheet(book).title = "说明"
        first_sheet(book).append(["本表由村委会填写"])
        book.create_sheet("摸排表").append(["村", "周岁年龄"])
        book["摸排表"].append(["光明村", 40])
        book.save(tmp_path / "two.xlsx")
        assert read_sheet(tmp_path / "two.xlsx").headers == ["本表由村委会填写"]
        chosen = read_sheet(tmp_path / "two.xlsx", "摸排表")
        assert chosen.headers == ["村", "周岁年龄"] and chosen.rows == [(2, ["光明村", 40])]
        with pytest.raises(SurveyError, match="说明, 摸排表"):
            read_sheet(tmp_path / "two.xlsx", "Sheet1")

    def test_a_title_row_above_the_header_is_named_with_its_row(
        self, policy: Policy, tmp_path: Path
    ) -> None:
        path = tmp_path / "titled.csv"
        path.write_text("\n光明村留守妇女摸排表,,\n村,姓名,周岁年龄\n光明村,甲,40\n", "utf-8")
        sheet = read_sheet(path)
        with pytest.raises(SurveyError) as caught:
            map_columns(sheet.headers, policy.catalog.facts, sheet.header_row)
        assert "“光明村留守妇女摸排表”（第2行）" in caught.value.zh
