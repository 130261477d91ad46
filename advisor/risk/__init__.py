"""Drug-resistance risk model: literature-calibrated simulation, training, evaluation and
per-patient estimates. Import from the submodules (``advisor.risk.predict.risk_block``);
this package stays light so the command line starts fast."""

DEFAULT_N = 100_000  # synthetic training cohort size
DEFAULT_SEED = 20_250_601  # its seed
DEFAULT_MEMBERS = 100  # ensemble members behind the uncertainty interval
DEFAULT_MEMBER_N = 20_000  # patients per synthetic member cohort
