"""Case finding and risk stratification over a population extract, from one practice to a nation.

A plain Python package: no Django. The public API:

- ``carehouse.population.api.run(extract, out_dir, engine="duckdb" | "spark", settings=..., cohorts=[...])``
  scores, segments and ranks everyone in an extract and writes the results (see ``api``);
- ``carehouse.population.generate.generate(out_dir, people, seed=42)`` writes a synthetic extract;
- ``carehouse.population.pipeline.stratify(engine, extract, settings)`` runs the steps in an
  engine of your own (``engine.DuckDBEngine`` or ``engine.SparkEngine``);
- ``carehouse.population.cohort`` reads cohort definitions and finds their people;
- ``carehouse.population.schema`` describes the input tables; ``load.load_extract`` checks them.

The command line is ``carehouse population generate | stratify | cohort | report``.
"""
