from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from planning.domain.policy import (
    DateTemplate,
    Periode,
    PolicyFileError,
    find_periode,
    load_policies,
    periods_for_year,
    policy_for_year,
)
from pmm_kernel.errors import InvalidValue, NotFound
from pmm_kernel.windows import Window

POLICIES = load_policies()
D = date


def w(step: str, opens: date, closes: date, late_until: date | None = None) -> Window:
    return Window(step, opens, closes, late_until)


@pytest.mark.parametrize(
    ("kode", "nama", "jenis", "mulai", "selesai", "bulan", "policy_year", "upload", "points", "data_update", "windows"),
    [
        (
            "2024-S1",
            "Semester 1 2024",
            "semester",
            D(2024, 1, 1),
            D(2024, 6, 30),
            6,
            2024,
            True,
            (32, 128),
            False,
            [
                w("perencanaan_guru", D(2024, 1, 1), D(2024, 1, 31), D(2024, 3, 31)),
                w("perencanaan_ks", D(2024, 1, 15), D(2024, 1, 31), D(2024, 3, 31)),
                w("pelaksanaan", D(2024, 2, 1), D(2024, 5, 30)),
                w("penilaian", D(2024, 6, 1), D(2024, 6, 30)),
            ],
        ),
        (
            "2024-S2",
            "Semester 2 2024",
            "semester",
            D(2024, 7, 1),
            D(2024, 12, 31),
            6,
            2024,
            True,
            (32, 128),
            False,
            [
                w("perencanaan_guru", D(2024, 7, 1), D(2024, 7, 31)),
                w("perencanaan_ks", D(2024, 7, 1), D(2024, 7, 31)),
                w("pelaksanaan", D(2024, 8, 1), D(2024, 11, 30)),
                w("penilaian", D(2024, 12, 1), D(2024, 12, 31)),
            ],
        ),
        (
            "2025-T",
            "Tahunan 2025",
            "tahunan",
            D(2025, 1, 1),
            D(2025, 12, 31),
            12,
            2025,
            False,
            None,
            True,
            [
                w("pemutakhiran_data", D(2025, 1, 1), D(2025, 1, 15)),
                w("perencanaan_guru", D(2025, 1, 1), D(2025, 1, 31)),
                w("perencanaan_ks", D(2025, 1, 1), D(2025, 1, 31)),
                w("pelaksanaan", D(2025, 2, 1), D(2025, 10, 31)),
                w("penilaian", D(2025, 11, 15), D(2025, 12, 31)),
            ],
        ),
        # Kepmendikdasmen 271/O/2025: the operators' pra-perencanaan in the December before, approval days.
        (
            "2026-T",
            "Tahunan 2026",
            "tahunan",
            D(2026, 1, 1),
            D(2026, 12, 31),
            12,
            2026,
            False,
            None,
            True,
            [
                w("pra_perencanaan", D(2025, 12, 1), D(2025, 12, 31)),
                w("pemutakhiran_data", D(2026, 1, 1), D(2026, 1, 15)),
                w("perencanaan_guru", D(2026, 1, 1), D(2026, 1, 31)),
                w("perencanaan_ks", D(2026, 1, 1), D(2026, 1, 31)),
                w("persetujuan", D(2026, 1, 22), D(2026, 1, 31)),
                w("pelaksanaan", D(2026, 2, 1), D(2026, 11, 30)),
                w("penilaian", D(2026, 12, 1), D(2026, 12, 31)),
            ],
        ),
        # No 2027 file: the 2026 policy goes on applying, with the dates moved to 2027.
        (
            "2027-T",
            "Tahunan 2027",
            "tahunan",
            D(2027, 1, 1),
            D(2027, 12, 31),
            12,
            2026,
            False,
            None,
            True,
            [
                w("pra_perencanaan", D(2026, 12, 1), D(2026, 12, 31)),
                w("pemutakhiran_data", D(2027, 1, 1), D(2027, 1, 15)),
                w("perencanaan_guru", D(2027, 1, 1), D(2027, 1, 31)),
                w("perencanaan_ks", D(2027, 1, 1), D(2027, 1, 31)),
                w("persetujuan", D(2027, 1, 22), D(2027, 1, 31)),
                w("pelaksanaan", D(2027, 2, 1), D(2027, 11, 30)),
                w("penilaian", D(2027, 12, 1), D(2027, 12, 31)),
            ],
        ),
    ],
)
def test_periods(kode, nama, jenis, mulai, selesai, bulan, policy_year, upload, points, data_update, windows) -> None:
    periode = find_periode(kode, POLICIES)
    assert (periode.kode, periode.tahun, periode.nama, periode.jenis) == (kode, int(kode[:4]), nama, jenis)
    assert (periode.mulai, periode.selesai, periode.bulan, periode.policy_year) == (mulai, selesai, bulan, policy_year)
    assert (periode.evidence_upload, periode.competence_points, periode.data_update_step) == (
        upload,
        points,
        data_update,
    )
    assert list(periode.windows.values()) == windows
    assert list(periode.windows) == [x.step for x in windows]
    assert periode in periods_for_year(periode.tahun, POLICIES)


@pytest.mark.parametrize(
    ("year", "kodes", "applies_from", "annual"),
    [
        (2024, ["2024-S1", "2024-S2"], 2024, w("penilaian_tahunan", D(2025, 1, 1), D(2025, 1, 31))),
        (2025, ["2025-T"], 2025, None),
        (2026, ["2026-T"], 2026, None),
        (2031, ["2031-T"], 2026, None),
    ],
)
def test_year(year: int, kodes: list[str], applies_from: int, annual: Window | None) -> None:
    assert [p.kode for p in periods_for_year(year, POLICIES)] == kodes
    policy = policy_for_year(year, POLICIES)
    assert policy.applies_from == applies_from
    assert policy.annual_evaluation_window(year) == annual
    assert policy.source and policy.version


def test_policy_files_name_their_sources() -> None:
    assert "7607/B.B1/HK.03/2023" in policy_for_year(2024, POLICIES).source
    assert "4242/B.B1/HK.03.01/2024" in policy_for_year(2025, POLICIES).source
    assert "271/O/2025" in policy_for_year(2026, POLICIES).source
    assert policy_for_year(2026, POLICIES).pengingat_hari == (7, 3, 1)
    assert policy_for_year(2024, POLICIES).annual_evaluation_considers_periods is True
    assert policy_for_year(2025, POLICIES).annual_evaluation_considers_periods is False


def test_year_before_any_policy_is_refused() -> None:
    with pytest.raises(InvalidValue) as err:
        periods_for_year(2023, POLICIES)
    assert err.value.rule == "periode.no_policy"
    assert "2023" in err.value.detail and "2024" in err.value.detail


@pytest.mark.parametrize(
    "kode", ["2023-S1", "2024-T", "2025-S1", "2024", "S1-2024", "", "2024-S1-x", "٢٠٢٤-S1", "2024-s3", "9999-T\x00"]
)
def test_unknown_periode(kode: str) -> None:
    with pytest.raises(NotFound) as err:
        find_periode(kode, POLICIES)
    assert err.value.rule == "periode.unknown"


def test_code_is_read_case_insensitively() -> None:
    assert find_periode(" 2024-s1 ", POLICIES).kode == "2024-S1"


def test_periode_window_lookup() -> None:
    periode = find_periode("2024-S1", POLICIES)
    assert periode.window("penilaian").closes == D(2024, 6, 30)
    with pytest.raises(InvalidValue) as err:
        periode.window("pemutakhiran_data")
    assert err.value.rule == "periode.no_step"


@pytest.mark.parametrize(
    ("kode", "planning_step", "decided_in"),
    [
        # No approval days of its own: the atasan decide in the plan's planning window.
        ("2024-S1", "perencanaan_guru", w("perencanaan_guru", D(2024, 1, 1), D(2024, 1, 31), D(2024, 3, 31))),
        ("2024-S1", "perencanaan_ks", w("perencanaan_ks", D(2024, 1, 15), D(2024, 1, 31), D(2024, 3, 31))),
        ("2025-T", "perencanaan_guru", w("perencanaan_guru", D(2025, 1, 1), D(2025, 1, 31))),
        # 2026 gives the decisions 22-31 January, whoever's plan it is.
        ("2026-T", "perencanaan_guru", w("persetujuan", D(2026, 1, 22), D(2026, 1, 31))),
        ("2026-T", "perencanaan_ks", w("persetujuan", D(2026, 1, 22), D(2026, 1, 31))),
    ],
)
def test_decision_window(kode: str, planning_step: str, decided_in: Window) -> None:
    assert find_periode(kode, POLICIES).decision_window(planning_step) == decided_in


@pytest.mark.parametrize(
    ("text", "resolved_for_2026"),
    [
        ("01-31", D(2026, 1, 31)),
        ("+0:02-10", D(2026, 2, 10)),
        ("+1:01-15", D(2027, 1, 15)),
        ("-1:12-01", D(2025, 12, 1)),
        ("-0:06-30", D(2026, 6, 30)),
        ("-9:12-31", D(2017, 12, 31)),
    ],
)
def test_date_templates(text: str, resolved_for_2026: date) -> None:
    assert DateTemplate.parse(text).resolve(2026) == resolved_for_2026


@pytest.mark.parametrize(
    "text", ["1-31", "+1:1-31", "--1:12-01", "-10:12-01", "+-1:12-01", "-1-12-01", "-1:", "-1:13-01", "-1:02-29", 20]
)
def test_what_is_not_a_date_template(text: object) -> None:
    with pytest.raises(ValueError):
        DateTemplate.parse(text)


# --- the rules are data: a new file changes behaviour without a line of code --------------------------

NEW_POLICY = """
applies_from = 2030
source = "a future decree"
version = "2030.1"
evidence_upload = true
data_update_step = false
annual_evaluation_considers_periods = true
[annual_evaluation]
opens = "+1:01-02"
closes = "+1:02-28"
[[periods]]
suffix = "Q1"
nama = "Kuartal 1 {year}"
jenis = "semester"
mulai = "01-01"
selesai = "03-31"
[periods.windows.perencanaan_guru]
opens = "01-05"
closes = "01-20"
late_until = "+0:02-10"
[periods.windows.perencanaan_ks]
opens = "01-05"
closes = "01-20"
[periods.windows.pelaksanaan]
opens = "01-21"
closes = "03-15"
[periods.windows.penilaian]
opens = "03-16"
closes = "03-31"
[[periods]]
suffix = "R"
nama = "Sisa {year}"
jenis = "tahunan"
mulai = "04-01"
selesai = "12-31"
[periods.windows.pra_perencanaan]
opens = "-1:12-01"
closes = "-1:12-31"
[periods.windows.perencanaan_guru]
opens = "04-01"
closes = "04-30"
[periods.windows.perencanaan_ks]
opens = "04-01"
closes = "04-30"
[periods.windows.persetujuan]
opens = "04-20"
closes = "05-05"
[periods.windows.pelaksanaan]
opens = "05-01"
closes = "11-30"
[periods.windows.penilaian]
opens = "12-01"
closes = "+1:01-15"
[penilai]
siklus_pengawas = true
bacaan = "tim_kerja"
[penilai.wilayah]
"32" = "pengawas_ppk"
"3273" = "tim_kerja"
[penilai.bacaan_tersedia.tim_kerja]
ppk = "kepala_dinas"
persetujuan_otomatis_ks = false
[penilai.bacaan_tersedia.pengawas_ppk]
ppk = "pengawas"
persetujuan_otomatis_ks = true
"""


def _policy_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_new_policy_file_takes_over_from_its_year(tmp_path: Path) -> None:
    package_dir = Path(__file__).parents[2] / "src/planning/domain/reference/policy"
    files = {p.name: p.read_text(encoding="utf-8") for p in package_dir.glob("*.toml")}
    policies = load_policies(_policy_dir(tmp_path, files | {"2030.toml": NEW_POLICY}))
    assert [p.kode for p in periods_for_year(2029, policies)] == ["2029-T"]
    q1, rest = periods_for_year(2031, policies)
    assert (q1.kode, q1.nama, q1.bulan, q1.policy_year, q1.competence_points) == (
        "2031-Q1",
        "Kuartal 1 2031",
        3,
        2030,
        None,
    )
    assert q1.windows["perencanaan_guru"] == w("perencanaan_guru", D(2031, 1, 5), D(2031, 1, 20), D(2031, 2, 10))
    assert (rest.bulan, rest.windows["penilaian"].closes) == (9, D(2032, 1, 15))
    assert rest.windows["pra_perencanaan"] == w("pra_perencanaan", D(2030, 12, 1), D(2030, 12, 31))
    assert rest.decision_window("perencanaan_guru") == w("persetujuan", D(2031, 4, 20), D(2031, 5, 5))
    assert q1.decision_window("perencanaan_guru") == q1.windows["perencanaan_guru"]
    assert policy_for_year(2031, policies).annual_evaluation_window(2031) == w(
        "penilaian_tahunan", D(2032, 1, 2), D(2032, 2, 28)
    )


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("2031.toml", ("", ""), "applies from 2030"),
        ("2030.toml", ('opens = "01-05"', 'opens = "01-32"'), "day is out of range"),
        ("2030.toml", ('opens = "01-05"', 'opens = "02-29"'), "day is out of range"),
        ("2030.toml", ('opens = "01-05"', 'opens = "1-5"'), "not a date template"),
        ("2030.toml", ('late_until = "+0:02-10"', 'late_until = "01-10"'), "late entry"),
        ("2030.toml", ("[periods.windows.penilaian]", "[periods.windows.penilaian_x]"), "unknown steps"),
        ("2030.toml", ('suffix = "R"', 'suffix = "Q1"'), "suffixes repeat"),
        ("2030.toml", ('suffix = "R"', 'suffix = "r"'), "suffix"),
        ("2030.toml", ('mulai = "04-01"', 'mulai = "03-01"'), "overlaps"),
        ("2030.toml", ('jenis = "tahunan"', 'jenis = "bulanan"'), "jenis"),
        ("2030.toml", ('nama = "Sisa {year}"', 'nama = "Sisa"'), "placeholder"),
        ("2030.toml", ("data_update_step = false", "data_update_step = true"), "disagree"),
        ("2030.toml", ("data_update_step = false", 'data_update_step = "no"'), "must be a bool"),
        ("2030.toml", ('version = "2030.1"', ""), "missing key 'version'"),
        ("2030.toml", ("evidence_upload = true", "evidence_upload = true\nevidence_uplod = 1"), "unknown keys"),
        (
            "2030.toml",
            ("evidence_upload = true", "evidence_upload = true\ncompetence_points = [128, 32]"),
            "min <= max",
        ),
        ("2030.toml", ("[annual_evaluation]", "[annual_evaluation"), "policy file 2030.toml"),
        ("2030.toml", ('opens = "-1:12-01"', 'opens = "-1:12-32"'), "day is out of range"),
        ("2030.toml", ('bacaan = "tim_kerja"', 'bacaan = "ketua"'), "reading 'ketua' .wilayah default."),
        ("2030.toml", ('"32" = "pengawas_ppk"', '"32" = "dinas"'), "reading 'dinas' .wilayah 32."),
        ("2030.toml", ('"32" = "pengawas_ppk"', '"3a" = "pengawas_ppk"'), "not a province"),
        ("2030.toml", ('ppk = "pengawas"', 'ppk = "kepala_sekolah"'), "ppk must be one of"),
        ("2030.toml", ("siklus_pengawas = true", "siklus_pengawas = 1"), "siklus_pengawas must be a bool"),
        ("2030.toml", ("[penilai]\nsiklus_pengawas = true", "[penilai]"), "missing key 'siklus_pengawas'"),
        ("2030.toml", ("persetujuan_otomatis_ks = true", "otomatis = true"), "unknown keys in penilai.bacaan"),
    ],
)
def test_malformed_policy_files_fail_at_load(tmp_path: Path, name: str, change: tuple[str, str], message: str) -> None:
    text = NEW_POLICY.replace(change[0], change[1], 1) if change[0] else NEW_POLICY
    assert text != NEW_POLICY or not change[0]
    with pytest.raises(PolicyFileError, match=message):
        load_policies(_policy_dir(tmp_path, {name: text}))


@pytest.mark.parametrize(
    ("kode_wilayah", "reading", "automatic"),
    [
        ("3273", "tim_kerja", False),  # the kota's own entry is longer than its province's
        ("3204", "pengawas_ppk", True),  # the province's reading
        ("3171", "tim_kerja", False),  # the default
    ],
)
def test_who_appraises_the_school_leaders_is_read_per_region(
    tmp_path: Path, kode_wilayah: str, reading: str, automatic: bool
) -> None:
    periode = load_policies(_policy_dir(tmp_path, {"2030.toml": NEW_POLICY}))[0].periode_for(2030, "R")
    assert periode is not None and periode.penilai.siklus_pengawas
    found = periode.penilai.for_region(kode_wilayah)
    assert (found.nama, found.persetujuan_otomatis_ks) == (reading, automatic)


@pytest.mark.parametrize(("year", "cycle"), [(2024, False), (2025, True), (2026, True)])
def test_pengawas_keep_a_cycle_of_their_own_from_2025(year: int, cycle: bool) -> None:
    periode = periods_for_year(year, POLICIES)[0]
    assert periode.penilai.siklus_pengawas is cycle
    assert periode.penilai.for_region("3273").ppk == "kepala_dinas"  # the default reading names the Dinas


def test_empty_policy_directory_fails(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError):
        load_policies(tmp_path)


def test_periode_is_hashable_and_immutable() -> None:
    periode: Periode = find_periode("2024-S1", POLICIES)
    assert hash(periode) == hash(find_periode("2024-S1", POLICIES))
    with pytest.raises(TypeError):
        periode.windows["penilaian"] = periode.windows["pelaksanaan"]  # type: ignore[index]


@pytest.mark.parametrize("step", ["perencanaan_guru", "perencanaan_ks", "pelaksanaan", "penilaian"])
def test_a_period_without_a_window_is_refused_at_start_up_naming_file_key_and_rule(tmp_path: Path, step: str) -> None:
    """A policy that left a step without days would refuse that step all year, and be found only on the day."""
    header = f"[periods.windows.{step}]"
    start = NEW_POLICY.rindex(header)  # the second period's
    end = NEW_POLICY.find("[periods.windows.", start + len(header))
    text = NEW_POLICY[:start] + (NEW_POLICY[end:] if end != -1 else "")
    assert header not in text[NEW_POLICY.index('suffix = "R"') :]
    with pytest.raises(PolicyFileError) as refused:
        load_policies(_policy_dir(tmp_path, {"2030.toml": text}))
    message = str(refused.value)
    assert "policy file 2030.toml" in message
    assert f"periods.windows.{step}" in message and "period R" in message
    assert "policy.window_required" in message


def test_the_optional_windows_may_be_left_out(tmp_path: Path) -> None:
    without = NEW_POLICY.replace('[periods.windows.pra_perencanaan]\nopens = "-1:12-01"\ncloses = "-1:12-31"\n', "")
    without = without.replace('[periods.windows.persetujuan]\nopens = "04-20"\ncloses = "05-05"\n', "")
    assert "windows.persetujuan" not in without and "pra_perencanaan" not in without
    rest = load_policies(_policy_dir(tmp_path, {"2030.toml": without}))[0].periode_for(2031, "R")
    assert rest is not None and rest.decision_window("perencanaan_ks") == rest.windows["perencanaan_ks"]
