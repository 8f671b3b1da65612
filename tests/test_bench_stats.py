"""`yimen bench stats` on a tiny year: it measures what it says and keeps the generated year for the
next run (no timing is asserted: a shared box's figures belong in the bench's own output)."""

from __future__ import annotations

import json

import pytest

from yimen.cli import main


@pytest.mark.slow
def test_a_tiny_year_is_measured_then_reused(tmp_path, capsys):
    args = ["bench", "stats", "--tickets", "600", "--runs", "1", "--rounds", "1", "--requests", "3",
            "--cache-dir", str(tmp_path)]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    year = first["year"]
    assert year["reused"] is False and year["working_days"] >= 240 and 400 <= year["tickets"] <= 900
    assert first["live"]["day1"]["tickets_today"] == first["live"]["day365"]["tickets_today"] > 0
    day1, day365 = first["live"]["day1"]["bytes"], first["live"]["day365"]["bytes"]
    assert abs(day1 - day365) <= 0.02 * day1  # the same day, with or without the year (ids may gain a digit)
    assert first["reports"]["year"]["ticket_rows"] == year["tickets"]
    assert 0 < first["reports"]["month"]["ticket_rows"] < year["tickets"]
    for key in ("ratio", "ratio_no_compare"):
        assert first["reports"]["year"][key] > 0
    assert set(first["met"]) == {"live", "year_report"} and first["load_average"]["before"]
    years = [p.name for p in tmp_path.iterdir() if p.name.startswith("stats-year-")]
    assert len(years) == 1 and years[0].endswith("-600-seed13")  # no ".partial" left behind

    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["year"] == {**year, "reused": True}
    assert len(list(tmp_path.glob("stats-*.json"))) == 2  # each run's JSON is kept beside the year
