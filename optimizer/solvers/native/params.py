"""Settings of the ``native`` engine (imports pydantic only, so the engine table stays light)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NativeParams(BaseModel):
    """Search settings of :class:`optimizer.solvers.native.engine.NativeEngine`. The defaults
    were tuned on Solomon and field-service instances (``benchmarks/README.md``)."""

    model_config = ConfigDict(extra="forbid")

    avg_removed: float = Field(10.0, gt=0, le=1000, description="Average number of jobs a ruin step removes (SISR's c-bar). Default 10.")
    max_string: int = Field(10, ge=1, le=1000, description="Longest string of consecutive jobs removed from one route (SISR's L-max). Default 10.")
    blink_rate: float = Field(0.01, ge=0, lt=1, description="Probability that recreate skips a position (SISR's blinks). Default 0.01.")
    late_seed_rate: float = Field(
        0.0, ge=0, le=0.5, description="Share of ruins seeded at a job that ends after its SLA deadline (when any). "
        "Default 0: on field-service L (1,500 jobs) 0.25 made iterations about 2.5 times slower and served fewer jobs."
    )
    out_seed_rate: float = Field(
        0.5, ge=0, le=0.5, description="Share of ruins seeded at a job left out (when any). Default 0.5."
    )
    restarts: int = Field(
        3, ge=1, le=64, description="Independent searches from the same start (each its own random stream and an "
        "equal share of the time or iterations; the best one wins) on problems with fewer than small_below_jobs "
        "jobs and no crews or dependencies. Default 3 (field-service S, 80 jobs: the last job served in more runs)."
    )
    out_spill_rate: float = Field(
        0.5, ge=0, le=1, description="On problems with fewer than small_below_jobs jobs, share of the ruins seeded at a "
        "left-out job that also take strings from nearby routes that may not serve it (room for the jobs it displaces). "
        "Default 0.5."
    )
    small_below_jobs: int = Field(
        100, ge=0, description="Restarts and out_spill_rate apply below this many jobs (on field-service M and L the "
        "larger ruins made iterations about 20 % slower without serving more). Default 100."
    )
    final_ls_neighbours: int = Field(
        40, ge=0, le=500, description="Neighbours of a last local search on the best plan, over every job to a local "
        "optimum (0 = none; at most ``neighbours`` are used; not with crews or dependencies). Default 40 (field-service L after 2,500 iterations: "
        "1-2 % less travel and fewer high-priority breaches)."
    )
    final_ls_share: float = Field(0.03, ge=0, lt=1, description="Share of the search time kept for that last local search. Default 0.03.")
    start_ls_neighbours: int = Field(
        10, ge=0, le=500, description="Neighbours of the local search on the starting plan (at least ls_neighbours). Default 10."
    )
    neighbours: int = Field(40, ge=1, le=500, description="Nearest jobs kept per job (granular neighbourhoods, ruin adjacency). Default 40.")
    ls_neighbours: int = Field(10, ge=0, le=500, description="Neighbours each local-search move looks at. 0 turns local search off. Default 10.")
    ls_passes: int = Field(1, ge=0, le=100, description="Local-search passes after each recreate (0 = none). Default 1.")
    granular_from_jobs: int = Field(
        500, ge=0, description="From this many jobs on, recreate tries only the routes of a job's nearest jobs "
        "(and every route only when none of those can take it). Default 500."
    )
    vroom_from_jobs: int = Field(
        300, ge=0, description="From this many jobs on, start from VROOM's plan (pyvroom) instead of our greedy "
        "insertion; 0 = never. Default 300 (field-service M, 400 jobs: more jobs served and less lateness than "
        "from greedy insertion on each of 3 instances)."
    )
    vroom_below_jobs: int = Field(
        3000, ge=0, description="No VROOM start from this many jobs on. VROOM's construction does not stop at its "
        "timeout (field-service XL, 5,000 jobs: 181 s), so it now runs in a child process killed at its share, and "
        "at that size it would only waste the share. Default 3000."
    )
    vroom_share: float = Field(0.2, gt=0, lt=1, description="Share of the time VROOM may take for the starting plan. Default 0.2.")
    start_temperature: float = Field(
        0.5, ge=0, description="Annealing start temperature, as a multiple of the starting plan's average arc cost per job. Default 0.5."
    )
    end_temperature: float = Field(
        0.005, ge=0, description="Annealing end temperature, same unit. Default 0.005."
    )
    chunk_s: float = Field(0.05, gt=0, le=5, description="Seconds of search between clock checks (and progress reports). Default 0.05.")
    iterations_per_chunk: int = Field(200, ge=1, le=1_000_000, description="Iterations per chunk when an iteration limit is set (deterministic runs). Default 200.")
