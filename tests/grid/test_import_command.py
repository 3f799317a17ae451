"""`gongzhi grid import FILE.geojson [--dry-run] [--report FILE.json]`: the report is printed (and
written as JSON); invalid features or overlaps above the tolerance refuse the import and nothing is
written; gaps are reported and allowed."""
import json

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core.models import Grid
from gongzhi.grid.models import CommunityBoundary

from .conftest import square

W, S = 120.10, 30.25


def fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def f(code, ring, name="网格"):
    return {"type": "Feature", "properties": {"code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def run(tmp_path, data, *args):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.txt"
    with out.open("w") as stream:
        call_command("grid", "import", str(path), *args, stdout=stream)
    return out.read_text()


def tiling(gap=0.0):
    return fc(f("339901001001", square(W, S, 0.01, 0.01), "柳岸社区"),
              f("339901001001001", square(W, S, 0.005, 0.01), "柳岸社区第一网格"),
              f("339901001001002", square(W + 0.005 + gap, S, 0.005 - gap, 0.01), "柳岸社区第二网格"))


def test_a_clean_file_writes_the_grids_and_the_community_boundary(territory, tmp_path):
    printed = run(tmp_path, tiling(), "--report", str(tmp_path / "r.json"))
    assert "written: 2 grids, 1 community boundaries" in printed
    assert json.loads((tmp_path / "r.json").read_text()) == {"grids": 2, "invalid": [], "overlaps": [], "gaps": []}
    grid = Grid.objects.get(code="339901001001002")
    assert grid.community == territory["a"] and grid.name == "柳岸社区第二网格"
    assert grid.min_lon == pytest.approx(W + 0.005)
    assert CommunityBoundary.objects.get(community=territory["a"]).polygon[0] == [W, S]


def test_a_dry_run_prints_the_report_and_writes_nothing(territory, tmp_path):
    printed = run(tmp_path, tiling(gap=0.001), "--dry-run")
    assert "gap in community 339901001001" in printed and "dry run: nothing written" in printed
    assert not Grid.objects.exists() and not CommunityBoundary.objects.exists()


def test_gaps_are_reported_and_allowed(territory, tmp_path):
    printed = run(tmp_path, tiling(gap=0.001), "--report", str(tmp_path / "r.json"))
    (gap,) = json.loads((tmp_path / "r.json").read_text())["gaps"]
    assert gap["community"] == "339901001001" and gap["area_m2"] > 100_000
    assert "written: 2 grids" in printed and Grid.objects.count() == 2


def test_an_overlap_refuses_the_import_and_the_report_names_both_grids_and_the_area(territory, tmp_path):
    data = fc(f("339901001001001", square(W, S, 0.006, 0.01)), f("339901001001002", square(W + 0.005, S, 0.005, 0.01)))
    with pytest.raises(CommandError, match="refused: nothing written"):
        run(tmp_path, data, "--report", str(tmp_path / "r.json"))
    (o,) = json.loads((tmp_path / "r.json").read_text())["overlaps"]
    assert (o["a"], o["b"]) == ("339901001001001", "339901001001002") and o["area_m2"] == pytest.approx(106_900, rel=0.01)
    assert not Grid.objects.exists()


def test_an_overlap_with_a_stored_grid_refuses_too(territory, tmp_path):
    run(tmp_path, fc(f("339901001001001", square(W, S, 0.005, 0.01))))
    with pytest.raises(CommandError):
        run(tmp_path, fc(f("339901001001002", square(W + 0.004, S, 0.006, 0.01))))
    assert Grid.objects.count() == 1


def test_a_bad_code_or_an_invalid_ring_refuses_the_import(territory, tmp_path):
    bow_tie = [[W, S], [W + 0.01, S + 0.01], [W + 0.01, S], [W, S + 0.01], [W, S]]
    data = fc(f("339901001003001", square(W, S, 0.005, 0.01)), f("339901001001002", bow_tie))
    with pytest.raises(CommandError):
        run(tmp_path, data, "--report", str(tmp_path / "r.json"))
    invalid = {i["code"]: i["reason"] for i in json.loads((tmp_path / "r.json").read_text())["invalid"]}
    assert "no community has the code 339901001003" in invalid["339901001003001"]
    assert "Self-intersection" in invalid["339901001001002"]
    assert not Grid.objects.exists()


@pytest.mark.parametrize("content, message", [
    ("not json", "not JSON"), ('{"type": "Feature"}', "not a GeoJSON FeatureCollection")])
def test_a_file_that_is_not_geojson_is_one_line(territory, tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("grid", "import", str(path))


def test_a_missing_file_is_one_line(territory, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("grid", "import", str(tmp_path / "none.geojson"))


def test_the_gongzhi_command_exits_non_zero_with_one_line(territory, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "bad.geojson"
    path.write_text("[]")
    done = subprocess.run([sys.executable, "-m", "gongzhi", "grid", "import", str(path)], capture_output=True,
                          text=True, env={**__import__("os").environ})
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and "FeatureCollection" in done.stderr
