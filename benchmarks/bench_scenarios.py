"""Benchmark and record: the scenarios' backtest (hit rates), its cost, and the scenarios of all 40 GB regions.

Usage::

    python benchmarks/bench_scenarios.py [--warehouse FILE]

Records in ``benchmarks/results/scenarios.json``:

* the hit-rate table of ``clusterplan backtest --scenarios`` (the share of GB region-clusters and region-divisions
  that reached each percentile of their similar comparators' differential growth; pre-Covid test years and, for
  information, tested to 2021), the percentiles chosen for the low, central and high cases, and the caps;
* the cost of the calibration: the first call in a process (warehouse read, series cubes, every fold) and a cached
  call (the same data, taxonomy and settings), and of one region's scenarios once it is cached;
* for the default taxonomy and ``gb_data_driven_sic``: every region's direct low/central/high jobs, indirect jobs,
  the high total as a share of the region's jobs and GVA, the largest cluster's share, and how many regions would
  rank first in GB under their own high case (the others on their baselines).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=os.environ.get("CLUSTERPLAN_WAREHOUSE"))
    args = parser.parse_args()

    from threadpoolctl import threadpool_limits

    from clusterplan.pipeline._similar_run import calibration_settings, scenario_calibration, similar_scenarios
    from clusterplan.pipeline.scenarios import load_scenario_config, region_scenario_table
    from clusterplan.taxonomy import load_taxonomy
    from clusterplan.warehouse import Warehouse

    config = load_scenario_config()
    settings = calibration_settings(config)
    taxonomy = load_taxonomy("wmca_plan_for_growth")
    with Warehouse(args.warehouse, read_only=True) as warehouse:
        warehouse.dataset_info("bres_itl2_sic5")  # open the connection before timing
        start = time.perf_counter()
        calibration, cubes = scenario_calibration(warehouse, taxonomy, settings=settings)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        scenario_calibration(warehouse, taxonomy, settings=settings)
        cached = time.perf_counter() - start
        import pandas as pd

        frame = pd.DataFrame({"cluster_id": [c.id for c in taxonomy.clusters]})
        frame["cluster"] = frame["cluster_id"]
        frame["jump_off_jobs"] = frame["baseline_jobs"] = 1000.0
        # A first region warms what every region shares; the second is timed (its own GVA series and comparators).
        for region in ("TLD3", "TLG3"):
            start = time.perf_counter()
            similar_scenarios(
                warehouse,
                taxonomy,
                dataset="bres_itl2_sic5",
                region=region,
                config=config,
                frame=frame,
                horizon=9,
                jump_off=2021,
                fallback_gva_per_job=None,
            )
        one_region = time.perf_counter() - start
        regions = {}
        with threadpool_limits(1):
            for name in ("wmca_plan_for_growth", "gb_data_driven_sic"):
                table = region_scenario_table(warehouse, name, config)
                share = table["high_share_of_jobs"]
                regions[name] = {
                    "baseline_method": table.attrs.get("baseline_method"),
                    "max_high_share_of_jobs": float(share.max()),
                    "median_high_share_of_jobs": float(share.median()),
                    "regions_over_5_percent": int((share > 0.05).sum()),
                    "regions_over_10_percent": int((share > 0.10).sum()),
                    "regions_ranking_first_under_own_high_case": int((table["rank_high"] == 1).sum()),
                    "first_when_every_region_is_on_its_high_case": table.loc[
                        table["rank_all_high"] == 1, "area_code"
                    ].tolist(),
                    "low_at_least_zero": bool((table["direct_jobs_low"] >= 0).all()),
                    "low_at_most_high": bool((table["direct_jobs_low"] <= table["direct_jobs_high"]).all()),
                    "regions": table.round(4).to_dict(orient="records"),
                }
    hit = calibration.table("pre_covid")
    covid = calibration.table("to_2021")
    result = {
        "benchmark": "scenario backtest (similar comparators' percentiles) and every region's scenarios",
        "command": "clusterplan backtest --scenarios",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "date": date.today().isoformat(),
        "seconds": {
            "calibration_first_call": round(cold, 3),
            "calibration_cached": round(cached, 4),
            "one_region_with_calibration_cached": round(one_region, 3),
        },
        "chosen_percentiles": calibration.chosen,
        "hit_rates_of_chosen": calibration.chosen_hit_rates,
        "region_units_tested": hit.attrs.get("region_units"),
        "hit_rates_pre_covid": {str(int(p)): row.round(4).to_dict() for p, row in hit.iterrows()},
        "hit_rates_to_2021_information_only": {str(int(p)): row.round(4).to_dict() for p, row in covid.iterrows()},
        "folds": calibration.parameters.get("folds"),
        "caps": calibration.caps.to_dict(orient="records"),
        "series": {u: len(c.units) for u, c in cubes.items()},
        "every_region": regions,
    }
    out = HERE / "results" / "scenarios.json"
    out.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("every_region",)}, indent=1, default=float)[:3000])
    for name, found in regions.items():
        print(name, {k: v for k, v in found.items() if k != "regions"})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
