"""OSM XML extracts (.osm, .osm.gz, .osm.bz2) load like PBF: drivable roads only, one-way
streets respected, maxspeed over the class table."""

import bz2
import gzip

import pytest

from optimizer.geo.region import HIGHWAY_SPEEDS_KPH, load_region

XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="60.1700" lon="24.9400" version="1"/>
  <node id="2" lat="60.1700" lon="24.9420" version="1"/>
  <node id="3" lat="60.1710" lon="24.9420" version="1"/>
  <node id="4" lat="60.1710" lon="24.9400" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="primary"/><tag k="maxspeed" v="20"/></way>
  <way id="12" version="1"><nd ref="1"/><nd ref="3"/><tag k="highway" v="footway"/></way>
</osm>"""


@pytest.mark.parametrize("suffix, opener", [(".osm", open), (".osm.gz", gzip.open), (".osm.bz2", bz2.open)])
def test_xml_extracts(tmp_path, monkeypatch, suffix, opener):
    monkeypatch.setenv("DISPATCH_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / f"tiny{suffix}"
    with opener(path, "wt") as f:
        f.write(XML)
    reg = load_region(path)
    ids = reg.osmid.tolist()
    tails, heads = reg.edge_arrays()
    edges = {(ids[t], ids[h]): (ms, m) for t, h, ms, m in zip(tails.tolist(), heads.tolist(), reg.travel_ms.tolist(), reg.length_m.tolist())}
    assert (1, 2) in edges and (2, 1) not in edges  # one-way residential street
    assert (1, 3) not in edges and (3, 1) not in edges  # footway is not drivable
    assert {(2, 3), (3, 2), (4, 1), (1, 4)} <= set(edges)  # two-way primary road
    ms, m = edges[(1, 2)]
    assert ms == pytest.approx(m / (HIGHWAY_SPEEDS_KPH["residential"] / 3.6) * 1000, rel=0.02)  # class speed
    ms, m = edges[(2, 3)]
    assert ms == pytest.approx(m / (20 / 3.6) * 1000, rel=0.02)  # maxspeed tag wins
