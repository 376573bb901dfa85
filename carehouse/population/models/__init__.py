"""The risk and multimorbidity models. Each states its source, version and look-back window."""
