"""The input boundary: every way a patient enters the advisor.

- :mod:`advisor.inputs.fields`: the field specification (types, ranges, spellings, list
  lengths) and its checks across fields (weight for age, onset, trial durations);
- :mod:`advisor.inputs.growth`: the weight-for-age bounds (WHO 2006 / CDC 2000, sourced);
- :mod:`advisor.inputs.patient`: the patient file (YAML or JSON, read strictly by
  :mod:`advisor.strict_load`) -> a validated Patient;
- :mod:`advisor.inputs.tables`: one reader for every tabular source (CSV, TSV, Parquet),
  row by row tolerant (:mod:`advisor.inputs.text_tables`: pyarrow, dictionary-encoded
  columns, a bad row kept in place with its reason);
- :mod:`advisor.inputs.cohort`: column-wise checks of a patient table, bad rows reported.

Both paths end in a :class:`~advisor.frame.PatientFrame` (``frame_from_patients`` and
``frame_from_table``). A new input format is an adapter that produces a patient file's data
or a patient table.
"""

# The kinds of cohort or genotype file (advisor.inputs.sources); here so that the command
# line can list them without importing pandas.
SOURCE_KINDS = ("auto", "table", "vcf", "pharmcat", "23andme", "ancestry", "plink")
# Rows per chunk of a cohort screen (--chunksize): at 10^6 samples about 0.5 GB peak, and
# about 12% faster than 10^5-row chunks (fewer distinct rows validated twice across chunks).
CHUNK_ROWS = 250_000
