"""Commissioning intelligence: needs, gaps, process and outcome measures, evaluation, business case,
incentive schemes, the measurement hierarchy and board papers, all disclosure-controlled."""
