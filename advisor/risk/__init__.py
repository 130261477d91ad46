"""Drug-resistance risk model: literature-calibrated simulation, training, evaluation and
per-patient estimates. Import from the submodules (``advisor.risk.predict.risk_block``);
this package stays light so the command line starts fast."""

DEFAULT_N = 100_000  # synthetic training cohort size
DEFAULT_SEED = 20_250_601  # its seed
