"""``dispatch matrix LOCATIONS.json [--region FILE] [--source road|haversine] [-o OUT]``.

Prints (or writes) the travel-time (whole seconds) and distance (whole metres) matrices over a
list of locations, as JSON: ``source``, ``durations_s``, ``distances_m`` (row = from, column =
to), ``snap_distances_m`` (road only), ``warnings`` and ``build_time_s``. The input is a JSON
list of ``{"lat", "lon"}`` objects, an object with a ``locations`` list, or a whole problem
(its unique locations, technicians first, in the order of ``problem_points``). Exit code 2 on
unreadable input or a location outside the region (the message names it)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from optimizer.geo.matrix import build_matrix
from optimizer.geo.snap import OutsideRegionError
from optimizer.models import Location


def cmd_matrix(args: argparse.Namespace) -> int:
    from optimizer.cli.errors import InputError, read_json

    try:
        raw = read_json(args.locations)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    explicit = None
    region_from_flag = bool(args.region)
    try:
        if isinstance(raw, dict) and "jobs" in raw:
            from optimizer.geo.matrix import problem_points
            from optimizer.models import Problem

            problem = Problem.model_validate(raw)
            points = problem_points(problem).points
            args.region = args.region or problem.options.region
            args.source = args.source or problem.options.matrix
            explicit = problem.options.explicit_matrix
        else:
            if isinstance(raw, dict):
                raw = raw.get("locations", [])
            points = TypeAdapter(list[Location]).validate_python(raw)
    except ValidationError as exc:
        for err in exc.errors():
            print(f"{args.locations}: {'.'.join(map(str, err['loc']))}: {err['msg']}", file=sys.stderr)
        return 2
    source = args.source or ("road" if args.region or _has_region() else "haversine")
    try:
        matrix = build_matrix(points, source, region=args.region, explicit=explicit)
    except (OutsideRegionError, FileNotFoundError, ValueError) as exc:
        from optimizer.cli.errors import describe

        field = "--region" if region_from_flag else "options.region"
        print(f"error: {describe(exc, args.locations, region_field=field)}", file=sys.stderr)
        return 2
    out = {
        "source": matrix.source,
        "durations_s": matrix.durations_s.tolist(),
        "distances_m": matrix.distances_m.tolist(),
        "snap_distances_m": None if matrix.snap_distances_m is None else [round(float(d), 1) for d in matrix.snap_distances_m],
        "warnings": matrix.warnings,
        "build_time_s": round(matrix.build_time_s, 4),
    }
    text = json.dumps(out)
    if args.output:
        Path(args.output).write_text(text + "\n")
        print(f"wrote {args.output}: {len(points)}x{len(points)} {matrix.source} matrix in {matrix.build_time_s:.3f} s")
        for message in matrix.warnings:
            print(f"warning: {message}", file=sys.stderr)
    else:
        print(text)
    return 0


def _has_region() -> bool:
    from optimizer.geo.region import default_region_path

    return default_region_path() is not None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("matrix", help="travel-time and distance matrices for a list of locations")
    p.add_argument("locations", help='JSON: [{"lat": .., "lon": ..}, ...], {"locations": [...]} or a problem')
    p.add_argument("--region", help="OSM extract (.osm.pbf/.osm/.osm.gz/.osm.bz2); default: embedded Helsinki")
    p.add_argument("--source", choices=["road", "haversine"],
                   help="default: the problem's options.matrix, else road when a region is available")
    p.add_argument("-o", "--output", help="write JSON here instead of stdout")
    p.set_defaults(func=cmd_matrix)
